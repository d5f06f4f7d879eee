"""Languages of the checkout page: catalogs complete and well-formed, locale negotiation,
Babel formatting of amounts and times."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from werkzeug.datastructures import LanguageAccept

from checkout import i18n

ROOT = Path(__file__).resolve().parents[2]
# The hosted checkout's own sources; other pages may add strings before they are translated.
CHECKOUT_SOURCES = [
    *sorted((ROOT / "templates" / "checkout").glob("*.html")),
    *sorted((ROOT / "templates" / "errors").glob("*.html")),
    *sorted((ROOT / "templates" / "links").glob("*.html")),
    *sorted((ROOT / "templates" / "invoices").glob("*.html")),
    *sorted((ROOT / "templates" / "mail").glob("*.*")),
    *sorted((ROOT / "templates" / "shoppers").glob("*.html")),
    ROOT / "templates" / "base.html",
    ROOT / "checkout" / "web" / "pages" / "checkout.py",
    ROOT / "checkout" / "web" / "pages" / "forms.py",
    ROOT / "checkout" / "web" / "pages" / "links.py",
    ROOT / "checkout" / "web" / "pages" / "invoices.py",
    ROOT / "checkout" / "web" / "pages" / "shoppers.py",
    # The dashboard, part B: wallets, keys, profile and branding, links, webhooks,
    # withdrawals, invoices (dashboard.py and dashboard_forms.py hold part A's too).
    *(
        ROOT / "templates" / "dashboard" / name
        for name in (
            "keys.html",
            "links.html",
            "profile.html",
            "_branding.html",
            "reset_pin.html",
            "wallet.html",
            "wallets.html",
            "webhook.html",
            "webhooks.html",
            "withdrawals.html",
        )
    ),
    *sorted((ROOT / "templates" / "dashboard_invoices").glob("*.html")),
    ROOT / "checkout" / "web" / "pages" / "dashboard_links.py",
    ROOT / "checkout" / "web" / "pages" / "dashboard_webhooks.py",
    ROOT / "checkout" / "web" / "pages" / "dashboard_withdrawals.py",
    ROOT / "checkout" / "web" / "pages" / "dashboard_invoices.py",
    ROOT / "checkout" / "web" / "pages" / "dashboard_invoice_forms.py",
    ROOT / "checkout" / "web" / "pages" / "page_errors.py",
    ROOT / "checkout" / "web" / "pages" / "dashboard.py",
    ROOT / "checkout" / "web" / "pages" / "dashboard_forms.py",
    # The dashboard, part A: its frame, sign-in and sign-up, password and email links,
    # overview, payments and transactions, the landing page.
    *(
        ROOT / "templates" / "dashboard" / name
        for name in (
            "layout.html",
            "_macros.html",
            "login.html",
            "signup.html",
            "signup_done.html",
            "forgot_password.html",
            "forgot_password_sent.html",
            "reset_password.html",
            "verify_email.html",
            "overview.html",
            "sessions.html",
            "session_new.html",
            "session_detail.html",
            "transactions.html",
        )
    ),
    ROOT / "templates" / "home.html",
    ROOT / "checkout" / "web" / "pages" / "home.py",
    ROOT / "checkout" / "web" / "pages" / "dashboard_format.py",
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def checkout_messages() -> set:
    found = set()
    for path in CHECKOUT_SOURCES:
        jinja = path.suffix in (".html", ".txt")
        method = "jinja2.ext:babel_extract" if jinja else "python"
        options = {"extensions": "jinja2.ext.i18n"} if jinja else {}
        for _, message, _, _ in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalog(code):
    with (i18n.TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


@pytest.mark.parametrize("code", [c for c in i18n.SUPPORTED_LOCALES if c != "en"])
def test_every_checkout_string_is_translated(code):
    messages = checkout_messages()
    assert len(messages) > 40  # the extraction found the page's strings
    translated = catalog(code)
    missing = []
    for message in messages:
        key = message if isinstance(message, str) else message[0]
        entry = translated.get(key)
        strings = (
            []
            if entry is None
            else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        )
        if not strings or not all(strings):
            missing.append(key)
    assert missing == []


@pytest.mark.parametrize("code", [c for c in i18n.SUPPORTED_LOCALES if c != "en"])
def test_translations_keep_their_placeholders(code):
    problems = [(m.id, errors) for m, errors in catalog(code).check() if errors]
    assert problems == []


def test_catalogs_compile_and_translate():
    catalogs = i18n.load_catalogs()
    assert set(catalogs) == set(i18n.SUPPORTED_LOCALES)
    assert catalogs["fr"].gettext("Amount") == "Montant"
    assert catalogs["ar"].gettext("Amount") == "المبلغ"
    assert (
        catalogs["ar"]
        .ngettext(
            "The wallet code or PIN is incorrect. %(num)d attempt left.",
            "The wallet code or PIN is incorrect. %(num)d attempts left.",
            2,
        )
        .endswith("تبقّت محاولتان.")
    )
    assert catalogs["en"].gettext("Amount") == "Amount"


@pytest.mark.parametrize(
    "requested, header, expected",
    [
        ("fr", "ar", "fr"),
        ("AR", None, "ar"),
        ("fr-CA", None, "fr"),
        ("xx", "ar-EG,ar;q=0.9,en;q=0.5", "ar"),
        (None, "fr-FR,fr;q=0.9", "fr"),
        (None, "de-DE, ja;q=0.8", "en"),
        (None, None, "en"),
        ("", "", "en"),
    ],
)
def test_locale_from_query_then_accept_language(requested, header, expected):
    accept = LanguageAccept(
        [
            (part.split(";")[0].strip(), float(part.split("q=")[1]) if "q=" in part else 1)
            for part in header.split(",")
        ]
        if header
        else []
    )
    assert i18n.negotiate_locale(requested, accept) == expected


def test_languages_name_themselves_and_arabic_is_rtl():
    assert {c: (lang.name, lang.direction) for c, lang in i18n.LANGUAGES.items()} == {
        "en": ("English", "ltr"),
        "fr": ("Français", "ltr"),
        "ar": ("العربية", "rtl"),
    }


@pytest.mark.parametrize(
    "minor, currency, locale, expected",
    [
        (1253, "USD", "en", "$12.53"),
        (123453, "USD", "fr", "1\u202f234,53\xa0$US"),
        (1253, "USD", "ar", "\u200f12.53\xa0USD"),
        (1234, "JPY", "en", "¥1,234"),
        (1234, "KWD", "en", "KWD1.234"),  # three decimals; Babel adds no space after a code
        (50, "EUR", "fr", "0,50\xa0€"),
    ],
)
def test_amounts_are_formatted_by_babel_for_the_locale(minor, currency, locale, expected):
    assert i18n.format_money(minor, currency, locale) == expected


def test_times_name_utc():
    paid = datetime(2026, 11, 26, 8, 15, 3, tzinfo=UTC)
    assert i18n.format_timestamp(paid, "en") == "November 26, 2026, 8:15:03\u202fAM UTC"
    assert i18n.format_timestamp(paid, "fr") == "26 novembre 2026, 08:15:03 TU"
