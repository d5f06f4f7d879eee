"""The operator console. Handlers stay thin: read a form, call a service, render."""

from datetime import datetime

import segno
from markupsafe import Markup
from quart import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from ... import totp
from ...errors import CheckoutError, InvalidCredentials, InvalidRequest, RateLimited
from ...money import format_amount
from ...representations import mask_wallet
from ...services import audit, operators, payouts, platform, topups, utcnow
from ...services import merchants as merchant_service
from ...services.audit import operator_actor
from ...statuses import OperatorRole, TopUpStatus, WithdrawalStatus
from .. import client_ip, context
from .auth import (
    admin_required,
    load_cookie,
    operator_required,
    replace_cookie,
    store_cookie,
)
from .forms import ConfirmForm, LoginForm, SearchForm, SetupForm, TopUpForm

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
blueprint.before_request(load_cookie)
blueprint.after_request(store_cookie)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


async def page(template: str, status: int = 200, headers: dict | None = None, **values):
    operator = g.get("operator")
    body = await render_template(
        f"admin/{template}",
        operator=operator,
        is_admin=bool(operator and operator["role"] == OperatorRole.ADMIN),
        logout_form=ConfirmForm() if operator else None,
        money=format_amount,
        when=when,
        mask=mask_wallet,
        **values,
    )
    return body, status, headers or {}


def actor():
    return operator_actor(g.operator, client_ip())


def retry_headers(exc: CheckoutError) -> dict:
    return {"Retry-After": str(exc.details["retry_after"])} if "retry_after" in exc.details else {}


# --- sign-in -----------------------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
async def login():
    ctx = context()
    if await operators.session_operator(ctx, g.operator_token, operators.SIGNED_IN):
        return redirect(url_for("admin.overview"), 303)
    form = await LoginForm.from_request()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                _, token, stage = await operators.sign_in(
                    ctx, form.email.data, form.password.data, form.code.data or None, client_ip()
                )
            except (InvalidCredentials, RateLimited) as exc:
                error, status, headers = exc.message, exc.status, retry_headers(exc)
            else:
                replace_cookie(token)
                target = "admin.overview" if stage == operators.SIGNED_IN else "admin.setup"
                return redirect(url_for(target), 303)
    form.password.data = ""
    form.code.data = ""
    return await page("login.html", status, headers, form=form, error=error)


@blueprint.route("/setup", methods=["GET", "POST"])
async def setup():
    """First sign-in: enrol the authenticator app and replace the setup password."""
    ctx = context()
    operator = await operators.session_operator(ctx, g.operator_token, operators.SETUP)
    if operator is None:
        return redirect(url_for("admin.login"), 303)
    form = await SetupForm.from_request()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                token = await operators.complete_setup(
                    ctx,
                    operator,
                    g.operator_token,
                    form.new_password.data,
                    form.code.data,
                    client_ip(),
                )
            except (InvalidCredentials, RateLimited) as exc:
                error, status, headers = exc.message, exc.status, retry_headers(exc)
            else:
                replace_cookie(token)
                await flash("Two-factor sign-in is on. Use a fresh code at every sign-in.")
                return redirect(url_for("admin.overview"), 303)
    secret = await operators.pending_secret(ctx, g.operator_token)
    uri = totp.provisioning_uri(secret, operator["email"], ctx.settings.platform_name)
    qr = segno.make(uri, error="m").svg_inline(
        scale=4, title="QR code of the authenticator secret", dark="#111", light="#fff"
    )
    for field in (form.new_password, form.confirm, form.code):
        field.data = ""
    return await page(
        "setup.html",
        status,
        headers,
        form=form,
        error=error,
        setup_email=operator["email"],
        secret=secret,
        uri=uri,
        qr=Markup(qr),  # made by segno from our own URI: no user markup in it
    )


@blueprint.post("/logout")
@operator_required()
async def logout():
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest("This form has expired. Reload the page and try again.")
    await operators.sign_out(context(), g.operator, g.operator_token, client_ip())
    replace_cookie(operators.anonymous_token())
    return redirect(url_for("admin.login"), 303)


