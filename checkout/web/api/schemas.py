"""The JSON API's contract: pydantic models of every request body, list query string and
answer under /api/v1. quart-schema turns them into /openapi.json.

Request fields keep the API's own camelCase names as attribute names, so a field's name is
the name the client sent and the checks of checkout/validation.py (which name the field in
their messages) apply unchanged: the field types below call them. Those checks raise
InvalidRequest themselves, which pydantic lets through untouched, so every message and
`field` is what it was before the models existed. Amounts are only type-checked here (a JSON
number, never a string, bool or float): money.parse_amount stays the one parser, because
only the service knows the currency.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import CoreSchema

from ... import branding, otp_codes, session_options, validation
from ...errors import InvalidAmount, InvalidRequest
from ...security import check_pin_format
from ...services import events as event_rules
from ...services import lifecycle, transactions
from ...services.events import EVENT_TYPES
from ...services.payment_links import MAX_LINKS_LISTED

MAX_PAYMENTS_LIMIT = 1_000_000


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


class Checked:
    """Field metadata, as in `Annotated[str | None, Checked(check, schema)]`: the value goes
    through check(value, json_name), and the OpenAPI schema is `schema`. When the annotated
    type admits None, null is "absent": it is let through unchecked and the schema allows it
    (unless nullable=False: the service then refuses null itself, naming the field), so the
    annotation is the one place that says whether a field may be null."""

    def __init__(
        self,
        check: Callable[[Any, str], Any],
        schema: dict[str, Any],
        *,
        nullable: bool | None = None,
    ) -> None:
        self.check = check
        self.schema = schema
        self.nullable = nullable

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        optional = type(None) in get_args(source)
        nullable = optional if self.nullable is None else self.nullable

        def validate(value: Any, info: ValidationInfo) -> Any:
            if value is None and optional:
                return None
            assert info.field_name is not None  # these types are only used on model fields
            return self.check(value, info.field_name)

        return handler(
            Annotated[
                source,
                PlainValidator(validate),
                WithJsonSchema(_nullable(self.schema) if nullable else self.schema),
            ]
        )


def Text(max_length: int = 200) -> Checked:  # a capital: it reads as a type
    def check(value: Any, name: str) -> Any:
        return validation.text({name: value}, name, required=False, max_length=max_length)

    return Checked(check, {"type": "string", "minLength": 1, "maxLength": max_length})


def _email(value, name):
    return validation.email({name: value}, name, required=False)


def _new_password(value, name):
    return validation.password({name: value}, name, required=False)


def _typed_password(value, name):
    return validation.password({name: value}, name, required=False, new=False)


def _url(value, name):
    return validation.url({name: value}, name)


def _metadata(value, name):
    return validation.metadata({name: value}, name)


def _pin(value, name):
    return check_pin_format(value)


def _otp(value, name):
    if not otp_codes.is_code(value):
        raise InvalidRequest(f"{name} must be the 6 digits from the mail, as a string", field=name)
    return value


def _amount(value, name):
    # The JSON provider parses numbers as int or Decimal, never float; a string or a bool
    # is refused with the same answer money.parse_amount gives.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidAmount(f"{name} must be a number, e.g. 12.50", field=name)
    return value


def _whole_number(low: int, high: int, *, digits_text: bool = True):
    def check(value, name):
        # A limit comes from a query string as "20", and from the original API's POST
        # body as 20 or "20"; other numbers (maxPayments) must be JSON numbers.
        if digits_text and isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidRequest(f"{name} must be a whole number from {low} to {high}", field=name)
        return value

    return check


def _as_given(value, name):
    return value  # the service checks it (and names the field)


EMAIL_SCHEMA = {"type": "string", "format": "email", "maxLength": 254}
PIN_SCHEMA = {"type": "string", "pattern": "^[0-9]{6}$", "description": "Exactly 6 digits."}
AMOUNT_SCHEMA = {
    "type": "number",
    "exclusiveMinimum": 0,
    "description": "Major units (12.50), with no more decimals than the currency has.",
}
URL_SCHEMA = {
    "type": "string",
    "format": "uri",
    "maxLength": 2048,
    "description": "An absolute http(s) URL.",
}

NEW_PASSWORD_SCHEMA = {"type": "string", "minLength": 8, "maxLength": 256}
TYPED_PASSWORD_SCHEMA = {"type": "string", "maxLength": 256}

Email = Annotated[str, Checked(_email, EMAIL_SCHEMA)]
OptionalEmail = Annotated[str | None, Checked(_email, EMAIL_SCHEMA)]
NewPassword = Annotated[str, Checked(_new_password, NEW_PASSWORD_SCHEMA)]
OptionalNewPassword = Annotated[str | None, Checked(_new_password, NEW_PASSWORD_SCHEMA)]
TypedPassword = Annotated[str, Checked(_typed_password, TYPED_PASSWORD_SCHEMA)]
OptionalTypedPassword = Annotated[str | None, Checked(_typed_password, TYPED_PASSWORD_SCHEMA)]
OptionalUrl = Annotated[str | None, Checked(_url, URL_SCHEMA)]
Metadata = Annotated[
    dict[str, Any] | None,
    Checked(
        _metadata,
        {
            "type": "object",
            "maxProperties": 20,
            "propertyNames": {"minLength": 1, "maxLength": 40, "pattern": "^[^$.][^.]*$"},
            "additionalProperties": {"type": "string", "maxLength": 500},
        },
    ),
]
Pin = Annotated[str, Checked(_pin, PIN_SCHEMA)]
OptionalPin = Annotated[str | None, Checked(_pin, PIN_SCHEMA)]
OptionalOtp = Annotated[
    str | None,
    Checked(
        _otp,
        {
            "type": "string",
            "pattern": "^[0-9]{6}$",
            "description": "The 6-digit one-time code mailed to the payer.",
        },
    ),
]
Amount = Annotated[int | Decimal, Checked(_amount, AMOUNT_SCHEMA)]
OptionalAmount = Annotated[int | Decimal | None, Checked(_amount, AMOUNT_SCHEMA)]


def Limit(high: int) -> Checked:  # a capital: it reads as a type
    return Checked(_whole_number(1, high), {"type": "integer", "minimum": 1, "maximum": high})


MaxPayments = Annotated[
    int | None,
    Checked(
        _whole_number(1, MAX_PAYMENTS_LIMIT, digits_text=False),
        {"type": "integer", "minimum": 1, "maximum": MAX_PAYMENTS_LIMIT},
    ),
]
# Not nullable in the schema: the service refuses null for these (it names the field).
WebhookUrl = Annotated[Any, Checked(_as_given, URL_SCHEMA)]
EventTypes = Annotated[
    Any,
    Checked(
        _as_given,
        {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": [*EVENT_TYPES, "*"]},
            "description": 'Event types to receive, or ["*"] for all.',
        },
    ),
]


# --- session options and payment-link fields (issue 13) ---


def _when(value, name):
    """An ISO 8601 time with a timezone, as an aware UTC datetime (milliseconds, as MongoDB
    keeps them)."""
    problem = f"{name} must be an ISO 8601 time with a timezone, e.g. 2026-05-01T12:00:00Z"
    if not isinstance(value, str):
        raise InvalidRequest(problem, field=name)
    try:
        when = datetime.fromisoformat(value.strip())
        if when.tzinfo is None:
            raise InvalidRequest(problem, field=name)
        when = when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidRequest(problem, field=name) from None
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _locale(value, name):
    if value not in session_options.LOCALES:
        raise InvalidRequest(
            f"{name} must be one of {', '.join(session_options.LOCALES)}", field=name
        )
    return value


def _flag(value, name):
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name} must be true or false", field=name)
    return value


def _object(value, name, required: tuple, optional: tuple = ()) -> dict:
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be an object", field=name)
    unknown = [str(key) for key in value if key not in (*required, *optional)]
    missing = [key for key in required if value.get(key) is None]
    if unknown or missing:
        raise InvalidRequest(
            f"{name} takes {', '.join(required)}"
            f"{' (and ' + ', '.join(optional) + ')' if optional else ''}",
            field=name,
        )
    return value


def _line_items(value, name):
    limit = session_options.MAX_LINE_ITEMS
    if not isinstance(value, list) or not 1 <= len(value) <= limit:
        raise InvalidRequest(f"{name} must be a list of 1 to {limit} items", field=name)
    items = []
    for index, item in enumerate(value):
        where = f"{name}[{index}]"
        try:
            _object(item, where, ("description", "quantity", "unitAmount"))
            description = validation.text(item, "description", max_length=200)
            quantity = _whole_number(1, session_options.MAX_QUANTITY, digits_text=False)(
                item["quantity"], "quantity"
            )
            unit_amount = _amount(item["unitAmount"], "unitAmount")
        except InvalidRequest as exc:  # the field is the list; the message says where
            message = exc.message if exc.message.startswith(where) else f"{where}.{exc.message}"
            raise InvalidRequest(message, field=name) from None
        except InvalidAmount as exc:
            raise InvalidAmount(f"{where}.{exc.message}", field=name) from None
        items.append({"description": description, "quantity": quantity, "unitAmount": unit_amount})
    return items


def _custom_amount(value, name):
    _object(value, name, ("minimum", "maximum"), ("preset",))
    for key in ("minimum", "maximum", "preset"):
        if value.get(key) is not None:
            try:
                _amount(value[key], f"{name}.{key}")
            except InvalidAmount as exc:
                raise InvalidAmount(exc.message, field=name) from None
    return value


WHEN_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with a timezone, e.g. 2026-05-01T12:00:00Z.",
}
When = Annotated[datetime | None, Checked(_when, WHEN_SCHEMA)]
SessionLocale = Annotated[
    str | None,
    Checked(
        _locale,
        {
            "enum": list(session_options.LOCALES),
            "description": "The hosted page's language; auto follows the browser. The shopper's "
            "own choice (?lang=) still wins.",
        },
    ),
]
OptionalFlag = Annotated[bool | None, Checked(_flag, {"type": "boolean"})]
LineItems = Annotated[
    list[dict[str, Any]] | None,
    Checked(
        _line_items,
        {
            "type": "array",
            "minItems": 1,
            "maxItems": session_options.MAX_LINE_ITEMS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["description", "quantity", "unitAmount"],
                "properties": {
                    "description": {"type": "string", "minLength": 1, "maxLength": 200},
                    "quantity": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": session_options.MAX_QUANTITY,
                    },
                    "unitAmount": AMOUNT_SCHEMA,
                },
            },
            "description": "What is bought. amount may then be left out: it is the exact sum.",
        },
    ),
]
CustomAmountRequest = Annotated[
    dict[str, Any] | None,
    Checked(
        _custom_amount,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["minimum", "maximum"],
            "properties": {
                "minimum": AMOUNT_SCHEMA,
                "maximum": AMOUNT_SCHEMA,
                "preset": AMOUNT_SCHEMA,
            },
            "description": "Instead of amount: the shopper types the amount, within these bounds; "
            "preset fills the field.",
        },
    ),
]


class LineItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    quantity: int
    unitAmount: Annotated[Decimal, WithJsonSchema({"type": "number"})]
    amount: Annotated[Decimal, WithJsonSchema({"type": "number"})] = Field(
        description="quantity × unitAmount."
    )


class CustomAmount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minimum: Annotated[Decimal, WithJsonSchema({"type": "number"})]
    maximum: Annotated[Decimal, WithJsonSchema({"type": "number"})]
    preset: Annotated[Decimal, WithJsonSchema({"type": "number"})] | None


# --- requests ---


class Parameters(BaseModel):
    """A request body or query string: unknown names are refused (like Stripe), and missing
    required ones are named together before any value is looked at, as before the models."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def known_and_present(cls, data):
        if not isinstance(data, dict):
            raise InvalidRequest("The parameters must be a JSON object.")
        known = {field.alias or name for name, field in cls.model_fields.items()}
        unknown = [str(name) for name in data if name not in known]
        if unknown:
            raise InvalidRequest(
                f"unknown parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
                fields=unknown,
            )
        validation.require_fields(
            data,
            tuple(
                field.alias or name
                for name, field in cls.model_fields.items()
                if field.is_required()
            ),
        )
        return data


