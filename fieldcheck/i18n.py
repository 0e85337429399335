"""Languages and time zones: Bahasa Indonesia by default, English on request; times stored in
UTC and shown in the office's zone (WIB, WITA, WIT)."""

from datetime import datetime

from flask import current_app, request, session
from flask_babel import Babel, format_date, format_datetime
from flask_login import current_user

babel = Babel()

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def select_locale() -> str:
    """The user's own choice, else the one made before signing in, else the browser's."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated and current_user.office_id:
        return current_user.office.tz_name
    return None


def local_time(value: datetime | None, style: str = "medium") -> str:
    """A UTC moment as the reader's office sees it, with the zone's Indonesian abbreviation."""
    if value is None:
        return ""
    text = format_datetime(value, style)
    zone = None
    if current_user and current_user.is_authenticated and current_user.office_id:
        zone = current_user.office.time_zone
    return f"{text} {zone or 'WIB'}"


def local_date(value) -> str:
    """A calendar date in the reader's language (e.g. 5 Mar 1999 / 5 Mar 1999 in Indonesian)."""
    if value is None:
        return ""
    return format_date(value, "medium")


def init_app(app):
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