# --- overview and audit ----------------------------------------------------------------------


@blueprint.get("/")
@operator_required()
async def overview():
    ctx = context()
    pending = await topups.list_topups(ctx, TopUpStatus.PENDING_APPROVAL)
    return await page(
        "overview.html",
        pending_topups=len(pending),
        figures=await platform.figures(ctx),
        last_run=await platform.last_reconcile(ctx),
        run_form=ConfirmForm(),
        currency=ctx.settings.currency,
    )


@blueprint.post("/reconcile")
@operator_required()  # read-only: support may run it too
async def reconcile_now():
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest("This form has expired. Reload the page and try again.")
    run = await platform.run_reconcile(context(), g.operator["email"])
    await audit.record(context(), actor(), "reconcile.run", None, None, ok=run["ok"])
    await flash(
        "Reconcile OK." if run["ok"] else f"Reconcile FAILED: {run['problem_count']} problem(s)."
    )
    return redirect(url_for("admin.overview"), 303)


@blueprint.get("/revenue")
@operator_required()
async def revenue_page():
    ctx = context()
    return await page(
        "revenue.html",
        **await platform.fee_revenue(ctx),
        figures=await platform.figures(ctx),
        sweep_form=ConfirmForm(),
        currency=ctx.settings.currency,
        operating_wallet=ctx.settings.platform_operating_wallet,
    )


@blueprint.post("/revenue/sweep")
@admin_required
async def sweep():
    ctx = context()
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest("This form has expired. Reload the page and try again.")
    swept = await platform.sweep_fees(ctx, actor(), form.reason.data or None)
    await flash(
        f"Swept {format_amount(swept, ctx.settings.currency)} into the operating wallet."
        if swept
        else "The fee wallets are empty: nothing to sweep."
    )
    return redirect(url_for("admin.revenue_page"), 303)


@blueprint.get("/audit")
@operator_required()
async def audit_log():
    return await page("audit.html", entries=await audit.latest(context()))


# --- top-ups -------------------------------------------------------------------------------


async def topups_page(form: TopUpForm | None = None, status: int = 200, error=None, done=None):
    ctx = context()
    return await page(
        "topups.html",
        status,
        form=form or TopUpForm(currency=ctx.settings.currency),
        error=error,
        done=done,
        pending=await topups.list_topups(ctx, TopUpStatus.PENDING_APPROVAL),
        recent=await topups.list_topups(ctx),
        decide_form=ConfirmForm(),
        threshold=ctx.settings.topup_approval_threshold,
        currency=ctx.settings.currency,
    )


@blueprint.get("/topups")
@operator_required()
async def topups_list():
    return await topups_page()


@blueprint.post("/topups")
@admin_required
async def topup_create():
    ctx = context()
    form = await TopUpForm.from_request(currency=ctx.settings.currency)
    if not form.validate():
        return await topups_page(form, 400)
    try:
        done = await topups.top_up(
            ctx,
            actor(),
            form.wallet.data,
            form.amount_minor,
            form.reference.data,
            form.reason.data or None,
        )
    except CheckoutError as exc:
        if exc.code == "wallet_not_found":
            form.wallet.errors = ["No merchant wallet has this code."]
            return await topups_page(form, exc.status)
        return await topups_page(form, exc.status, error=exc.message)
    if done.get("repeated"):
        message = f"Reference {done['reference']} was already used: nothing credited again."
    elif done["status"] == TopUpStatus.PENDING_APPROVAL:
        message = "Above the approval threshold: waiting for a second admin."
    else:
        message = (
            f"Credited {format_amount(done['amount'], done['currency'])} to {done['wallet_code']}."
        )
    await flash(message)
    return redirect(url_for("admin.topups_list"), 303)


@blueprint.post("/topups/<topup_id>/<decision>")
@admin_required
async def topup_decide(topup_id, decision):
    if decision not in ("approve", "reject"):
        raise InvalidRequest("Unknown decision.")
    form = await ConfirmForm.from_request()
    if not form.validate():
        return await topups_page(status=400, error="This form has expired. Please submit it again.")
    try:
        done = await topups.decide(
            context(), actor(), topup_id, decision == "approve", form.reason.data or None
        )
    except CheckoutError as exc:
        return await topups_page(status=exc.status, error=exc.message)
    await flash(f"Top-up {done['reference']} {done['status'].replace('_', ' ')}.")
    return redirect(url_for("admin.topups_list"), 303)


