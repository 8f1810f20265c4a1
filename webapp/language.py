"""Which language a page speaks: the user's profile choice, else the browser's Accept-Language, else English.

Flask-Babel translates pages, forms (WTForms' own messages too, `WTF_I18N_ENABLED`), flash messages and error
pages; `js_catalogue` gives the few strings the scripts show. The API and its errors stay English (clients
read them), and uploaded content is never translated. Catalogues live in webapp/translations/.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from babel import dates, numbers
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, format_datetime, format_decimal, format_number, get_locale, get_translations, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.workbook.wording import Said

# Code -> the language's own name (a switch lists each language in itself, so anyone finds theirs).
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}
DEFAULT = "en"
SESSION_KEY = "language"
EXPORT_PARAMETER = "language"  # /api/…/x.xlsx?language=de: an export's headers in German (the API is English)

# Words the code keeps in English (statuses, roles, groupings) as a page shows them.
STATUS_NAMES = {"queued": _l("queued"), "processing": _l("processing"), "done": _l("done"), "failed": _l("failed")}
ROLE_NAMES = {"viewer": _l("viewer"), "editor": _l("editor"), "admin": _l("admin")}
# RQ's words for a worker's state and a job's (the System page).
WORKER_STATES = {"idle": _l("idle"), "busy": _l("busy"), "suspended": _l("suspended"), "started": _l("started"),
                 "queued": _l("queued"), "finished": _l("finished"), "failed": _l("failed"),
                 "scheduled": _l("scheduled"), "deferred": _l("deferred"), "stopped": _l("stopped"),
                 "canceled": _l("canceled")}
GROUPING_NAMES = {"type": _l("type"), "region": _l("region"), "category": _l("category")}
# Why a cell counts nothing, as the workbook's explanation names it (webapp/workbook/explain.py; the API keeps these).
LEFT_OUT_WHY = {"true/false": _l("true/false"), "duration": _l("duration"), "time": _l("time"), "date": _l("date"),
                "no total can hold it": _l("no total can hold it"),
                "date or time written as text": _l("date or time written as text")}

babel = Babel()


def init_app(app: Flask, profile_language: Callable[[], str | None]) -> None:
    """Bind Flask-Babel with our locale choice and give templates the switch's languages and the JS catalogue.

    `profile_language` answers the language the request's user chose on their profile (the accounts know who asks).
    """
    babel.init_app(app, locale_selector=lambda: choose_locale(profile_language))
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n), newstyle=True)
    app.jinja_env.globals.update(number_symbols=number_symbols, js_catalogue=js_catalogue, languages=LANGUAGES,
                                 status_name=status_name, role_name=role_name, grouping_names=GROUPING_NAMES,
                                 worker_states=WORKER_STATES, format_datetime=format_datetime, why_name=why_name,
                                 format_decimal=format_decimal)
    app.jinja_env.filters.update(count_format=format_number, when=when, utc=instant, file_size=file_size,
                                 spoken=spoken)
    app.context_processor(lambda: {"page_language": str(get_locale() or DEFAULT)})


_TRANSLATIONS_KEY = "webapp.translations"


def _page_translations():
    """Return this request's catalogue, looked up once: a page of hits asks for a hundred strings."""
    if not has_request_context():
        return get_translations()
    environ = request.environ
    found = environ.get(_TRANSLATIONS_KEY)
    if found is None:
        found = environ[_TRANSLATIONS_KEY] = get_translations()
    return found


def choose_locale(profile_language: Callable[[], str | None]) -> str:
    """Return the language of this request: the profile's, then this browser's choice, then Accept-Language.

    The API speaks English whatever the browser says (clients read it); only an export's headers follow an
    explicit `language` parameter, which the pages' download links send.
    """
    if request.path.startswith("/api/"):
        asked = request.args.get(EXPORT_PARAMETER)
        return asked if asked in LANGUAGES else DEFAULT
    chosen = profile_language() or session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES.keys()) or DEFAULT


# The error pages' titles and werkzeug's own explanations (a view's own message is kept as it is).
ERROR_WORDS = {
    400: (_l("Bad Request"), _l("The browser sent a request that this site could not understand.")),
    403: (_l("Forbidden"), _l("You do not have permission to open this page.")),
    404: (_l("Not Found"), _l("This page does not exist. Check the address, or go back to the dashboard.")),
    405: (_l("Method Not Allowed"), _l("This address does not accept this kind of request.")),
    409: (_l("Conflict"), None),
    413: (_l("Request Entity Too Large"), None),
    429: (_l("Too Many Requests"), _l("Too many requests in a short time; please wait a moment and try again.")),
    500: (_l("Internal Server Error"), _l("Something went wrong on the server. Please try again in a moment.")),
    503: (_l("Service Unavailable"), _l("The site is briefly unavailable. Please try again in a minute.")),
}


def error_words(code: int | None) -> tuple:
    """Return (title, explanation) of an error page in the page's language; None where we have no words."""
    return ERROR_WORDS.get(code, (None, None))


