"""WTForms with session-based CSRF (Flask-WTF is Flask-only)."""

from quart import current_app, request, session
from wtforms import Form, PasswordField, StringField
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import InputRequired, Length, Regexp

from ...i18n import lazy_gettext as _l


class CSRFForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"

        @property
        def csrf_secret(self):
            return current_app.config["SECRET_KEY"].encode()

        @property
        def csrf_context(self):
            return session

    @classmethod
    async def from_request(cls, **kwargs):
        formdata = (await request.form) if request.method == "POST" else None
        return cls(formdata=formdata, **kwargs)


class PayForm(CSRFForm):
    # Labels and messages translate lazily, when the page renders in the shopper's
    # language.
    wallet_code = StringField(
        _l("Wallet code"),
        validators=[
            InputRequired(_l("Enter your wallet code.")),
            Length(max=64, message=_l("That is not a wallet code.")),
        ],
        filters=[lambda value: value.strip().lower() if value else value],
    )
    pin = PasswordField(
        _l("PIN"),
        validators=[
            InputRequired(_l("Enter your 6-digit PIN.")),
            Regexp(r"^[0-9]{6}$", message=_l("Your PIN is 6 digits.")),
        ],
    )


class CodeForm(CSRFForm):
    """The one-time code mailed to the payer (a large payment's second step)."""

    code = StringField(
        _l("Code from the email"),
        validators=[
            InputRequired(_l("Enter the 6-digit code from the email.")),
            Regexp(r"^[0-9]{6}$", message=_l("The code is 6 digits.")),
        ],
        # Pasted codes often come with spaces ("123 456").
        filters=[lambda value: "".join(value.split()) if value else value],
    )


class ContinueForm(CSRFForm):
    """The payment link's Continue button: only the CSRF token, so a session is opened by a
    shopper's own submit from our page, never by a crawler or a cross-site post."""


class CustomAmountForm(ContinueForm):
    """Continue on a link whose shopper chooses the amount. The typed text is read by the
    page (links.typed_amount) and checked against the link's bounds by the service."""

    amount = StringField(_l("Amount"), filters=[lambda value: value.strip() if value else value])
