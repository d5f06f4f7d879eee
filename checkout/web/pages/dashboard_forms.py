"""Dashboard forms: CSRF-protected (SessionCSRF, see forms.py) for anything that changes
state; plain forms for GET filters, which change nothing."""

from decimal import Decimal, InvalidOperation

from wtforms import (
    BooleanField,
    DateField,
    FileField,
    Form,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from ... import branding
from ...errors import InvalidAmount, InvalidRequest
from ...i18n import current_locale, gettext
from ...i18n import lazy_gettext as _l
from ...money import parse_amount
from ...services.dashboard import SESSION_STATUSES, TRANSACTION_TYPES
from ...validation import EMAIL_PATTERN
from .forms import CSRFForm


def strip(value):
    return value.strip() if isinstance(value, str) else value


def lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def no_control_characters(form, field):
    if field.data and any(ord(c) < 32 for c in field.data):
        raise ValidationError("Remove the control characters.")


EMAIL = [
    InputRequired("Enter your email."),
    Length(max=254),
    Regexp(EMAIL_PATTERN, message="Enter a valid email address."),
]


class LoginForm(CSRFForm):
    email = StringField("Email", validators=EMAIL, filters=[lower])
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=256)]
    )


def organization_field() -> StringField:
    """The organization's name, with the API's rules (sign-up and profile alike)."""
    return StringField(
        "Organization name",
        filters=[strip],
        validators=[
            InputRequired("Enter your organization's name."),
            Length(max=100),
            no_control_characters,
        ],
    )


class SignUpForm(CSRFForm):
    """The same fields and rules as POST /api/v1/org/register."""

    organization = organization_field()
    email = StringField("Email", validators=EMAIL, filters=[lower])
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Choose a password."),
            Length(min=8, max=256, message="Use 8 to 256 characters."),
        ],
    )
    category = StringField(
        "Business category",
        filters=[strip],
        validators=[InputRequired("Enter a category."), Length(max=50), no_control_characters],
    )
    pin = PasswordField(
        "Wallet PIN (optional)",
        validators=[Optional(), Regexp(r"^[0-9]{6}$", message="A PIN is exactly 6 digits.")],
    )


class ConfirmForm(CSRFForm):
    """A button that changes state (sign out, revoke): only the CSRF token."""


class CreateSessionForm(CSRFForm):
    amount = StringField(
        "Amount", validators=[InputRequired("Enter an amount, e.g. 12.50.")], filters=[strip]
    )
    description = StringField(
        "Description (shown to the payer)",
        filters=[strip],
        validators=[Optional(), Length(max=500), no_control_characters],
    )
    wallet = SelectField("Pay into wallet", choices=[])

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None  # set by validate_amount

    def validate_amount(self, field):
        self.amount_minor = amount_in_minor_units(field.data, self.currency)