def spoken(sentence: Said | str | None) -> str:
    """Say a service's sentence in the page's language; English stored before sentences had keys stays as it is.

    Its parts are said in the same language, its numbers written the language's way (exactly), and the text it
    quotes from a file (a name, a sheet) is never translated.
    """
    if not isinstance(sentence, Said):
        return "" if sentence is None else str(sentence)
    if not sentence.params:
        return _(sentence.key)
    return _(sentence.key, **{name: _spoken_part(value) for name, value in sentence.params.items()})


def _spoken_part(value) -> str:
    if isinstance(value, Said):
        return spoken(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, Decimal):
        return numbers.format_decimal(value, locale=get_locale() or DEFAULT, decimal_quantization=False)
    return str(value)


def why_name(why: str) -> str:
    """Return why a cell counts nothing in the page's language (an unknown reason as it was stored)."""
    return str(LEFT_OUT_WHY.get(why, why))


def status_name(status: str) -> str:
    """Return a document status in the page's language."""
    return _status_name(str(status), str(get_locale() or DEFAULT))


@lru_cache(maxsize=64)
def _status_name(status: str, _locale: str) -> str:
    """Translate once per language (a file list names a hundred statuses); the catalogues never change while running."""
    return str(STATUS_NAMES.get(status, status))


def role_name(role) -> str:
    """Return a role in the page's language."""
    return str(ROLE_NAMES.get(getattr(role, "value", role), role))


def when(moment) -> str:
    """Write a date and time the way the page's language does (short form, to the minute)."""
    return format_datetime(moment, "short")


def instant(at: datetime, seconds: bool = True) -> str:
    """Write an instant in UTC the way the page's language writes a date and time (ledger, audit, as-of answers).

    UTC because the "Total on a date" pickers read UTC, and the page says so after the time.
    """
    written = dates.format_datetime(at.astimezone(UTC), "medium" if seconds else "short", tzinfo=UTC,
                                    locale=get_locale() or DEFAULT)
    return f"{written} UTC"


def file_size(size: int) -> str:
    """Write a file's size in kB, MB or GB (powers of 1000, like Jinja's filesizeformat) the language's way."""
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if size >= scale:
            return f"{format_decimal(size / scale, '0.0')} {unit}"
    return ngettext("%(num)s byte", "%(num)s bytes", size)  # under 1,000: nothing to group


def remember(code: str) -> bool:
    """Keep a language for this browser's session; False when it is not one of ours."""
    if code not in LANGUAGES:
        return False
    session[SESSION_KEY] = code
    return True


def number_symbols() -> dict:
    """Return the page language's decimal mark and group separator, for scripts that write totals."""
    return _symbols(str(get_locale() or DEFAULT))


@lru_cache(maxsize=16)
def _symbols(locale: str) -> dict:
    """Look a language's symbols up once: every total of a page asks."""
    return {"decimal": get_decimal_symbol(locale), "group": get_group_symbol(locale)}


_catalogues: dict[str, dict] = {}


def js_catalogue() -> dict:
    """Return the strings the scripts show, in the page's language (rendered as JSON into every page, so built once)."""
    locale = str(get_locale() or DEFAULT)
    found = _catalogues.get(locale)
    if found is None:
        found = _catalogues[locale] = _script_strings()
    return found


def _script_strings() -> dict:
    return {
        "numbers": number_symbols(),
        "exactValue": _("Exact value: %(value)s", value="{value}"),
        "copied": _("Copied"),
        "stillProcessing": _(", %(count)s still processing", count="{count}"),
        "fileDone": _("%(name)s is done: %(total)s", name="{name}", total="{total}"),
        "fileFailed": _("%(name)s failed: %(reason)s", name="{name}", reason="{reason}"),
        "uploadOf": _("Upload of %(name)s", name="{name}"),
        "waiting": _("Waiting to upload…"),
        "dismiss": _("Dismiss"),
        "dismissAbout": _("Dismiss the message about %(name)s", name="{name}"),
        "tooLarge": _("This file is larger than the upload limit."),
        "failedStatus": _("The upload failed (error %(status)s). Please try again.", status="{status}"),
        "uploading": _("Uploading…"),
        "storing": _("Storing…"),
        "uploadingPercent": _("Uploading… %(percent)s%%", percent="{percent}"),
        "uploaded": _("Uploaded."),
        "queued": _("Uploaded. Waiting its turn to be processed…"),
        "connectionLost": _("The connection was lost during the upload. Please try again."),
        "processing": _("Uploaded. Adding up its numbers…"),
        "done": _("Done: its numbers add up to %(total)s.", total="{total}"),
        "failed": _("Could not be processed: %(reason)s Open it to see what you can do.", reason="{reason}"),
        "unknownReason": _("unknown reason"),
        "foldedOne": _("%(count)s uploaded file is in the list of files below.", count="{count}"),
        "foldedMany": _("%(count)s uploaded files are in the list of files below.", count="{count}"),
    }

