"""The merchant dashboard: server-rendered pages behind a quart-auth cookie sign-in.

Handlers stay thin: read a form, call a service, render. Every route except /login and
/signup is wrapped in @signed_in (tests/integration/test_dashboard_auth.py walks the URL map to
prove it)."""

import secrets
from datetime import datetime
from functools import wraps
from urllib.parse import urlsplit

from quart import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from quart_auth import AuthUser, current_user, login_user, logout_user
from werkzeug.datastructures import CombinedMultiDict, FileStorage
from wtforms import SelectChoice

from ... import session_rules
from ...errors import (
    CheckoutError,
    EmailNotVerified,
    EmailTaken,
    InvalidCredentials,
    InvalidMailToken,
    InvalidRequest,
    MerchantOnly,
    RateLimited,
    SessionNotOpen,
)
from ...i18n import current_locale, format_money, gettext
from ...money import format_amount
from ...representations import mask_wallet
from ...services import (
    accounts,
    api_keys,
    dashboard,
    email_verification,
    lifecycle,
    password_reset,
    payments,
    refunds,
    utcnow,
)
from ...services import branding as branding_service
from ...services import wallets as wallet_service
from ...services.dashboard import TransactionFilter
from .. import client_ip, context
from .dashboard_forms import (
    TYPE_LABELS,
    ApiKeyForm,
    BrandingForm,
    ConfirmForm,
    CreateSessionForm,
    CreateWalletForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RefundForm,
    ResetPasswordForm,
    ResetPinForm,
    SessionFilterForm,
    SignUpForm,
    TransactionFilterForm,
    VerifyEmailForm,
)
from .page_errors import page_message

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def local_target(target: str | None) -> str:
    """Only a dashboard path of this site: never an open redirect. Printable ASCII only:
    CR/LF cannot go into a Location header, and browsers drop tabs and newlines from URLs
    (so "/\t/evil.example" would mean "//evil.example")."""
    default = url_for("dashboard.overview")
    if not target or not target.startswith("/dashboard") or target.startswith("//"):
        return default
    if not all("!" <= c <= "~" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


def signed_in(handler):
    """Dashboard pages need a live sign-in; anything else goes to the sign-in page."""

    @wraps(handler)
    async def wrapper(*args, **kwargs):
        ctx = context()
        account = None
        if await current_user.is_authenticated:
            account = await dashboard.signed_in_account(ctx, current_user.auth_id)
            if account is None:
                logout_user()  # ended or expired on the server: drop the cookie too
        if account is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("dashboard.login", next=target), 303)
        g.account = account
        if not accounts.is_merchant(account) and request.endpoint not in PERSONAL_PAGES:
            raise MerchantOnly()
        return await handler(*args, **kwargs)

    return wrapper


# What a personal (individual) wallet account may open: its money, never merchant pages
# (any page not listed here, including pages added later, answers 403 merchant_only).
PERSONAL_PAGES = frozenset(
    {
        "dashboard.overview",
        "dashboard.transactions",
        "dashboard.transactions_csv",
        "dashboard.wallets",
        "dashboard.wallet_statement",
        "dashboard.reset_pin",
        "dashboard.profile",
        "dashboard.change_password",
        "dashboard.logout",
    }
)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


async def page(template: str, status: int = 200, headers: dict | None = None, **values):
    body = await render_template(
        f"dashboard/{template}",
        account=g.get("account"),
        logout_form=ConfirmForm() if g.get("account") else None,
        money=format_amount,
        when=when,
        mask=mask_wallet,
        type_labels=TYPE_LABELS,
        # The banner, and its resend button, while the account's email waits for its link.
        verify_banner=bool(
            g.get("account")
            and context().settings.email_verification_required
            and not email_verification.is_verified(g.account)
        ),
        resend_form=ConfirmForm() if g.get("account") else None,
        **values,
    )
    return body, status, headers or {}


