"""Interface languages: message catalogues, and which language a request gets.

The browser's ``Accept-Language`` chooses among the shipped catalogues (en, de, fr); a
``?ui=de`` parameter overrides it and is remembered in a cookie. Catalogues live in
``web/translations/<lang>/LC_MESSAGES/messages.po`` and are compiled to ``.mo`` files, which
are committed; if a ``.mo`` is missing or older than its ``.po`` (an edited checkout) it is
compiled at start-up, into a temporary folder when the package folder is read-only.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_babel import Babel, get_locale, get_translations

UI_COOKIE = "concord_ui"
TRANSLATIONS = Path(__file__).parent / "translations"

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled_catalogues())
    Babel(app, locale_selector=ui_language)
    app.after_request(_remember_choice)
    app.jinja_env.globals["ui_language"] = ui_language
    # Flask-Babel finds the request's catalogue again for every message (several context
    # lookups each; a concordance page has hundreds of messages): look it up once a request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n))


def _once_per_request(name: str, find):
    value = g.get(name)
    if value is None:
        value = find()
        setattr(g, name, value)
    return value


def _catalogue():
    return _once_per_request("concord_catalogue", get_translations)


def locale_code() -> str:
    """The interface language of this request as a locale identifier (looked up once)."""
    return _once_per_request("concord_locale", lambda: str(get_locale() or "en"))


def ui_language() -> str:
    """The interface language of this request."""
    cached = getattr(g, "ui_language", None)
    if cached:
        return cached
    languages = tuple(current_app.config["UI_LANGUAGES"])
    chosen = request.args.get("ui", "")
    if chosen not in languages:
        chosen = request.cookies.get(UI_COOKIE, "")
    if chosen not in languages:
        chosen = request.accept_languages.best_match(languages) or languages[0]
    g.ui_language = chosen
    return chosen


def _remember_choice(response):
    chosen = request.args.get("ui", "")
    if chosen in current_app.config["UI_LANGUAGES"] and request.cookies.get(UI_COOKIE) != chosen:
        response.set_cookie(UI_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    return response


def compiled_catalogues(source: Path = TRANSLATIONS) -> Path:
    """Return a translations folder whose ``.mo`` files are up to date with the ``.po`` files."""
    stale = [po for po in source.glob("*/LC_MESSAGES/messages.po")
             if not po.with_suffix(".mo").exists()
             or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if not stale:
        return source
    target = source if os.access(source, os.W_OK) else Path(
        tempfile.mkdtemp(prefix="concord-translations-"))
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if target == source and po not in stale:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        compile_catalogue(po, mo)
    log.info("compiled message catalogues into %s", target)
    return target


def compile_catalogue(po: Path, mo: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalogue = read_po(fh)
    tmp = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        write_mo(fh, catalogue)
    os.replace(tmp, mo)