class NoParameters(Parameters):
    """Takes no parameters."""


class Registration(Parameters):
    organization: Annotated[str, Text(100)]
    email: Email
    password: NewPassword
    category: Annotated[str, Text(50)]
    pin: OptionalPin = None


class Login(Parameters):
    email: Annotated[str, Text(254)]
    password: TypedPassword


BRAND_COLOR_SCHEMA = {
    "type": "string",
    "pattern": "^#[0-9a-fA-F]{6}$",
    "description": "#rrggbb with WCAG AA contrast (4.5:1) against white text and the "
    "page's light backgrounds; a lighter one is refused naming brandColor.",
}


class ProfileChange(Parameters):
    """At least one field; currentPassword is required to change email or password.
    Branding fields (merchant accounts only): null clears one."""

    organization: Annotated[str | None, Text(100)] = None
    email: OptionalEmail = None
    category: Annotated[str | None, Text(50)] = None
    password: OptionalNewPassword = None
    currentPassword: OptionalTypedPassword = None
    notifyPayments: bool | None = Field(
        None, description='Mail a "payment received" notice for each payment to this account.'
    )
    displayName: Annotated[
        str | None,
        Checked(
            branding.display_name,
            {"type": "string", "minLength": 1, "maxLength": branding.DISPLAY_NAME_MAX},
        ),
    ] = Field(None, description="The name shoppers see on the checkout pages.")
    supportEmail: Annotated[str | None, Checked(branding.support_email, EMAIL_SCHEMA)] = None
    supportUrl: Annotated[
        str | None,
        Checked(
            branding.support_url,
            {**URL_SCHEMA, "description": "An https:// address."},
        ),
    ] = None
    brandColor: Annotated[str | None, Checked(branding.brand_color, BRAND_COLOR_SCHEMA)] = None