def checkout_url(session_id: str) -> str:
    return f"{context().settings.public_base_url}/checkout/{session_id}"


# --- sign-in -----------------------------------------------------------------------------


async def already_signed_in(ctx) -> bool:
    return bool(
        await current_user.is_authenticated
        and await dashboard.signed_in_account(ctx, current_user.auth_id)
    )


def start_browser_session(session_id: str) -> None:
    """Rotate everything tied to the browser on sign-in or sign-up: the CSRF secret in the
    session cookie and the auth cookie, which names a brand-new server session."""
    session.clear()
    login_user(AuthUser(session_id))


def sign_in_refusal(exc: CheckoutError) -> str:
    """The sign-in page cannot say which of the two was wrong (page_message's wording of
    invalid_credentials is for a password alone)."""
    if isinstance(exc, InvalidCredentials):
        return gettext("Email or password is incorrect.")
    return page_message(exc)


@blueprint.route("/login", methods=["GET", "POST"])
async def login():
    ctx = context()
    if await already_signed_in(ctx):
        return redirect(local_target(request.args.get("next")), 303)
    form = await LoginForm.from_request()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                _, session_id = await dashboard.sign_in(
                    ctx, form.email.data, form.password.data, client_ip()
                )
            except (InvalidCredentials, RateLimited) as exc:
                error, status = sign_in_refusal(exc), exc.status
                if "retry_after" in exc.details:
                    headers["Retry-After"] = str(exc.details["retry_after"])
            else:
                start_browser_session(session_id)
                return redirect(local_target(request.args.get("next")), 303)
    form.password.data = ""
    return await page("login.html", status, headers, form=form, error=error)


@blueprint.route("/signup", methods=["GET", "POST"])
async def signup():
    """A new merchant account from the browser: the API's registration, then signed in on
    the answer page, which shows the wallet code and PIN this once. The PIN is rendered
    straight into this POST's answer: never in a URL, a flash or the session cookie."""
    ctx = context()
    if await already_signed_in(ctx):
        return redirect(url_for("dashboard.overview"), 303)
    form = await SignUpForm.from_request()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                result, session_id = await dashboard.sign_up(
                    ctx,
                    form.organization.data,
                    form.email.data,
                    form.password.data,
                    form.category.data,
                    form.pin.data or None,
                    client_ip(),
                )
            except EmailTaken as exc:
                form.email.errors = [
                    gettext(
                        "An account with this email already exists. Sign in, or use another email."
                    )
                ]
                status = exc.status
            except RateLimited as exc:
                error, status = page_message(exc), exc.status
                if "retry_after" in exc.details:
                    headers["Retry-After"] = str(exc.details["retry_after"])
            else:
                start_browser_session(session_id)
                g.account = result["account"]
                return await page("signup_done.html", wallet=result["wallet"], pin=result["pin"])
    form.password.data = ""
    form.pin.data = ""
    return await page("signup.html", status, headers, form=form, error=error)


@blueprint.post("/logout")
@signed_in
async def logout():
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest(gettext("This form has expired. Reload the page and try again."))
    auth_id = current_user.auth_id
    assert auth_id is not None  # @signed_in let the request in, so someone is signed in
    await dashboard.sign_out(context(), auth_id, g.account)
    logout_user()
    session.clear()
    await flash(gettext("You are signed out."))
    return redirect(url_for("dashboard.login"), 303)


# --- overview and payment sessions ---------------------------------------------------------


@blueprint.get("/")
@signed_in
async def overview():
    data = await dashboard.overview(context(), g.account)
    return await page("overview.html", **data)


@blueprint.get("/sessions")
@signed_in
async def sessions():
    filters = SessionFilterForm(formdata=request.args)
    valid = filters.validate()
    status = (filters.status.data or None) if valid else None
    search = (filters.q.data or None) if valid else None
    page_arg = request.args.get("page", "1")
    page_number = int(page_arg) if page_arg.isascii() and page_arg.isdigit() else 1
    data = await dashboard.list_sessions(context(), g.account, status, search, page_number)
    return await page(
        "sessions.html", filters=filters, status_of=session_rules.effective_status, **data
    )