def amount_in_minor_units(text: str, currency: str) -> int:
    """A typed amount ("12.50"), read by money.parse_amount like the API's amounts."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError("Enter an amount like 12.50.") from None
    try:
        return parse_amount(value, currency)
    except InvalidAmount as exc:
        raise ValidationError(exc.message.replace("amount", "The amount", 1)) from None


class RefundForm(CSRFForm):
    amount = StringField(
        "Amount to refund", filters=[strip], validators=[Optional(), Length(max=30)]
    )
    reason = StringField(
        "Reason (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=200), no_control_characters],
    )
    # A random key made when the page renders: a double submit refunds once (it is the
    # refund's idempotency key, scoped to the account like the API's).
    key = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None  # None: refund everything that is left

    def validate_amount(self, field):
        if not field.data:
            return
        self.amount_minor = amount_in_minor_units(field.data, self.currency)


# The labels and messages of the wallet, key, profile and branding forms translate lazily,
# when the page renders in the merchant's language.
class CreateWalletForm(CSRFForm):
    name = StringField(
        _l("Wallet name"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=60, message=_l("Use at most 60 characters.")),
            no_control_characters,
        ],
    )


class ResetPinForm(CSRFForm):
    password = PasswordField(
        _l("Your account password"),
        validators=[
            InputRequired(_l("Enter your account password.")),
            Length(max=256, message=_l("Use at most 256 characters.")),
        ],
    )


class ProfileForm(CSRFForm):
    organization = organization_field()
    email = StringField(_l("Email"), validators=EMAIL, filters=[lower])
    category = StringField(
        _l("Category"),
        filters=[strip],
        validators=[
            InputRequired(_l("Enter a category.")),
            Length(max=50, message=_l("Use at most 50 characters.")),
            no_control_characters,
        ],
    )
    current_password = PasswordField(
        _l("Current password (needed to change your email)"),
        validators=[Optional(), Length(max=256, message=_l("Use at most 256 characters."))],
    )
    notify_payments = BooleanField(_l("Email me a notice for every payment received"))


class PasswordForm(CSRFForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            InputRequired(_l("Enter your current password.")),
            Length(max=256, message=_l("Use at most 256 characters.")),
        ],
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Enter a new password.")),
            Length(min=8, max=256, message=_l("Use 8 to 256 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


def new_password_fields():
    return (
        PasswordField(
            "New password",
            validators=[
                InputRequired("Enter a new password."),
                Length(min=8, max=256, message="Use 8 to 256 characters."),
            ],
        ),
        PasswordField(
            "Repeat the new password",
            validators=[EqualTo("new_password", message="The two new passwords differ.")],
        ),
    )


class ForgotPasswordForm(CSRFForm):
    email = StringField("Email", validators=EMAIL, filters=[lower])


class ResetPasswordForm(CSRFForm):
    # The link's token travels in the form, not in the URL the form posts to.
    token = HiddenField(validators=[InputRequired(), Length(max=100)])
    new_password, confirm = new_password_fields()


class VerifyEmailForm(CSRFForm):
    token = HiddenField(validators=[InputRequired(), Length(max=100)])


class ApiKeyForm(CSRFForm):
    label = StringField(
        _l("Label"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=60, message=_l("Use at most 60 characters.")),
            no_control_characters,
        ],
    )


class SessionFilterForm(Form):
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(s, s.capitalize()) for s in SESSION_STATUSES],
        default="",
    )
    q = StringField(
        "Trace id, reference, email or description",
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )


TYPE_LABELS = {
    "payment": "Payment",
    "refund": "Refund",
    "withdrawal": "Withdrawal",
    "withdrawal_reversal": "Withdrawal reversal",
    "welcome_credit": "Welcome credit",
    "top_up": "Top-up",
}


class TransactionFilterForm(Form):
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    type = SelectField(
        "Type",
        choices=[SelectChoice("", "All types")]
        + [SelectChoice(t, TYPE_LABELS.get(t, t)) for t in TRANSACTION_TYPES],
        default="",
    )

    def validate_end(self, field):
        if field.data and self.start.data and self.start.data > field.data:
            raise ValidationError("The end date is before the start date.")


def checked_by(check, name: str, translated):
    """A field validator from a checkout/branding.py check (the API's rules). Its English
    message is the API's; other languages get translated(value), as the check's refusals
    all share the code invalid_request."""

    def validate(form, field):
        if field.data:
            try:
                field.data = check(field.data, name)
            except InvalidRequest as exc:
                message = exc.message if current_locale() == "en" else translated(field.data)
                raise ValidationError(message) from None

    return validate


def colour_refusal(value: str) -> str:
    if not branding.HEX_COLOUR.match(value.strip().lower()):
        return gettext("Write the colour as #rrggbb, e.g. #0a58ca.")
    return gettext(
        "%(colour)s is too light: white text on it and it on the page's light background "
        "reach only %(ratio)s:1, and WCAG AA needs 4.5:1. Choose a darker colour.",
        colour=value,
        ratio=branding.floor_ratio(branding.worst_contrast(value)),
    )


class BrandingForm(CSRFForm):
    """What shoppers see on the checkout, payment-link and receipt pages; empty clears."""

    display_name = StringField(
        _l("Display name"),
        filters=[strip],
        validators=[
            checked_by(
                branding.display_name,
                "The display name",
                lambda value: gettext("Use at most 60 characters, without control characters."),
            )
        ],
    )
    support_email = StringField(
        _l("Support email"),
        filters=[lower],
        validators=[
            checked_by(
                branding.support_email,
                "The support email",
                lambda value: gettext("Enter a valid email address."),
            )
        ],
    )
    support_url = StringField(
        _l("Support page (https)"),
        filters=[strip],
        validators=[
            checked_by(
                branding.support_url,
                "The support page",
                lambda value: gettext("Enter an https:// address, e.g. https://shop.example/help."),
            )
        ],
    )
    brand_color = StringField(
        _l("Brand colour"),
        filters=[lower],
        validators=[checked_by(branding.brand_color, "The brand colour", colour_refusal)],
    )
    logo = FileField(_l("Logo (PNG or JPEG, up to 512 KB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
