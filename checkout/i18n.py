"""Languages for the pages: locale choice, gettext catalogs and Babel formatting.

The locale comes from ?lang= (a shopper's explicit choice), else Accept-Language, else
English. Catalogs are the .po files under translations/, compiled in memory when the
process creates its first app, so a fresh clone needs no build step and no compiled .mo
files in git.
Templates call `_()` / `ngettext()` (Jinja's i18n extension, new-style: `_("Pay %(total)s",
total=...)`); Python code calls gettext/ngettext/lazy_gettext from here.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import LazyProxy, NullTranslations, Translations
from quart import g, has_request_context, request

from .money import to_major

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DEFAULT_LOCALE = "en"
# English is the source language of the catalogs; the others have a messages.po each.
SUPPORTED_LOCALES = ("en", "fr", "ar")


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in its own language, as a language menu shows it
    direction: str  # "ltr" or "rtl"


def _own_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code)
    if name is None:  # Babel names every locale it ships: only an unknown code lands here
        raise ValueError(f"Babel has no name for the locale {code!r}")
    return name.capitalize()


LANGUAGES = {
    code: Language(code, _own_name(code), Locale.parse(code).text_direction)
    for code in SUPPORTED_LOCALES
}

_catalogs: dict[str, NullTranslations] = {}


def load_catalogs(directory: Path = TRANSLATIONS_DIR) -> dict[str, NullTranslations]:
    """Compile every translations/<locale>/LC_MESSAGES/messages.po in memory."""
    catalogs: dict[str, NullTranslations] = {DEFAULT_LOCALE: NullTranslations()}
    for code in SUPPORTED_LOCALES:
        if code == DEFAULT_LOCALE:
            continue
        po_path = directory / code / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=code)
        compiled = BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        catalogs[code] = Translations(compiled)
    return catalogs


def negotiate_locale(requested: str | None, accept_languages) -> str:
    """?lang= wins when it names a supported language; then the browser's preference."""
    code = _supported(requested)
    if code:
        return code
    best = accept_languages.best_match(SUPPORTED_LOCALES) if accept_languages else None
    return best.split("-")[0].lower() if best else DEFAULT_LOCALE


def preselect_locale(code: str | None) -> None:
    """A merchant's language for this page (a session's locale), in place of the browser's
    Accept-Language; the shopper's own choice (?lang=, which the language menu sets) still
    wins. None or "auto" leaves the browser's preference."""
    if code not in SUPPORTED_LOCALES or explicit_locale() is not None:
        return
    g.locale = code


def explicit_locale() -> str | None:
    """The supported language the request's ?lang= names, if any."""
    return _supported(request.args.get("lang")) if has_request_context() else None


# Pages whose text is not in the catalogs: the operators' console is for the platform's own
# staff, who work in one language.
ENGLISH_ONLY_PATHS = ("/admin",)

# The merchant dashboard remembers a language chosen in its switcher: its links carry no
# ?lang=, so the choice lives in a cookie scoped to the dashboard's paths. The checkout page
# does not read it: there the session's locale and the shopper's ?lang= decide.
LANGUAGE_COOKIE = "dashboard_lang"
LANGUAGE_COOKIE_PATH = "/dashboard"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-")[0]
    return code if code in SUPPORTED_LOCALES else None


def remembers_language(path: str) -> bool:
    return path == LANGUAGE_COOKIE_PATH or path.startswith(LANGUAGE_COOKIE_PATH + "/")


def current_locale() -> str:
    if has_request_context():
        return g.get("locale", DEFAULT_LOCALE)
    return DEFAULT_LOCALE


def translations() -> NullTranslations:
    return _catalogs.get(current_locale()) or NullTranslations()


def gettext(message: str, **variables) -> str:
    text = translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    text = translations().ngettext(singular, plural, num)
    return text % {"num": num, **variables}


def lazy_gettext(message: str, **variables) -> LazyProxy:
    """For strings defined at import time (form labels, validator messages)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def format_money(minor: int, currency: str, locale: str | None = None) -> str:
    """12.50 USD as the shopper's locale writes it: $12.50, 12,50 $US, ‏12.50 USD."""
    return _formatted_money(minor, currency, locale or current_locale())


# A page formats the same few amounts over and over, and Babel takes ~30 µs a call (a
# tenth of the checkout page's CPU): the answer depends only on the arguments.
@lru_cache(maxsize=4096)
def _formatted_money(minor: int, currency: str, locale: str) -> str:
    return format_major(to_major(minor, currency), currency, locale)


def format_major(amount: Decimal, currency: str, locale: str | None = None) -> str:
    code = locale or current_locale()
    if LANGUAGES[code].direction == "rtl":
        # A symbol such as "US$" ends in a neutral character, which the bidi algorithm
        # moves to the wrong side in right-to-left text ("$US 12.50"); the ISO code is
        # all letters and keeps its shape.
        pattern = Locale.parse(code).currency_formats["standard"].pattern.replace("¤", "¤¤")
        return format_currency(amount, currency, format=pattern, locale=code)
    return format_currency(amount, currency, locale=code)


def format_timestamp(value: datetime | None, locale: str | None = None) -> str:
    """A UTC time in the shopper's language, naming the zone: the server cannot know theirs."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, "long", tzinfo=UTC, locale=locale or current_locale())


def language_url(code: str) -> str:
    """This page in another language: the same path and query, with ?lang= replaced."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return "?" + urlencode([*args, ("lang", code)])


def init_app(app) -> None:
    # Compiled once per process (as services/mail.py does): a server creates one app, the
    # test suite one per test, and compiling the .po files is most of an app's creation.
    if not _catalogs:
        _catalogs.update(load_catalogs())

    @app.before_request
    async def choose_locale():
        if request.path.startswith(ENGLISH_ONLY_PATHS):
            g.locale = DEFAULT_LOCALE  # not translated: say so in <html lang>
            return
        requested = request.args.get("lang")
        if not _supported(requested) and remembers_language(request.path):
            requested = request.cookies.get(LANGUAGE_COOKIE)
        g.locale = negotiate_locale(requested, request.accept_languages)

    @app.after_request
    async def vary_on_language(response):
        response.vary.add("Accept-Language")
        response.headers.setdefault("Content-Language", current_locale())
        if not remembers_language(request.path):
            return response
        response.vary.add("Cookie")
        chosen = explicit_locale()
        if chosen:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=LANGUAGE_COOKIE_MAX_AGE,
                path=LANGUAGE_COOKIE_PATH,
                secure=app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
        return response

    @app.context_processor
    async def language_context():
        code = current_locale()
        return {
            "locale": code,
            "text_direction": LANGUAGES[code].direction,
            "languages": LANGUAGES.values(),
            "language_url": language_url,
        }

    env = app.jinja_env
    env.add_extension("jinja2.ext.i18n")
    # New-style gettext: `_()` escapes its %(name)s variables and formats every string.
    env.install_gettext_callables(
        lambda message: translations().gettext(message),
        lambda singular, plural, num: translations().ngettext(singular, plural, num),
        newstyle=True,
    )
    env.filters["money"] = format_money
    env.filters["timestamp"] = format_timestamp