class PasswordResetRequest(Parameters):
    email: Annotated[str, Text(254)]


class PasswordResetConfirmation(Parameters):
    token: Annotated[str, Text(100)] = Field(description="From the link in the reset mail.")
    password: NewPassword


class EmailVerification(Parameters):
    token: Annotated[str, Text(100)] = Field(description="From the link in the verification mail.")


class NewWallet(Parameters):
    name: Annotated[str | None, Text(60)] = None
    pin: OptionalPin = Field(None, description="Chosen PIN; a random one is made if absent.")


class NewSession(Parameters):
    """amount, or lineItems, or both when they agree (else 422 amount_mismatch)."""

    amount: OptionalAmount = None
    description: Annotated[str | None, Text(500)] = None
    successUrl: OptionalUrl = None
    cancelUrl: OptionalUrl = None
    clientReferenceId: Annotated[str | None, Text(200)] = None
    metadata: Metadata = None
    expiresAt: When = Field(
        None, description="From 1 minute to 7 days ahead; SESSION_TTL from now if absent."
    )
    customerEmail: OptionalEmail = None
    lineItems: LineItems = None
    locale: SessionLocale = None


class SessionQuery(Parameters):
    limit: Annotated[int, Limit(lifecycle.MAX_PAGE)] = 20
    status: Annotated[str | None, Checked(_as_given, {"enum": list(lifecycle.STATUSES)})] = None
    startingAfter: Annotated[str | None, Text(64)] = None
    clientReferenceId: Annotated[str | None, Text(200)] = None
    createdAfter: When = Field(None, description="Only sessions created after this time.")
    createdBefore: When = Field(None, description="Only sessions created before this time.")


