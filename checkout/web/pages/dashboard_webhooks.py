"""Dashboard: webhook endpoints. Add one (its signing secret shown this once), read each
delivery with every attempt, redeliver, send a test ping, rotate the secret, disable or
enable. The same service as /api/v1/webhooks (services.webhooks)."""

from quart import flash, g, redirect, request, url_for
from wtforms import SelectChoice, SelectMultipleField, StringField, widgets
from wtforms.validators import InputRequired, Length, Optional

from ...errors import CheckoutError, InvalidRequest, WebhookDisabled
from ...i18n import gettext
from ...i18n import lazy_gettext as _l
from ...services import utcnow, webhooks
from ...services.events import EVENT_TYPES
from .. import context
from .dashboard import blueprint, page, signed_in
from .dashboard_forms import ConfirmForm, no_control_characters, strip
from .forms import CSRFForm
from .page_errors import page_message

ALL_EVENTS = "*"


class WebhookForm(CSRFForm):
    url = StringField(
        _l("Endpoint URL"),
        filters=[strip],
        validators=[
            InputRequired(_l("Enter the URL that receives the events.")),
            Length(max=2048, message=_l("Use at most 2048 characters.")),
        ],
    )
    events = SelectMultipleField(
        _l("Events to send"),
        # Event types are the names the API and the signed payloads carry: not translated.
        choices=[SelectChoice(ALL_EVENTS, _l("All events"))]
        + [SelectChoice(t, t) for t in EVENT_TYPES],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validators=[InputRequired(_l("Choose at least one event."))],
    )
    description = StringField(
        _l("Description (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
    )


def field_errors(form: CSRFForm, exc: CheckoutError) -> bool:
    """Put a service refusal that names a field on that field; False if it names none."""
    names = exc.details.get("fields") or [exc.details.get("field")]
    placed = False
    for name in names:
        if name in form and name != "csrf_token":
            form[name].errors = [*form[name].errors, page_message(exc)]
            placed = True
    return placed


@blueprint.route("/webhooks", methods=["GET", "POST"])
@signed_in
async def webhooks_list():
    ctx = context()
    form = await WebhookForm.from_request()
    created, secret, error, status = None, None, None, 200
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                created, secret = await webhooks.create_endpoint(
                    ctx, g.account, form.url.data, form.events.data, form.description.data or None
                )
            except CheckoutError as exc:
                status = exc.status
                if not field_errors(form, exc):
                    error = page_message(exc)
            else:
                form = WebhookForm(formdata=None, data={"events": [ALL_EVENTS]})
    if request.method == "GET":
        form.events.data = [ALL_EVENTS]
    return await page(
        "webhooks.html",
        status,
        form=form,
        error=error,
        endpoints=await webhooks.list_endpoints(ctx, g.account),
        created=created,
        secret=secret,
        is_enabled=webhooks.is_enabled,
    )


async def endpoint_page(endpoint_id: str, status: int = 200, secret: str | None = None, error=None):
    ctx = context()
    endpoint = await webhooks.endpoint_for_owner(ctx, g.account, endpoint_id)
    return await page(
        "webhook.html",
        status,
        section="dashboard.webhooks_list",
        endpoint=endpoint,
        enabled=webhooks.is_enabled(endpoint),
        overlap_ends=webhooks.overlap_ends(endpoint, utcnow()),
        deliveries=await webhooks.deliveries_for_endpoint(ctx, g.account, endpoint["_id"]),
        secret=secret,
        error=error,
        action_form=ConfirmForm(),
    )


@blueprint.get("/webhooks/<endpoint_id>")
@signed_in
async def webhook_detail(endpoint_id):
    return await endpoint_page(endpoint_id)


async def confirmed() -> None:
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest(gettext("This form has expired. Reload the page and try again."))


@blueprint.post("/webhooks/<endpoint_id>/test")
@signed_in
async def webhook_test(endpoint_id):
    await confirmed()
    try:
        event = await webhooks.send_test(context(), g.account, endpoint_id)
    except WebhookDisabled as exc:
        return await endpoint_page(endpoint_id, exc.status, error=page_message(exc))
    await flash(
        gettext(
            "Test event %(id)s queued: its delivery shows below once a worker has sent it"
            " (reload the page).",
            id=event["_id"],
        )
    )
    return redirect(url_for("dashboard.webhook_detail", endpoint_id=endpoint_id), 303)


@blueprint.post("/webhooks/<endpoint_id>/rotate-secret")
@signed_in
async def webhook_rotate(endpoint_id):
    """The new secret goes straight into this POST's answer: never into a URL or a flash."""
    await confirmed()
    endpoint, secret = await webhooks.rotate_secret(context(), g.account, endpoint_id)
    return await endpoint_page(endpoint["_id"], secret=secret)


@blueprint.post("/webhooks/<endpoint_id>/enabled")
@signed_in
async def webhook_enable(endpoint_id):
    await confirmed()
    ctx = context()
    endpoint = await webhooks.endpoint_for_owner(ctx, g.account, endpoint_id)
    enable = not webhooks.is_enabled(endpoint)
    await webhooks.update_endpoint(ctx, g.account, endpoint["_id"], enabled=enable)
    await flash(
        gettext("Endpoint enabled: held deliveries go out now.")
        if enable
        else gettext("Endpoint disabled: it gets no deliveries until you enable it again.")
    )
    return redirect(url_for("dashboard.webhook_detail", endpoint_id=endpoint["_id"]), 303)


@blueprint.post("/webhooks/deliveries/<delivery_id>/redeliver")
@signed_in
async def webhook_redeliver(delivery_id):
    await confirmed()
    ctx = context()
    delivery = await webhooks.delivery_for_owner(ctx, g.account, delivery_id)
    try:
        await webhooks.redeliver(ctx, g.account, delivery["_id"])
    except CheckoutError as exc:
        return await endpoint_page(delivery["endpoint_id"], exc.status, error=page_message(exc))
    await flash(gettext("Delivery %(id)s will be sent again now.", id=delivery["_id"]))
    return redirect(url_for("dashboard.webhook_detail", endpoint_id=delivery["endpoint_id"]), 303)
