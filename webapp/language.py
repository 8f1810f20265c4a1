"""Which language a page speaks: the user's profile choice, else the browser's Accept-Language, else English.

Flask-Babel translates pages, forms (WTForms' own messages too, `WTF_I18N_ENABLED`), flash messages and error
pages; `js_catalogue` gives the few strings the scripts show. The API and its errors stay English (clients
read them), and uploaded content is never translated. Catalogues live in webapp/translations/.
"""

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Flask, request, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

# Code -> the language's own name (a switch lists each language in itself, so anyone finds theirs).
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}
DEFAULT = "en"
SESSION_KEY = "language"

babel = Babel()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our locale choice and give templates the switch's languages and the JS catalogue."""
    babel.init_app(app, locale_selector=choose_locale)
    app.jinja_env.globals.update(number_symbols=number_symbols, js_catalogue=js_catalogue, languages=LANGUAGES)
    app.context_processor(lambda: {"page_language": str(get_locale() or DEFAULT)})


def choose_locale() -> str:
    """Return the language of this request: the profile's, then this browser's choice, then Accept-Language."""
    from webapp.accounts.identity import visitor

    chosen = getattr(visitor(), "language", None) if _has_user() else None
    chosen = chosen or session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES.keys()) or DEFAULT


def _has_user() -> bool:
    """Tell whether the request's user can be asked without starting a sign-in (the API stays English anyway)."""
    return not request.path.startswith("/api/")


def remember(code: str) -> bool:
    """Keep a language for this browser's session; False when it is not one of ours."""
    if code not in LANGUAGES:
        return False
    session[SESSION_KEY] = code
    return True


def number_symbols() -> dict:
    """Return the page language's decimal mark and group separator, for scripts that write totals."""
    locale = get_locale() or DEFAULT
    return {"decimal": get_decimal_symbol(locale), "group": get_group_symbol(locale)}


def js_catalogue() -> dict:
    """Return the strings the scripts show, in the page's language (rendered as JSON into the page)."""
    return {
        "numbers": number_symbols(),
        "exactValue": _("Exact value: %(value)s", value="{value}"),
        "copied": _("Copied"),
        "leaving": _("Files are still being sent. Leave this page?"),
    }

