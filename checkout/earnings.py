"""Earnings figures for the dashboard's overview, and the geometry of its 30-day chart.
Pure: the storage layer sums transaction rows per day (reports.daily_sums); this turns
those sums into periods and bars. Amounts are integer minor units.

What counts, for the merchant receiving the money:
- gross: payments received (the payee's credit rows; the shopper pays the service fee on
  top, so no fee is taken from them);
- refunds: refunds given back (the payee's debit rows);
- fees: what the platform charged the merchant, i.e. withdrawal fees, less the fees a
  failed payout gave back;
- net = gross - refunds - fees.
The welcome credit is not earnings: it is counted apart (see reports.welcome_credit_total).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from .statuses import Kind


@dataclass(frozen=True)
class Figures:
    gross: int = 0
    refunds: int = 0
    fees: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.refunds - self.fees

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            self.gross + other.gross, self.refunds + other.refunds, self.fees + other.fees
        )


def row_figures(row: dict) -> Figures:
    """One summed row (type, direction, amount, fee) as figures; other kinds count zero."""
    kind, direction = row["type"], row["direction"]
    if kind == Kind.PAYMENT and direction == "credit":
        return Figures(gross=row["amount"])
    if kind == Kind.REFUND and direction == "debit":
        return Figures(refunds=row["amount"])
    if kind == Kind.WITHDRAWAL and direction == "debit":
        return Figures(fees=row.get("fee", 0))
    if kind == Kind.WITHDRAWAL_REVERSAL and direction == "credit":
        return Figures(fees=-row.get("fee", 0))
    return Figures()


def by_day(rows: list[dict]) -> dict[date, Figures]:
    days: dict[date, Figures] = {}
    for row in rows:
        day = date.fromisoformat(row["day"])
        days[day] = days.get(day, Figures()) + row_figures(row)
    return days


def last_days(today: date, count: int) -> list[date]:
    """The `count` days ending today, oldest first."""
    return [today - timedelta(days=back) for back in range(count - 1, -1, -1)]


def period(days: dict[date, Figures], today: date, count: int) -> Figures:
    total = Figures()
    for day in last_days(today, count):
        total = total + days.get(day, Figures())
    return total


@dataclass(frozen=True)
class Bar:
    day: date
    figures: Figures
    x: float
    gross_y: float
    gross_height: float
    refunds_y: float
    refunds_height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    slot: float
    bar_width: float
    top_value: int  # the amount at the top gridline
    bars: list[Bar]


def chart(
    days: dict[date, Figures], today: date, count: int = 30, width: int = 720, height: int = 180
) -> Chart:
    """Bars of gross and refunds per day, scaled to the largest value of the period."""
    left, top, bottom = 8, 16, height - 4
    plot_height = bottom - top
    slot = (width - left - 8) / count
    bar_width = slot * 0.42
    series = [(day, days.get(day, Figures())) for day in last_days(today, count)]
    top_value = max([max(f.gross, f.refunds) for _, f in series] + [1])

    def scaled(value: int) -> float:
        return round(plot_height * max(value, 0) / top_value, 2)

    bars = []
    for index, (day, figures) in enumerate(series):
        gross_h, refunds_h = scaled(figures.gross), scaled(figures.refunds)
        bars.append(
            Bar(
                day=day,
                figures=figures,
                x=round(left + index * slot + slot * 0.06, 2),
                gross_y=round(bottom - gross_h, 2),
                gross_height=gross_h,
                refunds_y=round(bottom - refunds_h, 2),
                refunds_height=refunds_h,
            )
        )
    return Chart(width, height, left, bottom, round(slot, 2), round(bar_width, 2), top_value, bars)
