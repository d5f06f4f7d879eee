"""The dashboard's invoice forms. Line items are rows of plain fields: "Add a line" posts
the form back with one more row, so it all works without JavaScript."""

from decimal import Decimal

from babel.numbers import format_decimal
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp

from ...i18n import current_locale, gettext
from ...i18n import lazy_gettext as _l
from ...session_options import MAX_LINE_ITEMS, MAX_QUANTITY
from ...validation import EMAIL_PATTERN
from .dashboard_forms import amount_in_minor_units, no_control_characters, strip
from .forms import CSRFForm

FIRST_ROWS = 3


class LineForm(Form):
    """One row; a row left blank is ignored."""

    description = StringField(
        _l("Description"),
        filters=[strip],
        validators=[
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
    )
    quantity = StringField(_l("Quantity"), filters=[strip])
    unit_amount = StringField(_l("Unit price"), filters=[strip])

    def is_blank(self) -> bool:
        return not (self.description.data or self.quantity.data or self.unit_amount.data)


class InvoiceForm(CSRFForm):
    customer_email = StringField(
        _l("Customer email"),
        filters=[strip],
        validators=[
            InputRequired(_l("Enter the customer's email.")),
            Length(max=254, message=_l("Enter a valid email address.")),
            Regexp(EMAIL_PATTERN, message=_l("Enter a valid email address.")),
        ],
    )
    customer_name = StringField(
        _l("Customer name (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
    )
    wallet = SelectField(_l("Paid into wallet"), choices=[])
    due_date = DateField(_l("Due date (optional)"), validators=[Optional()])
    memo = TextAreaField(
        _l("Note to the customer (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=1000, message=_l("Use at most 1000 characters."))],
    )
    lines = FieldList(FormField(LineForm), min_entries=FIRST_ROWS, max_entries=MAX_LINE_ITEMS)

    def __init__(self, *args, currency: str = "USD", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.line_items: list[dict] = []  # set by validate_lines, as the API takes them

    def validate_lines(self, field):
        items = []
        for row in field.entries:
            line = row.form
            if line.is_blank():
                continue
            if not line.description.data:
                line.description.errors.append(gettext("Describe this line."))
            quantity = line.quantity.data or ""
            if not (
                quantity.isascii() and quantity.isdigit() and 1 <= int(quantity) <= MAX_QUANTITY
            ):
                line.quantity.errors.append(
                    gettext(
                        "Enter a whole number from 1 to %(max)s.",
                        max=format_decimal(MAX_QUANTITY, locale=current_locale()),
                    )
                )
            try:
                amount_in_minor_units(line.unit_amount.data or "", self.currency)
            except ValidationError as exc:
                line.unit_amount.errors.append(price_refusal(str(exc)))
            if not (line.description.errors or line.quantity.errors or line.unit_amount.errors):
                items.append(
                    {
                        "description": line.description.data,
                        "quantity": int(quantity),
                        "unitAmount": Decimal(line.unit_amount.data),
                    }
                )
        if any(row.form.errors for row in field.entries):
            raise ValidationError(gettext("Correct the highlighted lines."))
        if not items:
            raise ValidationError(
                gettext("Add at least one line: a description, a quantity and a price.")
            )
        self.line_items = items


def price_refusal(amount_refusal: str) -> str:
    """The unit price's refusal: the shared amount check words it for "the amount"; in
    English that becomes "the price", other languages say it for the price outright."""
    if current_locale() == "en":
        return amount_refusal.replace("The amount", "The price")
    return gettext("Enter a price like 12.50, more than zero.")


class InvoiceFilterForm(Form):
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice(value, label)
            for value, label in (
                ("", _l("All")),
                ("draft", _l("Draft")),
                ("open", _l("Open")),
                ("paid", _l("Paid")),
                ("void", _l("Void")),
                ("uncollectible", _l("Uncollectible")),
            )
        ],
        validators=[Optional()],
    )