# --- merchants and wallets -----------------------------------------------------------------


@blueprint.get("/merchants")
@operator_required()
async def merchants():
    form = SearchForm(formdata=request.args)
    query = (form.q.data or "") if form.validate() else ""
    found = await merchant_service.search(context(), query)
    return await page("merchants.html", form=form, merchants=found, query=query)


async def merchant_page(account_id, status: int = 200, error: str | None = None):
    data = await merchant_service.detail(context(), account_id)
    return await page("merchant.html", status, **data, freeze_form=ConfirmForm(), error=error)


@blueprint.get("/merchants/<account_id>")
@operator_required()
async def merchant_detail(account_id):
    return await merchant_page(account_id)


@blueprint.post("/merchants/<account_id>/<action>")
@admin_required
async def merchant_freeze(account_id, action):
    if action not in ("freeze", "unfreeze"):
        raise InvalidRequest("Unknown action.")
    form = await ConfirmForm.from_request()
    if not form.validate():
        return await merchant_page(
            account_id, 400, "This form has expired. Please submit it again."
        )
    done = await merchant_service.set_frozen(
        context(), actor(), account_id, action == "freeze", form.reason.data or None
    )
    await flash(f"{done['organization']} is {'frozen' if done['frozen'] else 'active again'}.")
    return redirect(url_for("admin.merchant_detail", account_id=account_id), 303)


@blueprint.get("/wallets")
@operator_required()
async def wallet_lookup():
    form = SearchForm(formdata=request.args)
    code = (form.q.data or "").strip().lower() if form.validate() else ""
    if code:
        return redirect(url_for("admin.wallet_detail", code=code), 303)
    return await page("wallet_lookup.html", form=form)


async def wallet_page(code: str, status: int = 200):
    data = await merchant_service.wallet_detail(context(), code, request.args.get("before"))
    return await page("wallet.html", status, **data, unlock_form=ConfirmForm())


@blueprint.get("/wallets/<code>")
@operator_required()
async def wallet_detail(code):
    return await wallet_page(code)


@blueprint.post("/wallets/<code>/unlock")
@operator_required()  # support may unlock wallets
async def wallet_unlock(code):
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest("This form has expired. Reload the page and try again.")
    await merchant_service.unlock_pin(context(), actor(), code, form.reason.data or None)
    await flash("PIN lock lifted: the owner can try again now.")
    return redirect(url_for("admin.wallet_detail", code=code), 303)


# --- payouts -------------------------------------------------------------------------------


async def payouts_page(status: int = 200, error: str | None = None):
    return await page(
        "payouts.html",
        status,
        pending=await payouts.pending(context()),
        settle_form=ConfirmForm(),
        error=error,
    )


@blueprint.get("/payouts")
@operator_required()
async def payouts_list():
    return await payouts_page()


@blueprint.post("/payouts/<withdrawal_id>/<outcome>")
@admin_required
async def payout_settle(withdrawal_id, outcome):
    if outcome not in (WithdrawalStatus.PAID, WithdrawalStatus.FAILED):
        raise InvalidRequest("Mark a payout paid or failed.")
    form = await ConfirmForm.from_request()
    if not form.validate():
        return await payouts_page(400, "This form has expired. Please submit it again.")
    try:
        done = await payouts.settle(
            context(), actor(), withdrawal_id, outcome, form.reason.data or None
        )
    except CheckoutError as exc:
        return await payouts_page(exc.status, exc.message)
    returned = ": amount and fee returned to the wallet" if outcome == "failed" else ""
    await flash(f"Withdrawal {done['_id']} marked {outcome}{returned}.")
    return redirect(url_for("admin.payouts_list"), 303)


@blueprint.get("/payouts.csv")
@admin_required
async def payouts_csv():
    body = await payouts.pending_csv(context(), actor())
    name = f"payouts-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
