from checkout import create_app
from tests.servers import free_port
from tests.support import body


async def test_healthz_ok_when_both_stores_answer(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert (await body(response))["status"] == "ok"


async def test_healthz_names_the_failing_store(settings):
    dead_redis = settings.replace(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(dead_redis)
    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/healthz")
        assert response.status_code == 503
        data = await body(response)
        assert data["failing"] == ["redis"] and data["stores"]["mongodb"] == "ok"


async def test_a_store_outage_is_a_503_not_a_500(settings):
    dead_redis = settings.replace(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(dead_redis)
    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/checkout/cs_anything")
        assert response.status_code == 503
