"""Amounts and times on the dashboard's pages in the page's language.

English keeps the dashboard's plain forms ("1,234.50 USD", "2026-11-26 08:15 UTC"), which its
CSV and tests read; French and Arabic get Babel's, as the checkout page does ("1 234,50 $US",
"26 novembre 2026, 08:15:00 TU"). Templates call local_money(minor, currency) and
local_time(value), which every page of the dashboard blueprint has (the context processor
below; dashboard_invoices passes them itself).
"""

from datetime import date, datetime

from babel.dates import format_skeleton

from ...i18n import current_locale, format_money, format_timestamp
from ...money import format_amount
from .dashboard import blueprint, when


def local_money(minor: int, currency: str) -> str:
    if current_locale() == "en":
        return format_amount(minor, currency)
    return format_money(minor, currency)


def local_time(value: datetime | None) -> str:
    if not value:  # None, or a field the record does not have (like when())
        return "—"
    if current_locale() == "en":
        return when(value)
    return format_timestamp(value)


def local_day(value: date, year: bool = False) -> str:
    """A day on the overview's chart: "26 Nov" in English as before, "26 nov." or
    "26 نوفمبر" in the page's language (Babel orders day and month the locale's way)."""
    if current_locale() == "en":
        return value.strftime("%-d %b %Y" if year else "%-d %b")
    return format_skeleton("yMMMd" if year else "dMMM", value, locale=current_locale())


@blueprint.context_processor
async def formats() -> dict:
    return {"local_money": local_money, "local_time": local_time, "local_day": local_day}
