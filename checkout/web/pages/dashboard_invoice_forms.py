"""The dashboard's invoice forms. Line items are rows of plain fields: "Add a line" posts
the form back with one more row, so it all works without JavaScript."""

from decimal import Decimal

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

from ...session_options import MAX_LINE_ITEMS, MAX_QUANTITY
from ...validation import EMAIL_PATTERN
from .dashboard_forms import amount_in_minor_units, no_control_characters, strip
from .forms import CSRFForm

FIRST_ROWS = 3


class LineForm(Form):
    """One row; a row left blank is ignored."""

    description = StringField(
        "Description", filters=[strip], validators=[Length(max=200), no_control_characters]
    )
    quantity = StringField("Quantity", filters=[strip])
    unit_amount = StringField("Unit price", filters=[strip])

    def is_blank(self) -> bool:
        return not (self.description.data or self.quantity.data or self.unit_amount.data)


class InvoiceForm(CSRFForm):
    customer_email = StringField(
        "Customer email",
        filters=[strip],
        validators=[
            InputRequired("Enter the customer's email."),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message="Enter a valid email address."),
        ],
    )
    customer_name = StringField(
        "Customer name (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=200), no_control_characters],
    )
    wallet = SelectField("Paid into wallet", choices=[])
    due_date = DateField("Due date (optional)", validators=[Optional()])
    memo = TextAreaField(
        "Note to the customer (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
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
                line.description.errors.append("Describe this line.")
            quantity = line.quantity.data or ""
            if not (
                quantity.isascii() and quantity.isdigit() and 1 <= int(quantity) <= MAX_QUANTITY
            ):
                line.quantity.errors.append(f"Enter a whole number from 1 to {MAX_QUANTITY:,}.")
            try:
                amount_in_minor_units(line.unit_amount.data or "", self.currency)
            except ValidationError as exc:
                line.unit_amount.errors.append(str(exc).replace("The amount", "The price"))
            if not (line.description.errors or line.quantity.errors or line.unit_amount.errors):
                items.append(
                    {
                        "description": line.description.data,
                        "quantity": int(quantity),
                        "unitAmount": Decimal(line.unit_amount.data),
                    }
                )
        if any(row.form.errors for row in field.entries):
            raise ValidationError("Correct the highlighted lines.")
        if not items:
            raise ValidationError("Add at least one line: a description, a quantity and a price.")
        self.line_items = items


class InvoiceFilterForm(Form):
    status = SelectField(
        "Status",
        choices=[
            SelectChoice(value, label)
            for value, label in (
                ("", "All"),
                ("draft", "Draft"),
                ("open", "Open"),
                ("paid", "Paid"),
                ("void", "Void"),
                ("uncollectible", "Uncollectible"),
            )
        ],
        validators=[Optional()],
    )