@blueprint.route("/sessions/new", methods=["GET", "POST"])
@signed_in
async def new_session():
    ctx = context()
    owned = await wallet_service.list_wallets(ctx, g.account)
    form = await CreateSessionForm.from_request(currency=ctx.settings.currency)
    form.wallet.choices = [
        SelectChoice(w["code"], f"{w.get('name') or gettext('Wallet')} · {w['code']}")
        for w in owned
    ]
    if request.method == "GET":
        form.wallet.data = g.account["default_wallet"]
    status, error = 200, None
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                created = await payments.create_session(
                    ctx,
                    g.account,
                    form.wallet.data,
                    form.amount_minor,
                    description=form.description.data or None,
                )
            except CheckoutError as exc:
                error, status = page_message(exc), exc.status
            else:
                return redirect(
                    url_for("dashboard.session_detail", session_id=created["_id"], created=1), 303
                )
    return await page(
        "session_new.html", status, form=form, error=error, currency=ctx.settings.currency
    )


async def detail_page(
    session_id: str,
    status: int = 200,
    refund_form: RefundForm | None = None,
    refund_error: str | None = None,
    cancel_error: str | None = None,
):
    data = await dashboard.session_detail(context(), g.account, session_id)
    detail = data["session"]
    if refund_form is None:
        refund_form = RefundForm(currency=detail["currency"], data={"key": secrets.token_hex(16)})
    return await page(
        "session_detail.html",
        status,
        **data,
        state=session_rules.effective_status(detail, data["now"]),
        seconds_left=session_rules.seconds_left(detail, data["now"]),
        refund_left=refunds.refund_left(detail),
        checkout_url=checkout_url(detail["_id"]),
        created=request.args.get("created") == "1",
        refund_form=refund_form,
        refund_error=refund_error,
        cancel_form=ConfirmForm(),
        cancel_error=cancel_error,
    )


@blueprint.get("/sessions/<session_id>")
@signed_in
async def session_detail(session_id):
    return await detail_page(session_id)


def page_money(minor: int, currency: str) -> str:
    """dashboard_format.local_money, for a flash (that module imports this one)."""
    if current_locale() == "en":
        return format_amount(minor, currency)
    return format_money(minor, currency)


def refund_refusal(exc: CheckoutError) -> str:
    # page_message words insufficient_funds for a withdrawal; a refund's says whose wallet.
    if exc.code == "insufficient_funds" and current_locale() != "en":
        return gettext("Your wallet's balance is too low for this refund: nothing was moved.")
    return page_message(exc)


@blueprint.post("/sessions/<session_id>/refund")
@signed_in
async def refund_session(session_id):
    ctx = context()
    found = await payments.session_for_owner(ctx, g.account, session_id)
    form = await RefundForm.from_request(currency=found["currency"])
    if not form.validate():
        return await detail_page(session_id, 400, refund_form=form)
    try:
        done = await refunds.refund(
            ctx,
            g.account,
            session_id,
            form.amount_minor,
            form.reason.data or None,
            # Scoped to the account like the API's keys, and apart from them.
            idempotency_key=f"{g.account['_id']}:dashboard-{form.key.data}",
        )
    except CheckoutError as exc:
        return await detail_page(
            session_id, exc.status, refund_form=form, refund_error=refund_refusal(exc)
        )
    await flash(
        gettext("Refunded %(amount)s.", amount=page_money(done["amount"], done["currency"]))
    )
    return redirect(url_for("dashboard.session_detail", session_id=session_id), 303)