class Payment(Parameters):
    """A total of at least OTP_THRESHOLD is answered 202 requires_otp first (a code is
    mailed to the payer); send the same payment again with otp and otpChallengeId."""

    fromWalletCode: Annotated[str, Text(64)]
    totalAmount: Amount
    pin: Pin
    otp: OptionalOtp = None
    otpChallengeId: Annotated[str | None, Text(64)] = Field(
        None, description="The otpChallengeId of the requires_otp answer; needed with otp."
    )

    @model_validator(mode="after")
    def code_with_its_challenge(self):
        for given, needed in (("otp", "otpChallengeId"), ("otpChallengeId", "otp")):
            if getattr(self, given) is not None and getattr(self, needed) is None:
                raise InvalidRequest(
                    f"Missing required fields: {needed} (it goes with {given})", fields=[needed]
                )
        return self


class TransactionQuery(Parameters):
    limit: Annotated[int, Limit(transactions.MAX_PAGE)] = 20
    startingAfter: Annotated[str | None, Text(64)] = None


class NewRefund(Parameters):
    amount: OptionalAmount = Field(
        None, description="Part of the amount; all that is left if absent."
    )
    reason: Annotated[str | None, Text(500)] = None


class Destination(BaseModel):
    """Where the money goes: iban with holderName, or a free-form reference."""

    model_config = ConfigDict(extra="forbid")
    iban: str | None = Field(None, description="Checked: country format, length, check digits.")
    holderName: str | None = Field(None, description="The account holder's name (with iban).")
    reference: str | None = Field(None, description="For other rails, e.g. a mobile wallet.")


