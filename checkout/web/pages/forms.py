"""WTForms with session-based CSRF (Flask-WTF is Flask-only)."""
from quart import current_app, request, session
from wtforms import Form, PasswordField, StringField
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import InputRequired, Length, Regexp


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
    wallet_code = StringField(
        "Wallet code",
        validators=[
            InputRequired("Enter your wallet code."),
            Length(max=64, message="That is not a wallet code."),
        ],
        filters=[lambda value: value.strip().lower() if value else value],
    )
    pin = PasswordField(
        "PIN",
        validators=[
            InputRequired("Enter your 6-digit PIN."),
            Regexp(r"^[0-9]{6}$", message="Your PIN is 6 digits."),
        ],
    )