@blueprint.post("/sessions/<session_id>/cancel")
@signed_in
async def cancel_session(session_id):
    form = await ConfirmForm.from_request()
    if not form.validate():
        return await detail_page(
            session_id, 400, cancel_error=gettext("This form has expired. Please submit it again.")
        )
    try:
        await lifecycle.cancel_session(context(), g.account, session_id)
    except SessionNotOpen as exc:
        return await detail_page(session_id, exc.status, cancel_error=page_message(exc))
    await flash(gettext("Payment canceled: its checkout link no longer accepts payment."))
    return redirect(url_for("dashboard.session_detail", session_id=session_id), 303)


# --- transactions --------------------------------------------------------------------------


def transaction_filter() -> tuple[TransactionFilterForm, TransactionFilter, bool]:
    form = TransactionFilterForm(formdata=request.args)
    if not form.validate():
        return form, TransactionFilter(), False
    return form, TransactionFilter(form.start.data, form.end.data, form.type.data or None), True


@blueprint.get("/transactions")
@signed_in
async def transactions():
    form, filters, valid = transaction_filter()
    data = await dashboard.list_transactions(
        context(),
        g.account,
        filters,
        before=request.args.get("before") if valid else None,
        after=request.args.get("after") if valid else None,
    )
    query = {
        k: v
        for k, v in (
            ("start", request.args.get("start")),
            ("end", request.args.get("end")),
            ("type", request.args.get("type")),
        )
        if v and valid
    }
    return await page("transactions.html", 200 if valid else 400, form=form, query=query, **data)


@blueprint.get("/transactions.csv")
@signed_in
async def transactions_csv():
    form, filters, valid = transaction_filter()
    if not valid:
        messages = [m for errors in form.errors.values() for m in errors]
        raise InvalidRequest(" ".join(messages) or gettext("The filters are invalid."))
    lines = await dashboard.transactions_csv(context(), g.account, filters)
    name = f"transactions-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        lines,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


# --- wallets -------------------------------------------------------------------------------


@blueprint.route("/wallets", methods=["GET", "POST"])
@signed_in
async def wallets():
    ctx = context()
    form = await CreateWalletForm.from_request()
    created, pin, status = None, None, 200
    if request.method == "POST":
        if form.validate():
            created, pin = await wallet_service.create_wallet(
                ctx, g.account, form.name.data or None, None
            )
            form.name.data = ""
        else:
            status = 400
    found = await wallet_service.list_wallets(ctx, g.account)
    return await page("wallets.html", status, form=form, wallets=found, created=created, pin=pin)


@blueprint.get("/wallets/<code>")
@signed_in
async def wallet_statement(code):
    data = await dashboard.wallet_statement(
        context(), g.account, code, before=request.args.get("before")
    )
    return await page("wallet.html", **data)


@blueprint.route("/wallets/<code>/reset-pin", methods=["GET", "POST"])
@signed_in
async def reset_pin(code):
    ctx = context()
    wallet = await wallet_service.owned_wallet(ctx, g.account, code)
    form = await ResetPinForm.from_request()
    error, status, pin, headers = None, 200, None, {}
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                wallet, pin = await dashboard.reset_wallet_pin(
                    ctx, g.account, code, form.password.data
                )
            except (InvalidCredentials, RateLimited) as exc:
                error, status = page_message(exc), exc.status
                if "retry_after" in exc.details:
                    headers["Retry-After"] = str(exc.details["retry_after"])
    form.password.data = ""
    return await page(
        "reset_pin.html", status, headers, form=form, wallet=wallet, pin=pin, error=error
    )


# --- API keys ------------------------------------------------------------------------------


@blueprint.route("/keys", methods=["GET", "POST"])
@signed_in
async def keys():
    ctx = context()
    form = await ApiKeyForm.from_request()
    created, secret, status, error = None, None, 200, None
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                created, secret = await api_keys.create_key(ctx, g.account, form.label.data or None)
            except EmailNotVerified as exc:
                error, status = page_message(exc), exc.status
            form.label.data = ""
    found = await api_keys.list_keys(ctx, g.account)
    return await page(
        "keys.html",
        status,
        form=form,
        keys=found,
        created=created,
        secret=secret,
        error=error,
        revoke_form=ConfirmForm(),
    )