class NewWithdrawal(Parameters):
    """Send the wallet's pin or the account password (one of them)."""

    walletCode: Annotated[str, Text(64)]
    amount: Amount
    pin: OptionalPin = None
    password: OptionalTypedPassword = None
    destination: Destination | None = Field(
        None, description="Where the payout goes; stored, and shown masked."
    )


class NewPaymentLink(Parameters):
    """Either amount or customAmount."""

    walletCode: Annotated[str, Text(64)]
    amount: OptionalAmount = None
    customAmount: CustomAmountRequest = None
    description: Annotated[str, Text(500)]
    successUrl: OptionalUrl = None
    cancelUrl: OptionalUrl = None
    metadata: Metadata = Field(None, description="Copied to each session the link opens.")
    maxPayments: MaxPayments = None


class LinkQuery(Parameters):
    limit: Annotated[int, Limit(MAX_LINKS_LISTED)] = MAX_LINKS_LISTED
    startingAfter: Annotated[str | None, Text(64)] = None


class LinkChange(Parameters):
    """At least one of description, active, maxPayments (not below completedPayments)."""

    description: Annotated[str | None, Text(500)] = None
    active: OptionalFlag = None
    maxPayments: MaxPayments = None


class NewKey(Parameters):
    label: Annotated[str | None, Text(60)] = None


class NewWebhook(Parameters):
    url: WebhookUrl
    events: EventTypes
    description: Annotated[str | None, Text(200)] = None


# --- answers ---

Money = Annotated[Decimal, WithJsonSchema({"type": "number"})]  # written as a JSON number
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


class Answer(BaseModel):
    # Exact shapes: a field the representation adds without a model fails the tests
    # (and the schema says additionalProperties: false).
    model_config = ConfigDict(extra="forbid")


class Wallet(Answer):
    walletCode: str
    name: str | None
    balance: Money
    currency: str
    createdAt: Timestamp | None


REPLAYED = " null in the replay of an idempotent request: it is never kept."


class NewWalletAnswer(Wallet):
    pin: str | None = Field(description="Shown this once;" + REPLAYED)


class Wallets(Answer):
    data: list[Wallet]


class Registered(Answer):
    userCode: str
    merchant: str
    email: str
    walletCode: str
    balance: Money
    currency: str
    pin: str = Field(description="The default wallet's PIN, shown this once.")


class LoggedIn(Answer):
    userCode: str
    merchant: str | None = Field(description="The organization; null for a personal account.")
    kind: str = Field(description="merchant, or individual (a shopper's own wallet account).")
    email: str
    balance: Money
    currency: str
    walletCode: str
    token: str
    expiresIn: int


