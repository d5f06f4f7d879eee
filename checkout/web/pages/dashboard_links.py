"""Dashboard: reusable payment links. Create one, list them with their completed payments,
copy a link's URL, deactivate it. The same service as the API (services.payment_links)."""

from quart import flash, g, redirect, request, url_for
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ...errors import CheckoutError, InvalidRequest
from ...i18n import gettext
from ...i18n import lazy_gettext as _l
from ...services import payment_links
from ...services import wallets as wallet_service
from .. import context
from . import dashboard_format  # noqa: F401  (local_money and local_time for the pages)
from .dashboard import blueprint, page, signed_in
from .dashboard_forms import ConfirmForm, amount_in_minor_units, no_control_characters, strip
from .forms import CSRFForm
from .page_errors import page_message


class PaymentLinkForm(CSRFForm):
    description = StringField(
        _l("What the customer pays for"),
        filters=[strip],
        validators=[
            InputRequired(_l("Describe what the link sells.")),
            Length(max=500, message=_l("Use at most 500 characters.")),
            no_control_characters,
        ],
    )
    amount = StringField(
        _l("Amount"),
        filters=[strip],
        validators=[InputRequired(_l("Enter an amount, e.g. 12.50."))],
    )
    max_payments = IntegerField(
        _l("Limit of payments (optional)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=1_000_000, message=_l("From 1 to 1,000,000.")),
        ],
    )
    wallet = SelectField(_l("Pay into wallet"), choices=[])

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None  # set by validate_amount

    def validate_amount(self, field):
        self.amount_minor = amount_in_minor_units(field.data, self.currency)


def wallet_label(wallet: dict, *more: str) -> str:
    """A wallet in a select: its name (or "Wallet") and code, then anything more."""
    return " · ".join([wallet.get("name") or gettext("Wallet"), wallet["code"], *more])


def link_url(code: str) -> str:
    return f"{context().settings.public_base_url}/pay/{code}"


@blueprint.route("/links", methods=["GET", "POST"])
@signed_in
async def links():
    ctx = context()
    owned = await wallet_service.list_wallets(ctx, g.account)
    form = await PaymentLinkForm.from_request(currency=ctx.settings.currency)
    form.wallet.choices = [SelectChoice(w["code"], wallet_label(w)) for w in owned]
    if request.method == "GET":
        form.wallet.data = g.account["default_wallet"]
    status, error = 200, None
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                created = await payment_links.create_link(
                    ctx,
                    g.account,
                    form.wallet.data,
                    form.amount_minor,
                    form.description.data,
                    max_payments=form.max_payments.data,
                )
            except CheckoutError as exc:
                error, status = page_message(exc), exc.status
            else:
                await flash(gettext("Payment link created. Copy its URL and share it."))
                return redirect(url_for("dashboard.links", created=created["_id"]), 303)
    found = await payment_links.list_links(ctx, g.account)
    return await page(
        "links.html",
        status,
        form=form,
        error=error,
        links=found["data"],
        has_more=found["has_more"],
        created=request.args.get("created"),
        link_url=link_url,
        deactivate_form=ConfirmForm(),
        currency=ctx.settings.currency,
    )


@blueprint.post("/links/<code>/deactivate")
@signed_in
async def deactivate_link(code):
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest(gettext("This form has expired. Reload the page and try again."))
    link = await payment_links.deactivate_link(context(), g.account, code)
    await flash(
        gettext(
            "Deactivated “%(description)s”: its URL no longer opens a payment.",
            description=link["description"],
        )
    )
    return redirect(url_for("dashboard.links"), 303)
