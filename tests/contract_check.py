"""In tests every JSON answer of the API is checked against the model its route documents.

Production documents answers without re-validating them (checkout/web/api/contract.py),
so that a drifted representation cannot turn a committed payment into a 500; the tests are
where drift must show. A mismatch answers 500 here, which fails the test that made it.
"""

from quart import request
from quart_schema.validation import QUART_SCHEMA_RESPONSE_ATTRIBUTE

from checkout.web.api import schemas
from checkout.web.json import parse


def check_answers_against_their_models(app) -> None:
    @app.after_request
    async def check(response):
        if not request.path.startswith("/api/v1/") or response.mimetype != "application/json":
            return response
        view = app.view_functions.get(request.endpoint)
        documented = getattr(view, QUART_SCHEMA_RESPONSE_ATTRIBUTE, {})
        if response.status_code >= 400:
            model = schemas.Error
        elif response.status_code in documented:
            model = documented[response.status_code][0]
        else:
            raise AssertionError(
                f"{request.endpoint} answered {response.status_code}, "
                "which its route does not document"
            )
        model.model_validate(parse(await response.get_data()))
        return response