@blueprint.post("/keys/<key_id>/revoke")
@signed_in
async def revoke_key(key_id):
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest(gettext("This form has expired. Reload the page and try again."))
    revoked = await api_keys.revoke_key(context(), g.account, key_id)
    await flash(
        gettext(
            "Revoked the key %(prefix)s…; requests with it now get 401.",
            prefix=revoked["prefix"],
        )
    )
    return redirect(url_for("dashboard.keys"), 303)


# --- profile -------------------------------------------------------------------------------


async def profile_page(
    profile_form=None,
    password_form=None,
    branding_form=None,
    status=200,
    profile_error=None,
    password_error=None,
    headers=None,
):
    if not accounts.is_merchant(g.account):
        # A personal wallet account: its name and email, and its password; no merchant
        # profile, no branding (those answer 403 merchant_only).
        return await page(
            "profile.html",
            status,
            headers,
            personal=True,
            password_form=password_form or PasswordForm(),
            password_error=password_error,
        )
    if profile_form is None:
        profile_form = ProfileForm(
            data={
                "organization": g.account["organization"],
                "email": g.account["email"],
                "category": g.account["category"],
                "notify_payments": bool(g.account.get("notify_payments")),
            }
        )
    password_form = password_form or PasswordForm()
    return await page(
        "profile.html",
        status,
        headers,
        profile_form=profile_form,
        password_form=password_form,
        branding_form=branding_form or branding_form_for(g.account),
        branding=g.account.get("branding") or {},
        profile_error=profile_error,
        password_error=password_error,
    )


@blueprint.get("/profile")
@signed_in
async def profile():
    return await profile_page()


@blueprint.post("/profile")
@signed_in
async def update_profile():
    form = await ProfileForm.from_request()
    if not form.validate():
        form.current_password.data = ""
        return await profile_page(profile_form=form, status=400)
    try:
        rotated = await dashboard.update_profile(
            context(),
            g.account,
            form.organization.data,
            form.email.data,
            form.category.data,
            form.current_password.data or None,
            form.notify_payments.data,
        )
    except (InvalidCredentials, RateLimited, EmailTaken) as exc:
        form.current_password.data = ""
        return await profile_page(
            profile_form=form, status=exc.status, profile_error=page_message(exc)
        )
    if rotated:
        login_user(AuthUser(rotated))  # the email change ended every session, this one too
        await flash(gettext("Profile saved. Your other dashboard sessions were signed out."))
    else:
        await flash(gettext("Profile saved."))
    return redirect(url_for("dashboard.profile"), 303)


@blueprint.post("/profile/password")
@signed_in
async def change_password():
    form = await PasswordForm.from_request()
    if not form.validate():
        return await profile_page(password_form=_blank_passwords(form), status=400)
    try:
        rotated = await dashboard.change_password(
            context(), g.account, form.current_password.data, form.new_password.data
        )
    except (InvalidCredentials, RateLimited) as exc:
        return await profile_page(
            password_form=_blank_passwords(form),
            status=exc.status,
            password_error=page_message(exc),
        )
    login_user(AuthUser(rotated))  # the change ended every session, this one too
    await flash(gettext("Password changed. Your other dashboard sessions were signed out."))
    return redirect(url_for("dashboard.profile"), 303)


def _blank_passwords(form: PasswordForm) -> PasswordForm:
    for field in (form.current_password, form.new_password, form.confirm):
        field.data = ""
    return form


# --- password reset and email verification (reached from mailed links) --------------------


