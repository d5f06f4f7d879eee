"""Dashboard: reusable payment links. Create one, list them with their completed payments,
copy a link's URL, deactivate it. The same service as the API (services.payment_links)."""

from quart import flash, g, redirect, request, url_for
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ...errors import CheckoutError, InvalidRequest
from ...services import payment_links
from ...services import wallets as wallet_service
from .. import context
from .dashboard import blueprint, page, signed_in
from .dashboard_forms import ConfirmForm, amount_in_minor_units, no_control_characters, strip
from .forms import CSRFForm


class PaymentLinkForm(CSRFForm):
    description = StringField(
        "What the customer pays for",
        filters=[strip],
        validators=[
            InputRequired("Describe what the link sells."),
            Length(max=500),
            no_control_characters,
        ],
    )
    amount = StringField(
        "Amount", filters=[strip], validators=[InputRequired("Enter an amount, e.g. 12.50.")]
    )
    max_payments = IntegerField(
        "Limit of payments (optional)",
        validators=[Optional(), NumberRange(min=1, max=1_000_000, message="From 1 to 1,000,000.")],
    )
    wallet = SelectField("Pay into wallet", choices=[])

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None  # set by validate_amount

    def validate_amount(self, field):
        self.amount_minor = amount_in_minor_units(field.data, self.currency)


def link_url(code: str) -> str:
    return f"{context().settings.public_base_url}/pay/{code}"


@blueprint.route("/links", methods=["GET", "POST"])
@signed_in
async def links():
    ctx = context()
    owned = await wallet_service.list_wallets(ctx, g.account)
    form = await PaymentLinkForm.from_request(currency=ctx.settings.currency)
    form.wallet.choices = [
        SelectChoice(w["code"], f"{w.get('name') or 'Wallet'} · {w['code']}") for w in owned
    ]
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
                error, status = exc.message, exc.status
            else:
                await flash("Payment link created. Copy its URL and share it.")
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
        raise InvalidRequest("This form has expired. Reload the page and try again.")
    link = await payment_links.deactivate_link(context(), g.account, code)
    await flash(f"Deactivated “{link['description']}”: its URL no longer opens a payment.")
    return redirect(url_for("dashboard.links"), 303)