class Profile(Answer):
    userCode: str
    kind: str = Field(description="merchant, or individual (a shopper's own wallet account).")
    name: str | None = Field(description="A personal account's name; null for merchants.")
    merchant: str | None
    organization: str | None
    email: str
    category: str | None
    walletCode: str
    displayName: str | None
    supportEmail: str | None
    supportUrl: str | None
    brandColor: str | None
    logoUrl: str | None = Field(description="The logo shoppers see, served by this server.")
    createdAt: Timestamp | None
    notifyPayments: bool = Field(description="Whether each payment is mailed to the account.")
    emailVerified: bool = Field(
        description="Whether the account's email is verified (sign-up mails a link)."
    )
    token: str | None = Field(
        None, description="A new login token, after an email or password change ended the old ones."
    )
    expiresIn: int | None = None


class Accepted(Answer):
    status: str = Field(description='"accepted": the request is queued; nothing else is said.')


class PasswordReset(Answer):
    status: str = Field(
        description='"password_reset": every login token and dashboard session issued '
        "before it has ended; log in with the new password."
    )


class Session(Answer):
    object: str
    transactionTraceId: str
    status: str
    amount: Money
    serviceFee: Money
    totalAmount: Money
    currency: str
    session_time: int = Field(alias="session-time", description="Seconds left to pay.")
    checkoutUrl: str
    walletCode: str
    description: str | None
    successUrl: str | None
    cancelUrl: str | None
    clientReferenceId: str | None
    metadata: dict[str, str]
    createdAt: Timestamp
    expiresAt: Timestamp
    paidAt: Timestamp | None
    canceledAt: Timestamp | None
    payerWallet: str | None
    refundedAmount: Money
    paymentLinkCode: str | None
    customerEmail: str | None
    lineItems: list[LineItem]
    locale: str | None


class Sessions(Answer):
    data: list[Session]
    hasMore: bool
    nextCursor: str | None


class Paid(Answer):
    transactionTraceId: str
    status: str
    amount: Money
    serviceFee: Money
    totalAmount: Money
    currency: str
    fromWalletCode: str
    toWalletCode: str
    balance: Money
    paidAt: Timestamp
    redirectUrl: str | None


class OtpRequired(Answer):
    """Nothing moved: a one-time code was mailed to the payer account's email. Send the
    same payment again with otp (the code) and otpChallengeId within 5 minutes."""

    status: Literal["requires_otp"]
    otpChallengeId: str
    sentTo: str = Field(description="The address the code went to, masked: j•••@example.com.")
    expiresAt: Timestamp


class Transaction(Answer):
    id: str
    type: str
    direction: str
    amount: Money
    fee: Money
    currency: str
    walletCode: str
    counterpartyWalletCode: str | None
    transactionTraceId: str | None
    refundId: str | None
    withdrawalId: str | None
    description: str | None
    createdAt: Timestamp


class Transactions(Answer):
    data: list[Transaction]
    hasMore: bool
    nextCursor: str | None


class Refund(Answer):
    object: str
    id: str
    transactionTraceId: str
    status: str
    amount: Money
    serviceFeeRefunded: Money
    currency: str
    reason: str | None
    walletCode: str
    payerWallet: str | None
    createdAt: Timestamp
    refundedAmount: Money | None = Field(
        None, description="The session's refunded total (in the answer to a refund)."
    )


class Refunds(Answer):
    data: list[Refund]


class Withdrawal(Answer):
    object: str
    id: str
    status: str
    walletCode: str
    amount: Money
    fee: Money
    totalDebited: Money
    currency: str
    createdAt: Timestamp
    settledAt: Timestamp | None
    note: str | None
    destination: str | None = Field(
        None, description="Where the payout goes, masked (e.g. DE89 •••• 3000 · Jane Doe)."
    )
    balance: Money | None = Field(
        None, description="The wallet's balance (in the answer to a withdrawal)."
    )


class PaymentLink(Answer):
    code: str
    url: str
    active: bool
    walletCode: str
    amount: Money | None = Field(description="null when the shopper chooses (customAmount).")
    customAmount: CustomAmount | None
    currency: str
    description: str
    successUrl: str | None
    cancelUrl: str | None
    metadata: dict[str, str]
    maxPayments: int | None
    completedPayments: int
    createdAt: Timestamp
    deactivatedAt: Timestamp | None


