"""Routes of the statistics blueprint: the office's dashboard and the partners' exports; the
headquarters analyst's dashboard of every office, office by office, with small counts hidden."""

from dataclasses import replace

from flask import Response, abort, render_template, request
from flask_babel import format_date, get_locale
from flask_login import current_user
from markupsafe import Markup

from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.domain import statistics as rules
from fieldcheck.i18n import local_today
from fieldcheck.security import client_address, roles_required
from fieldcheck.statistics import bp, panels, queries, service, snapshots

readers = roles_required(roles.SUPERVISOR, roles.ADMIN, roles.ANALYST)
office_readers = roles_required(roles.SUPERVISOR, roles.ADMIN)


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow(), client_address())


def _download(made: service.Export) -> Response:
    disposition = f'attachment; filename="{made.filename}"'
    return Response(made.body, mimetype=made.mimetype, headers={"Content-Disposition": disposition})


def _office():
    """The reader's office: these pages count one office, the reader's own."""
    if current_user.office_id is None:
        abort(403)
    return current_user.office


def _analyst() -> bool:
    return current_user.role == roles.ANALYST


def _scope():
    """The offices the reader counts, the filters the URL asks for (a team of another office,
    an unknown office dropped), what was wrong, and the suppression: the analyst reads every
    office (or one) with counts below 11 hidden; an office's own staff read it exactly."""
    filters, errors = rules.parse_filters(request.args, local_today())
    if _analyst():
        offices, filters = queries.analyst_offices(filters, errors)
        return offices, filters, errors, rules.K_ANONYMITY
    office = _office()
    filters = replace(filters, office=None)  # an office reads itself only
    return [office], queries.office_filters(office, filters, errors), errors, None


def _drawn(offices, filters, k, choices):
    """The dashboard's counts and its drawn panels, as of the summary's last rebuild: kept
    between rebuilds for the same offices, filters, suppression and language."""
    language = str(get_locale())
    made = service.counted_as_of(utcnow())

    def draw():
        view = service.dashboard(offices, filters, language, made, k, choices, made=made)
        names = {o.code: o.name for o in view.offices}
        found = panels.panels(
            view.stats, view.region_names, view.signal_titles, view.by_office, names
        )
        html = render_template("statistics/_panels.html", panels=found, **panels.page_words())
        return view, Markup(html)  # noqa: S704 (our own template's output, escaped there)

    key = (made, tuple(o.id for o in offices), filters, k, language, len(choices))
    return snapshots.remembered(key, draw)


@bp.route("/")
@readers
def index():
    """The statistics: charts and the same numbers as tables; exact for an office's own staff,
    small counts hidden for the headquarters analyst."""
    offices, filters, errors, k = _scope()
    view, panels_html = _drawn(offices, filters, k, queries.all_offices() if _analyst() else ())
    return render_template(
        "statistics/index.html",
        view=view,
        filters=filters,
        errors=errors,
        analyst=_analyst(),
        scope_name=offices[0].name if len(offices) == 1 else None,
        last_month=rules.parse_month(None, local_today()).strftime("%Y-%m"),
        panels_html=panels_html,
        **panels.page_words(),
    )


@bp.route("/export.<any(zip, json):fmt>")
@readers
def export(fmt):
    """The statistics for partners: a data package, counts below 11 suppressed, audited."""
    offices, filters, _, _ = _scope()
    return _download(service.export(_actor(), offices, filters, fmt))


@bp.route("/monthly.pdf")
@office_readers
def monthly_pdf():
    """The office's month (?month=2026-11, else last month) as a PDF, from the page's panels."""
    office = _office()
    filters = rules.month_filters(rules.parse_month(request.args.get("month"), local_today()))
    view = service.dashboard([office], filters, str(get_locale()), utcnow(), None)
    html = render_template(
        "statistics/monthly.html",
        view=view,
        filters=filters,
        office=office,
        month_words=format_date(filters.start, "MMMM y"),
        made_at=utcnow(),
        panels=panels.panels(view.stats, view.region_names, view.signal_titles),
        **panels.page_words(),
    )
    return _download(service.monthly_pdf(_actor(), office, filters, html))
