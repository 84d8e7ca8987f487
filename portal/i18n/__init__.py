"""Interface language (Simplified Chinese and English): choice, switch and locale formatting."""

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from flask import Blueprint, current_app, redirect, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from portal.accounts.views import _safe_next
from portal.extensions import db

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


@bp.route("/language", methods=["POST"])
def set_language():
    """The header's switch: kept on the user (or in the session before sign-in)."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


def localized_name(obj, locale: str | None = None) -> str:
    """An agency's, region's or category's name in the interface language."""
    if obj is None:
        return ""
    locale = locale or str(get_locale())
    return obj.name("en" if locale.startswith("en") else "zh")


@lru_cache(maxsize=4096)
def _date_text(day: date, fmt: str, locale: str) -> str:
    return babel_format_date(day, format=fmt, locale=locale)


def date_text(day: date | None, fmt: str = "medium") -> str:
    """A date in the interface language (the `date` filter). A list shows the same few hundred
    dates again and again: each is formatted once per language (Babel's formatting was a tenth
    of a list page's time, docs/PERFORMANCE.md)."""
    if isinstance(day, datetime):  # a moment: its day in the user's time zone
        return format_date(day, fmt)
    return _date_text(day, fmt, str(get_locale())) if day else ""


def register(app):
    app.jinja_env.filters["date"] = date_text
    app.jinja_env.filters["datetime"] = lambda d, fmt="short": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["name"] = localized_name