class PaymentLinks(Answer):
    data: list[PaymentLink]
    hasMore: bool
    nextCursor: str | None


class ApiKey(Answer):
    id: str
    label: str | None
    prefix: str
    createdAt: Timestamp
    lastUsedAt: Timestamp | None
    revokedAt: Timestamp | None


class NewApiKey(ApiKey):
    secret: str | None = Field(description="Shown this once;" + REPLAYED)


class ApiKeys(Answer):
    data: list[ApiKey]


class WebhookEndpoint(Answer):
    id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    previousSecretExpiresAt: Timestamp | None = Field(
        description="Until then the secret replaced by the last rotation signs too."
    )
    createdAt: Timestamp


class NewWebhookEndpoint(WebhookEndpoint):
    secret: str | None = Field(description="The signing secret, shown this once;" + REPLAYED)


class WebhookEndpoints(Answer):
    data: list[WebhookEndpoint]


class Deleted(Answer):
    id: str
    deleted: bool


class DeliveryAttempt(Answer):
    number: int
    startedAt: Timestamp
    succeeded: bool
    statusCode: int | None
    error: str | None
    durationMs: int
    responseExcerpt: str | None


class Delivery(Answer):
    id: str
    eventId: str
    eventType: str
    endpointId: str
    status: str
    attemptCount: int
    nextAttemptAt: Timestamp | None
    deliveredAt: Timestamp | None
    failedAt: Timestamp | None
    createdAt: Timestamp
    attempts: list[DeliveryAttempt]


class Deliveries(Answer):
    data: list[Delivery]


class ErrorDetail(Answer):
    code: str = Field(description="Stable, machine-readable.")
    message: str
    field: str | None = Field(None, description="The parameter at fault.")
    fields: list[str] | None = Field(None, description="The parameters at fault.")
    retry_after: int | None = Field(None, description="Seconds to wait (also Retry-After).")
    attempts_left: int | None = Field(None, description="Wrong PINs left before the wallet locks.")
    attemptsLeft: int | None = Field(
        None, description="Wrong one-time codes left before the code dies (invalid_otp)."
    )
    reason: str | None = Field(
        None,
        description="Why a one-time code can no longer be used (otp_expired): expired, used, "
        "dead (too many wrong codes), replaced (a newer one was sent) or mismatch.",
    )
    refundable: Money | None = Field(None, description="What is left to refund.")
    status: str | None = Field(None, description="The session's status (session_not_open).")
    withdrawal_status: str | None = Field(
        None, description="The withdrawal's status (withdrawal_not_pending)."
    )
    requestId: str | None = Field(
        None, description="This request's X-Request-Id: quote it to support."
    )


class Error(Answer):
    """Every error answer has this shape."""

    error: ErrorDetail


# --- webhook management and events (issue 13): kept together here ---


def _boolean(value, name):
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name} must be true or false", field=name)
    return value


# Not nullable: null is refused for these by the service (it names the field).
Boolean = Annotated[bool | None, Checked(_boolean, {"type": "boolean"}, nullable=False)]


class WebhookChange(Parameters):
    """At least one field; only the fields sent change. description: null clears it.
    enabled: false stops new deliveries and pauses pending ones until enabled again."""

    url: WebhookUrl = None
    events: EventTypes = None
    description: Annotated[str | None, Text(200)] = None
    enabled: Boolean = None


class EventQuery(Parameters):
    limit: Annotated[int, Limit(event_rules.MAX_PAGE)] = 20
    type: Annotated[str | None, Checked(_as_given, {"enum": list(event_rules.LISTED_TYPES)})] = None
    startingAfter: Annotated[str | None, Text(64)] = None


class Event(Answer):
    object: str
    id: str
    type: str = Field(description="One of the event types, or ping (a test event).")
    createdAt: Timestamp
    data: dict[str, Any] = Field(
        description="The object as it was when the event happened (the webhook body's data)."
    )


