"""WTForms with session-based CSRF (Flask-WTF is Flask-only)."""

from quart import current_app, request, session
from wtforms import Form, PasswordField, StringField
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import InputRequired, Length, Regexp

from ...i18n import lazy_gettext as _l
from ...validation import EMAIL_PATTERN


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


class ShopperSignUpForm(CSRFForm):
    """A shopper's own wallet, from the checkout page: no organization or category. The
    rules are the API's (validation.py, security.check_pin_format): 8 to 256 character
    password, a chosen 6-digit PIN."""

    name = StringField(
        _l("Your name"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            InputRequired(_l("Enter your name.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
            Regexp(r"^[^\x00-\x1f\x7f]*$", message=_l("Remove the control characters.")),
        ],
    )
    email = StringField(
        _l("Email"),
        filters=[lambda value: value.strip().lower() if value else value],
        validators=[
            InputRequired(_l("Enter your email.")),
            Length(max=254, message=_l("Enter a valid email address.")),
            Regexp(EMAIL_PATTERN, message=_l("Enter a valid email address.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=8, max=256, message=_l("Use 8 to 256 characters.")),
        ],
    )
    pin = PasswordField(
        _l("Choose a PIN"),
        validators=[
            InputRequired(_l("Choose a 6-digit PIN.")),
            Regexp(r"^[0-9]{6}$", message=_l("A PIN is exactly 6 digits.")),
        ],
    )
