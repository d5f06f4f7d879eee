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
from ...i18n import current_locale, gettext, translations
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
        raise ValidationError(gettext("Remove the control characters."))


# Labels, choices and messages translate lazily, when the page renders in the merchant's
# language. WTForms' own messages (a date or choice it cannot read) come through the
# catalogs too: PageForm's translations, and these two marked here for the catalogs.
WTFORMS_MESSAGES = (_l("Not a valid date value."), _l("Not a valid choice."))


class PageTranslations:
    """WTForms' translations interface, answered by the page's catalog."""

    def gettext(self, string: str) -> str:
        return translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations().ngettext(singular, plural, n)


class PageForm(Form):
    """A GET filter form (no CSRF) whose WTForms messages follow the page's language."""

    class Meta:
        def get_translations(self, form):
            return PageTranslations()


EMAIL = [
    InputRequired(_l("Enter your email.")),
    Length(max=254, message=_l("Use at most 254 characters.")),
    Regexp(EMAIL_PATTERN, message=_l("Enter a valid email address.")),
]


class LoginForm(CSRFForm):
    email = StringField(_l("Email"), validators=EMAIL, filters=[lower])
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Enter your password.")),
            Length(max=256, message=_l("Use at most 256 characters.")),
        ],
    )


def organization_field() -> StringField:
    """The organization's name, with the API's rules (sign-up and profile alike)."""
    return StringField(
        _l("Organization name"),
        filters=[strip],
        validators=[
            InputRequired(_l("Enter your organization's name.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
            no_control_characters,
        ],
    )


class SignUpForm(CSRFForm):
    """The same fields and rules as POST /api/v1/org/register."""

    organization = organization_field()
    email = StringField(_l("Email"), validators=EMAIL, filters=[lower])
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=8, max=256, message=_l("Use 8 to 256 characters.")),
        ],
    )
    category = StringField(
        _l("Business category"),
        filters=[strip],
        validators=[
            InputRequired(_l("Enter a category.")),
            Length(max=50, message=_l("Use at most 50 characters.")),
            no_control_characters,
        ],
    )
    pin = PasswordField(
        _l("Wallet PIN (optional)"),
        validators=[Optional(), Regexp(r"^[0-9]{6}$", message=_l("A PIN is exactly 6 digits."))],
    )


class ConfirmForm(CSRFForm):
    """A button that changes state (sign out, revoke): only the CSRF token."""


class CreateSessionForm(CSRFForm):
    amount = StringField(
        _l("Amount"),
        validators=[InputRequired(_l("Enter an amount, e.g. 12.50."))],
        filters=[strip],
    )
    description = StringField(
        _l("Description (shown to the payer)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=500, message=_l("Use at most 500 characters.")),
            no_control_characters,
        ],
    )
    wallet = SelectField(_l("Pay into wallet"), choices=[])

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
        raise ValidationError(gettext("Enter an amount like 12.50.")) from None
    try:
        return parse_amount(value, currency)
    except InvalidAmount as exc:
        if current_locale() == "en":  # the API's wording, which says what is wrong
            raise ValidationError(exc.message.replace("amount", "The amount", 1)) from None
        raise ValidationError(
            gettext(
                "Enter a positive amount in %(currency)s with at most its number of decimals.",
                currency=currency,
            )
        ) from None


class RefundForm(CSRFForm):
    amount = StringField(
        _l("Amount to refund"),
        filters=[strip],
        validators=[Optional(), Length(max=30, message=_l("Use at most 30 characters."))],
    )
    reason = StringField(
        _l("Reason (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
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
            _l("New password"),
            validators=[
                InputRequired(_l("Enter a new password.")),
                Length(min=8, max=256, message=_l("Use 8 to 256 characters.")),
            ],
        ),
        PasswordField(
            _l("Repeat the new password"),
            validators=[EqualTo("new_password", message=_l("The two new passwords differ."))],
        ),
    )


class ForgotPasswordForm(CSRFForm):
    email = StringField(_l("Email"), validators=EMAIL, filters=[lower])


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


STATUS_LABELS = {
    "open": _l("Open"),
    "complete": _l("Complete"),
    "expired": _l("Expired"),
    "canceled": _l("Canceled"),
}


class SessionFilterForm(PageForm):
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [SelectChoice(s, STATUS_LABELS.get(s, s.capitalize())) for s in SESSION_STATUSES],
        default="",
    )
    q = StringField(
        _l("Trace id, reference, email or description"),
        filters=[strip],
        validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
    )


# The CSV export keeps its own English type codes; these label the page and its filter.
TYPE_LABELS = {
    "payment": _l("Payment"),
    "refund": _l("Refund"),
    "withdrawal": _l("Withdrawal"),
    "withdrawal_reversal": _l("Withdrawal reversal"),
    "welcome_credit": _l("Welcome credit"),
    "top_up": _l("Top-up"),
}


class TransactionFilterForm(PageForm):
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    type = SelectField(
        _l("Type"),
        choices=[SelectChoice("", _l("All types"))]
        + [SelectChoice(t, TYPE_LABELS.get(t, t)) for t in TRANSACTION_TYPES],
        default="",
    )

    def validate_end(self, field):
        if field.data and self.start.data and self.start.data > field.data:
            raise ValidationError(gettext("The end date is before the start date."))


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