class Events(Answer):
    data: list[Event]
    hasMore: bool
    nextCursor: str | None


# --- invoices (issue 16): kept together here ---

MAX_INVOICE_PAGE = 100


def _due_date(value, name):
    """A calendar date, YYYY-MM-DD: the invoice is due through that day (UTC)."""
    problem = f"{name} must be a date, YYYY-MM-DD"
    if not isinstance(value, str) or len(value) != 10:
        raise InvalidRequest(problem, field=name)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(problem, field=name) from None
    if not 2000 <= day.year <= 2999:
        raise InvalidRequest(f"{name} must be a date from 2000 to 2999", field=name)
    return day


DueDate = Annotated[
    date | None,
    Checked(
        _due_date,
        {"type": "string", "format": "date", "description": "Due through this day (UTC)."},
    ),
]
# Required wherever it appears: null is refused by _line_items, naming the field.
InvoiceLineItems = Annotated[
    list[dict[str, Any]],
    Checked(
        _line_items,
        {
            "type": "array",
            "minItems": 1,
            "maxItems": session_options.MAX_LINE_ITEMS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["description", "quantity", "unitAmount"],
                "properties": {
                    "description": {"type": "string", "minLength": 1, "maxLength": 200},
                    "quantity": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": session_options.MAX_QUANTITY,
                    },
                    "unitAmount": AMOUNT_SCHEMA,
                },
            },
            "description": "What is billed; the subtotal is their exact sum.",
        },
        nullable=False,
    ),
]


class NewInvoice(Parameters):
    """A draft invoice; finalize it to number it and make it payable."""

    walletCode: Annotated[str, Text(64)]
    customerEmail: Email
    customerName: Annotated[str | None, Text(200)] = None
    lineItems: InvoiceLineItems
    dueDate: DueDate = None
    memo: Annotated[str | None, Text(1000)] = None
    metadata: Metadata = None


class InvoiceChange(Parameters):
    """Drafts only; the fields sent replace the draft's (lineItems as a whole)."""

    customerEmail: OptionalEmail = None
    customerName: Annotated[str | None, Text(200)] = None
    lineItems: Annotated[list[dict[str, Any]] | None, Checked(_line_items, {"type": "array"})] = (
        None
    )
    dueDate: DueDate = None
    memo: Annotated[str | None, Text(1000)] = None
    metadata: Metadata = None


class SendInvoice(Parameters):
    locale: Annotated[
        str | None,
        Checked(
            _locale,
            {
                "enum": ["en", "fr", "ar"],
                "description": "The language of the mail and its PDF; en if absent.",
            },
        ),
    ] = None


class InvoiceQuery(Parameters):
    limit: Annotated[int, Limit(MAX_INVOICE_PAGE)] = 20
    status: Annotated[
        str | None,
        Checked(
            _as_given,
            {"enum": ["draft", "open", "paid", "void", "uncollectible"]},
        ),
    ] = None
    startingAfter: Annotated[str | None, Text(64)] = None


class Invoice(Answer):
    object: str
    id: str
    number: str | None = Field(description="INV-000001, given on finalize; null for a draft.")
    status: str = Field(description="draft, open, paid, void or uncollectible.")
    walletCode: str
    customerEmail: str
    customerName: str | None
    currency: str
    lineItems: list[LineItem]
    subtotal: Money
    serviceFee: Money
    total: Money
    dueDate: str | None
    memo: str | None
    metadata: dict[str, str]
    hostedUrl: str
    pdfUrl: str
    receiptPdfUrl: str | None
    transactionTraceId: str | None = Field(description="The payment session that paid it.")
    createdAt: Timestamp
    finalizedAt: Timestamp | None
    paidAt: Timestamp | None
    voidedAt: Timestamp | None
    markedUncollectibleAt: Timestamp | None
    overdueAt: Timestamp | None
    sentAt: Timestamp | None


class Invoices(Answer):
    data: list[Invoice]
    hasMore: bool
    nextCursor: str | None
