"""Dashboard: withdrawals. Request one from a wallet, confirmed with the wallet's PIN or
the account password, and follow its status (pending until an operator pays it out or
marks it failed). The same service as POST /api/v1/txn/withdraw."""

import secrets

from quart import flash, g, redirect, url_for
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from ...errors import CheckoutError
from ...i18n import gettext
from ...i18n import lazy_gettext as _l
from ...services import wallets as wallet_service
from ...services import withdrawals
from .. import client_ip, context
from .dashboard import blueprint, page, signed_in
from .dashboard_format import local_money
from .dashboard_forms import amount_in_minor_units, strip
from .dashboard_links import wallet_label
from .forms import CSRFForm
from .page_errors import page_message


class WithdrawalForm(CSRFForm):
    wallet = SelectField(_l("From wallet"), choices=[])
    amount = StringField(
        _l("Amount"),
        filters=[strip],
        validators=[InputRequired(_l("Enter an amount, e.g. 50.00."))],
    )
    pin = PasswordField(
        _l("Wallet PIN"),
        validators=[
            Optional(),
            Regexp(r"^[0-9]{6}$", message=_l("A PIN is exactly 6 digits.")),
        ],
    )
    password = PasswordField(
        _l("Or your account password"),
        validators=[Optional(), Length(max=256, message=_l("Use at most 256 characters."))],
    )
    # A random key made when the page renders: a double submit withdraws once (it is the
    # withdrawal's idempotency key, scoped to the account like the API's).
    key = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None  # set by validate_amount

    def validate_amount(self, field):
        self.amount_minor = amount_in_minor_units(field.data, self.currency)

    def validate_pin(self, field):
        if bool(field.data) == bool(self.password.data):
            raise ValidationError(
                gettext("Enter the wallet's PIN or your account password (one of them).")
            )


def available(wallet: dict) -> str:
    return local_money(wallet["balance"], wallet["currency"])


async def withdrawals_page(form: WithdrawalForm | None = None, status=200, error=None):
    ctx = context()
    currency = ctx.settings.currency
    owned = await wallet_service.list_wallets(ctx, g.account)
    if form is None:
        form = WithdrawalForm(
            currency=currency,
            data={"key": secrets.token_hex(16), "wallet": g.account["default_wallet"]},
        )
    form.wallet.choices = [SelectChoice(w["code"], wallet_label(w, available(w))) for w in owned]
    form.pin.data = form.password.data = ""
    return await page(
        "withdrawals.html",
        status,
        form=form,
        error=error,
        withdrawals=await withdrawals.list_withdrawals(ctx, g.account),
        fee=withdrawals.withdrawal_fee(ctx, currency),
        currency=currency,
    )


@blueprint.get("/withdrawals")
@signed_in
async def withdrawals_list():
    return await withdrawals_page()


@blueprint.post("/withdrawals")
@signed_in
async def request_withdrawal():
    ctx = context()
    form = await WithdrawalForm.from_request(currency=ctx.settings.currency)
    owned = await wallet_service.list_wallets(ctx, g.account)
    form.wallet.choices = [SelectChoice(w["code"], w["code"]) for w in owned]
    if not form.validate():
        return await withdrawals_page(form, 400)
    assert form.amount_minor is not None  # validate_amount set it
    try:
        done = await withdrawals.withdraw(
            ctx,
            g.account,
            form.wallet.data,
            form.amount_minor,
            pin=form.pin.data or None,
            password=None if form.pin.data else form.password.data,
            idempotency_key=f"{g.account['_id']}:dashboard-withdrawal-{form.key.data}",
            client_ip=client_ip(),
        )
    except CheckoutError as exc:
        return await withdrawals_page(form, exc.status, page_message(exc))
    await flash(
        gettext(
            "Withdrawal %(id)s requested: %(total)s left the wallet. It is pending until paid out.",
            id=done["_id"],
            total=local_money(done["amount"] + done["fee"], done["currency"]),
        )
    )
    return redirect(url_for("dashboard.withdrawals_list"), 303)
