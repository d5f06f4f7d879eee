"""The shopper's words for a refused payment: each refusal says what happened and that
nothing was charged, in the page's language."""

import pytest
from quart import Quart, g

from checkout import i18n
from checkout.errors import InsufficientFunds, PaymentContended, StoreUnavailable
from checkout.web.pages.checkout import payment_error


@pytest.fixture
async def page_context():
    app = Quart(__name__)
    i18n.init_app(app)
    async with app.test_request_context("/checkout/cs_x"):
        yield


async def test_a_busy_wallet_says_to_try_again(page_context):
    error = payment_error(PaymentContended())
    assert error["code"] == "payment_contended"
    assert error["message"] == (
        "Your wallet is busy with another payment that has not finished. "
        "Try again in a moment. Nothing was charged."
    )


async def test_in_french(page_context):
    g.locale = "fr"
    assert payment_error(PaymentContended())["message"].startswith("Votre portefeuille est occupé")
    assert payment_error(InsufficientFunds())["message"].endswith("Rien n’a été débité.")


async def test_anything_else_is_still_a_clear_refusal(page_context):
    error = payment_error(StoreUnavailable())
    assert error["message"] == "We could not take this payment. Nothing was charged."
