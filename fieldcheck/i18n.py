"""Languages and time zones: Bahasa Indonesia by default, English on request; times stored in
UTC and shown in the office's zone (WIB, WITA, WIT)."""

import functools
from datetime import date, datetime

from babel import dates
from flask import current_app, request, session
from flask_babel import Babel, format_date, get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from fieldcheck import errors
from fieldcheck.clock import utcnow

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


def local_today() -> date:
    """Today's date where the reader's office is (WIB, WITA or WIT), not in UTC: seven to nine
    hours ahead, the day changes there first."""
    return utcnow().astimezone(get_timezone()).date()


def local_time(value: datetime | None, style: str = "medium") -> str:
    """A UTC moment as the reader's office sees it, with the zone's Indonesian abbreviation."""
    if value is None:
        return ""
    user = current_user._get_current_object()  # one look through the proxy, not four
    zone = None
    if user is not None and user.is_authenticated and user.office_id:
        zone = user.office.time_zone
    return _moment_text(value, style, str(get_locale()), str(get_timezone()), zone or "WIB")


@functools.lru_cache(maxsize=8192)
def _moment_text(value: datetime, style: str, language: str, tz_name: str, zone: str) -> str:
    """What Flask-Babel's format_datetime gives in that language and zone, remembered: a case's
    timeline shows the same moments at every view."""
    return f"{dates.format_datetime(value, style, tzinfo=tz_name, locale=language)} {zone}"


@pass_context
def local_date(context, value) -> str:
    """A calendar date in the reader's language (e.g. 5 Mar 1999 / 5 Mar 1999 in Indonesian)."""
    if value is None:
        return ""
    if type(value) is date:  # a moment (datetime) is first moved into the reader's zone
        # The page's language is in its context (fieldcheck.views): a list shows dozens of dates.
        return medium_date(value, context.get("current_locale") or str(get_locale()))
    return format_date(value, "medium")


@functools.lru_cache(maxsize=4096)
def medium_date(value: date, language: str) -> str:
    """A calendar date as local_date shows it in a language, remembered: lists repeat their
    dates."""
    return dates.format_date(value, "medium", locale=language)


def template_translations() -> dict:
    """`_`, `gettext` and `ngettext` for templates, bound to the reader's catalogue: Flask-Babel's
    own find it through the request context on every call, some 40 times a page. They behave as
    Jinja's "newstyle" ones: escaped, then %-formatted. Found by the reader's language, once
    per app and language."""
    language = str(get_locale())
    made = current_app.extensions.setdefault("fieldcheck.template_translations", {})
    functions = made.get(language)
    if functions is None:
        functions = made[language] = _bound_to(get_translations())
    return functions


@functools.lru_cache(maxsize=16)
def _bound_to(translations) -> dict:
    """The template functions of one catalogue, made once: Flask-Babel keeps one catalogue per
    language, so these are made once per language, not for every page."""
    translate, translate_plural = translations.ugettext, translations.ungettext

    # Markup: the catalogue's own text is trusted, and Markup's % escapes the variables.
    @pass_context
    def gettext(context, string, **variables):
        text = translate(string)
        if not variables and "%" not in text:  # what `text % {}` would give, without the work
            return Markup(text) if context.eval_ctx.autoescape else text  # noqa: S704
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translate_plural(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704

    # `_` directly: Jinja's own `_` looks `gettext` up in the context, then calls it.
    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def init_app(app):
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.context_processor(template_translations)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["in_words"] = errors.in_words
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