@blueprint.route("/forgot-password", methods=["GET", "POST"])
async def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the email has an
    account: the page cannot be used to find out which emails exist."""
    form = await ForgotPasswordForm.from_request()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                await password_reset.request_reset(context(), form.email.data, client_ip())
            except RateLimited as exc:
                error, status = page_message(exc), exc.status
                headers["Retry-After"] = str(exc.details.get("retry_after", 60))
            else:
                return await page("forgot_password_sent.html", email=form.email.data)
    return await page("forgot_password.html", status, headers, form=form, error=error)


@blueprint.route("/reset-password", methods=["GET", "POST"])
async def reset_password():
    """The mailed link opens this page (token in the query); the form carries the token
    on. A new password ends every session and login token, this browser's too."""
    form = await ResetPasswordForm.from_request()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
    error, status = None, 200
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                await password_reset.confirm_reset(
                    context(), form.token.data, form.new_password.data
                )
            except InvalidMailToken as exc:
                error, status = page_message(exc), exc.status
            else:
                logout_user()
                await flash(gettext("Password changed. Sign in with your new password."))
                return redirect(url_for("dashboard.login"), 303)
    form.new_password.data = form.confirm.data = ""
    return await page("reset_password.html", status, form=form, error=error)


@blueprint.route("/verify-email", methods=["GET", "POST"])
async def verify_email():
    """The mailed verification link opens this page; its button verifies. (A GET alone
    changes nothing: mail scanners open links too.)"""
    form = await VerifyEmailForm.from_request()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
    error, status = None, 200
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                await email_verification.confirm(context(), form.token.data)
            except InvalidMailToken as exc:
                error, status = page_message(exc), exc.status
            else:
                await flash(
                    gettext("Email verified. Withdrawals and API keys are open to you now.")
                )
                return redirect(url_for("dashboard.overview"), 303)
    return await page("verify_email.html", status, form=form, error=error)


@blueprint.post("/verify-email/resend")
@signed_in
async def resend_verification():
    form = await ConfirmForm.from_request()
    if not form.validate():
        raise InvalidRequest(gettext("This form has expired. Reload the page and try again."))
    try:
        await email_verification.resend(context(), g.account)
    except RateLimited as exc:
        await flash(page_message(exc))
    else:
        await flash(gettext("We sent a new link to %(email)s.", email=g.account["email"]))
    return redirect(url_for("dashboard.overview"), 303)


# --- checkout branding (part of the profile page) ------------------------------------------


def branding_form_for(account: dict) -> BrandingForm:
    brand = account.get("branding") or {}
    return BrandingForm(data={name: brand.get(name) or "" for name in branding_service.FIELDS})


@blueprint.post("/profile/branding")
@signed_in
async def update_branding():
    """The profile page's branding form: text fields and an optional logo file (this path
    alone takes a body that large, see web/uploads.py)."""
    ctx = context()
    form = BrandingForm(formdata=CombinedMultiDict([await request.form, await request.files]))
    if not form.validate():
        return await profile_page(branding_form=form, status=400)
    upload = form.logo.data
    logo: bytes | object | None = branding_service.KEEP
    if form.remove_logo.data:
        logo = None
    elif isinstance(upload, FileStorage) and upload.filename:  # a file was chosen
        logo = upload.read()
    try:
        await branding_service.save_branding(
            ctx,
            g.account,
            {name: getattr(form, name).data for name in branding_service.FIELDS},
            logo,
        )
    except InvalidRequest as exc:  # the logo: the text fields were checked by the form
        form.logo.errors = [page_message(exc)]
        return await profile_page(branding_form=form, status=exc.status)
    await flash(gettext("Branding saved. New payment pages show it."))
    return redirect(url_for("dashboard.profile", _anchor="branding-title"), 303)


# Pages kept in their own modules, on this blueprint: imported last, as they use the
# helpers above (signed_in, page).
from . import dashboard_links, dashboard_webhooks, dashboard_withdrawals  # noqa: E402, F401
