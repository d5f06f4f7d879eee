from datetime import UTC, date, datetime

import pytest

from checkout.errors import InvalidRequest
from checkout.services.dashboard import TransactionFilter, csv_safe
from checkout.services.limits import wait_phrase
from checkout.storage.reports import session_query

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_csv_cells_that_spreadsheets_would_run_are_quoted():
    assert csv_safe('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    for dangerous in ("+1", "-1", "@SUM(A1)", "\tx"):
        assert csv_safe(dangerous).startswith("'")
    assert csv_safe("2 flat whites") == "2 flat whites"
    assert csv_safe(None) == ""


def test_date_filter_includes_both_days_in_utc():
    query = TransactionFilter(date(2026, 11, 1), date(2026, 11, 30), "payment").query("acct")
    assert query == {
        "account_id": "acct",
        "type": "payment",
        "created_at": {
            "$gte": datetime(2026, 11, 1, tzinfo=UTC),
            "$lt": datetime(2026, 12, 1, tzinfo=UTC),
        },
    }
    assert TransactionFilter().query("acct") == {"account_id": "acct"}


def test_bad_filters_are_refused():
    with pytest.raises(InvalidRequest):
        TransactionFilter(date(2026, 2, 2), date(2026, 2, 1)).query("acct")
    with pytest.raises(InvalidRequest):
        TransactionFilter(kind="$where").query("acct")


def test_open_means_not_yet_past_expiry_and_expired_includes_unswept_ones():
    assert session_query("a", "open", None, NOW) == {
        "account_id": "a",
        "status": "open",
        "expires_at": {"$gt": NOW},
    }
    assert session_query("a", "expired", None, NOW)["$or"] == [
        {"status": "expired"},
        {"status": "open", "expires_at": {"$lte": NOW}},
    ]
    searched = session_query("a", None, "order-1.*", NOW)
    assert searched["$and"] == [
        {
            "$or": [
                {"_id": "order-1.*"},
                {"client_reference_id": "order-1.*"},
                # Typed text is escaped: a search is never a pattern.
                {"customer_email": {"$regex": r"^order\-1\.\*$", "$options": "i"}},
                {"description": {"$regex": r"order\-1\.\*", "$options": "i"}},
            ]
        }
    ]


def test_wait_phrase_rounds_up_to_minutes():
    assert wait_phrase(900) == "15 minutes"
    assert wait_phrase(61) == "2 minutes"
    assert wait_phrase(5) == "1 minute"
