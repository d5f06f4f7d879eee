"""X-Request-Id: accepted or made up, echoed on every response, errors included, and in
the log lines of the request."""

import io
import json
import logging

from checkout import create_app
from tests.support import body, call


async def test_a_request_id_is_made_up_and_echoed(client):
    response = await client.get("/healthz")
    assert response.headers["X-Request-Id"].startswith("req_")
    other = await client.get("/healthz")
    assert other.headers["X-Request-Id"] != response.headers["X-Request-Id"]


async def test_the_callers_request_id_comes_back_on_errors_too(client):
    response = await call(
        client, "POST", "/api/v1/org/login", {"email": "x"}, {"X-Request-Id": "trace-42.a:b"}
    )
    assert response.status_code == 400
    assert response.headers["X-Request-Id"] == "trace-42.a:b"
    assert (await body(response))["error"]["requestId"] == "trace-42.a:b"
    page = await client.get("/no-such-page", headers={"X-Request-Id": "trace-43"})
    assert page.status_code == 404
    assert page.headers["X-Request-Id"] == "trace-43"
    assert "trace-43" in await page.get_data(as_text=True)


async def test_an_unreasonable_request_id_is_replaced(client):
    for given in ("has space", "x" * 129, "<script>", "a\u00e9"):
        response = await client.get("/healthz", headers={"X-Request-Id": given})
        assert response.headers["X-Request-Id"].startswith("req_"), given


async def test_log_lines_are_json_with_the_request_id(settings):
    """A line logged while a request runs carries its id; fields passed with extra= too."""
    app = create_app(settings)

    @app.get("/log-probe")
    async def log_probe():
        logging.getLogger("checkout.probe").warning("probe", extra={"attempt": 1})
        return "ok"

    ours = logging.getLogger("checkout").handlers[0]
    out = io.StringIO()
    capture = logging.StreamHandler(out)
    capture.setFormatter(ours.formatter)
    for log_filter in ours.filters:
        capture.addFilter(log_filter)
    logging.getLogger("checkout").addHandler(capture)
    try:
        async with app.test_app() as test_app:
            response = await test_app.test_client().get(
                "/log-probe", headers={"X-Request-Id": "trace-44"}
            )
    finally:
        logging.getLogger("checkout").removeHandler(capture)
    assert response.status_code == 200
    [line] = [
        json.loads(text)
        for text in out.getvalue().splitlines()
        if json.loads(text)["message"] == "probe"
    ]
    assert line["requestId"] == "trace-44" and line["attempt"] == 1
    assert line["level"] == "warning" and line["logger"] == "checkout.probe" and "time" in line
