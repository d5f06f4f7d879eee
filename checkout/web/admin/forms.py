"""Console forms: CSRF-protected with the console's own token (auth.OperatorCSRF)."""

from wtforms import Form, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp

from ..pages.dashboard_forms import (
    EMAIL,
    amount_in_minor_units,
    lower,
    no_control_characters,
    strip,
)
from .auth import ConsoleForm

CODE = [
    InputRequired("Enter the 6-digit code from your app."),
    Regexp(r"^[0-9]{6}$", message="The code is 6 digits."),
]
REASON = [Optional(), Length(max=200), no_control_characters]


class LoginForm(ConsoleForm):
    email = StringField("Email", validators=EMAIL, filters=[lower])
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=256)]
    )
    # Empty only at the very first sign-in, with the setup password (no app enrolled yet).
    code = StringField(
        "Authenticator code",
        filters=[strip],
        validators=[Optional(), Regexp(r"^[0-9]{6}$", message="The code is 6 digits.")],
    )


class SetupForm(ConsoleForm):
    new_password = PasswordField(
        "New password",
        validators=[
            InputRequired("Choose a password."),
            Length(min=12, max=256, message="Use 12 to 256 characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[EqualTo("new_password", message="The two passwords differ.")],
    )
    code = StringField("Code from your authenticator app", filters=[strip], validators=CODE)


class ConfirmForm(ConsoleForm):
    """A button that changes state: only the CSRF token (and an optional reason)."""

    reason = StringField("Reason", filters=[strip], validators=REASON)


class SearchForm(Form):
    """A GET search: changes nothing, so no CSRF token."""

    q = StringField(
        "Email, organization or wallet code",
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )


class TopUpForm(ConsoleForm):
    wallet = StringField(
        "Wallet code",
        filters=[lower],
        validators=[InputRequired("Enter the wallet code."), Length(max=64)],
    )
    amount = StringField(
        "Amount", filters=[strip], validators=[InputRequired("Enter an amount, e.g. 50.00.")]
    )
    reference = StringField(
        "Reference (e.g. the bank transfer id)",
        filters=[strip],
        validators=[
            InputRequired("Enter a reference: it keeps a top-up from crediting twice."),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$",
                message="Use 1 to 80 letters, digits or . _ : / -",
            ),
        ],
    )
    reason = StringField("Reason", filters=[strip], validators=REASON)

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None

    def validate_amount(self, field):
        self.amount_minor = amount_in_minor_units(field.data, self.currency)
