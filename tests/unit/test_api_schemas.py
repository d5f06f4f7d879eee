"""The API models against the code they describe (pure: no app, no store)."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from checkout import errors
from checkout.errors import InvalidAmount, InvalidRequest
from checkout.web.api import schemas

PACKAGE = Path(errors.__file__).parent


def error_detail_names() -> set[str]:
    """Every keyword a CheckoutError is raised with anywhere: each lands in error{}."""
    kinds = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.CheckoutError)
    }
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in kinds:
                names |= {keyword.arg for keyword in node.keywords if keyword.arg}
    return names


def test_the_error_schema_documents_every_detail_an_error_carries():
    # session_not_open carried "status", undocumented: found by the schemathesis run.
    assert error_detail_names() <= set(schemas.ErrorDetail.model_fields)


@pytest.mark.parametrize("value", [Decimal("12.50"), 12, Decimal("1E+2")])
def test_an_amount_passes_through_as_sent(value):
    model = schemas.NewSession.model_validate({"amount": value})
    assert model.amount is value  # unparsed: money.parse_amount needs the currency


@pytest.mark.parametrize("value", ["12.50", True, 12.5, [1]])
def test_an_amount_that_is_no_json_number_is_refused(value):
    with pytest.raises((InvalidAmount, InvalidRequest)) as caught:
        schemas.NewSession.model_validate({"amount": value})
    assert caught.value.details in ({"field": "amount"}, {"fields": ["amount"]})


def test_a_session_amount_may_be_left_to_its_line_items():
    # The service refuses a session with neither (tests/integration/test_session_options.py).
    items = [{"description": "Tea", "quantity": 2, "unitAmount": Decimal("1.50")}]
    model = schemas.NewSession.model_validate({"amount": None, "lineItems": items})
    assert model.amount is None and model.lineItems == items


def test_unknown_then_missing_parameters_are_named():
    with pytest.raises(InvalidRequest) as caught:
        schemas.Payment.model_validate({"pin": "123456", "currency": "EUR"})
    assert caught.value.message == "unknown parameter: currency"
    with pytest.raises(InvalidRequest) as caught:
        schemas.Payment.model_validate({"pin": "123456"})
    assert caught.value.details == {"fields": ["fromWalletCode", "totalAmount"]}


def test_the_validation_helpers_still_apply():
    with pytest.raises(InvalidRequest) as caught:
        schemas.NewSession.model_validate({"amount": 1, "successUrl": "javascript:alert(1)"})
    assert caught.value.details == {"field": "successUrl"}
    with pytest.raises(InvalidRequest) as caught:
        schemas.Registration.model_validate(
            {
                "organization": "A",
                "email": "a@b.co",
                "password": "long enough \ud800",
                "category": "food",
            }
        )
    assert caught.value.details == {"field": "password"}
    assert (
        schemas.NewSession.model_validate({"amount": 1, "description": "  Tea "}).description
        == "Tea"
    )
