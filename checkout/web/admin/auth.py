"""The console's cookie, CSRF and access checks.

The cookie `checkout_operator` (Path=/admin, HttpOnly, SameSite=Strict, Secure on https)
holds a random token. Before sign-in it is anonymous and only keys the CSRF tokens of the
sign-in form; sign-in replaces it with a fresh token that Redis maps to the operator
(storage/operator_sessions.py). Neither the dashboard cookie nor an API token means
anything here: every route but /admin/login and /admin/setup is wrapped in
@operator_required (tests/integration/test_admin_access.py walks the URL map)."""

import hashlib
import hmac
import re
import secrets
from functools import wraps

from quart import current_app, g, redirect, request, url_for
from wtforms import Form
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from ...errors import OperatorRequired
from ...services import operators
from ...statuses import OperatorRole
from .. import context

COOKIE = "checkout_operator"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def load_cookie() -> None:
    """Before each console request: the browser's token, or a new anonymous one."""
    token = request.cookies.get(COOKIE, "")
    if not TOKEN_PATTERN.match(token):
        token = secrets.token_urlsafe(32)
        g.set_operator_cookie = token
    g.operator_token = token


def replace_cookie(token: str) -> None:
    """A new token on every change of sign-in state: one planted before is worthless."""
    g.operator_token = token
    g.set_operator_cookie = token


def store_cookie(response):
    token = g.get("set_operator_cookie")
    if token:
        response.set_cookie(
            COOKIE,
            token,
            path="/admin",
            httponly=True,
            samesite="Strict",
            secure=context().settings.secure_cookies,
        )
    return response


class OperatorCSRF(CSRF):
    """A CSRF token derived from the console cookie's token (HMAC with SECRET_KEY): a page
    of another site cannot read it, and a new sign-in makes the old tokens worthless."""

    def setup_form(self, form):
        self.token = form.meta.csrf_context
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field):
        secret = current_app.config["SECRET_KEY"].encode()
        return hmac.new(secret, f"operator-csrf:{self.token}".encode(), hashlib.sha256).hexdigest()

    def validate_csrf_token(self, form, field):
        expected = self.generate_csrf_token(field)
        if not isinstance(field.data, str) or not hmac.compare_digest(field.data, expected):
            raise ValidationError("This form has expired. Reload the page and try again.")


class ConsoleForm(Form):
    class Meta:
        csrf = True
        csrf_class = OperatorCSRF
        csrf_field_name = "csrf_token"

        @property
        def csrf_context(self):
            return g.operator_token

    @classmethod
    async def from_request(cls, **kwargs):
        formdata = (await request.form) if request.method == "POST" else None
        return cls(formdata=formdata, **kwargs)


def operator_required(role: str | None = None):
    """Signed in with password and TOTP; with role="admin", an admin (support gets 403)."""

    def decorate(handler):
        @wraps(handler)
        async def wrapper(*args, **kwargs):
            operator = await operators.session_operator(
                context(), g.operator_token, operators.SIGNED_IN
            )
            if operator is None:
                return redirect(url_for("admin.login"), 303)
            g.operator = operator
            if role == OperatorRole.ADMIN and operator["role"] != OperatorRole.ADMIN:
                raise OperatorRequired()
            return await handler(*args, **kwargs)

        return wrapper

    return decorate


admin_required = operator_required(OperatorRole.ADMIN)
