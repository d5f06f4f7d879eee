"""The overview's earnings figures and chart geometry, from summed transaction rows."""

from datetime import date

from checkout.earnings import Figures, by_day, chart, last_days, period, row_figures

TODAY = date(2026, 11, 26)


def row(day, kind, direction, amount, fee=0):
    return {"day": day, "type": kind, "direction": direction, "amount": amount, "fee": fee}


ROWS = [
    row("2026-11-26", "payment", "credit", 10_000, 20),  # the shopper's fee: not the merchant's
    row("2026-11-26", "refund", "debit", 2_500),
    row("2026-11-26", "payment", "debit", 700, 2),  # the merchant paying someone: not earnings
    row("2026-11-26", "welcome_credit", "credit", 100_000),  # counted apart
    row("2026-11-22", "payment", "credit", 5_000),
    row("2026-11-22", "withdrawal", "debit", 3_200, 200),
    row("2026-11-20", "withdrawal_reversal", "credit", 1_200, 200),
    row("2026-11-20", "withdrawal", "debit", 1_200, 200),
    row("2026-10-28", "payment", "credit", 4_000),  # 30th day back: inside the 30 days
    row("2026-10-27", "payment", "credit", 9_999),  # 31st day back: outside
]


def test_periods_count_gross_refunds_fees_and_net():
    days = by_day(ROWS)
    assert period(days, TODAY, 1) == Figures(gross=10_000, refunds=2_500, fees=0)
    week = period(days, TODAY, 7)
    assert week == Figures(gross=15_000, refunds=2_500, fees=200)  # a failed payout's fee came back
    assert week.net == 12_300
    month = period(days, TODAY, 30)
    assert month == Figures(gross=19_000, refunds=2_500, fees=200) and month.net == 16_300


def test_other_rows_count_zero():
    assert row_figures(row("2026-11-26", "welcome_credit", "credit", 5)) == Figures()
    assert row_figures(row("2026-11-26", "payment", "debit", 5, 1)) == Figures()


def test_last_days_end_today_oldest_first():
    days = last_days(TODAY, 7)
    assert days[0] == date(2026, 11, 20) and days[-1] == TODAY and len(days) == 7


def test_chart_scales_bars_to_the_largest_day():
    drawn = chart(by_day(ROWS), TODAY)
    assert len(drawn.bars) == 30 and drawn.bars[-1].day == TODAY
    assert drawn.top_value == 10_000
    plot_height = drawn.plot_bottom - 16
    today = drawn.bars[-1]
    assert today.gross_height == plot_height and today.gross_y == 16
    assert today.refunds_height == plot_height / 4
    assert (
        drawn.bars[0].day == date(2026, 10, 28) and drawn.bars[0].gross_height == plot_height * 0.4
    )
    assert all(b.gross_height == 0 for b in drawn.bars[1:-5])  # days without payments
    xs = [b.x for b in drawn.bars]
    assert xs == sorted(xs) and xs[-1] + 2 * drawn.bar_width <= drawn.width


def test_an_empty_period_draws_no_bars_and_does_not_divide_by_zero():
    drawn = chart({}, TODAY)
    assert drawn.top_value == 1 and all(b.gross_height == 0 for b in drawn.bars)
