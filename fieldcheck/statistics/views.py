"""Routes of the statistics blueprint: the office's dashboard and the partners' exports."""

from flask import Response, abort, render_template, request
from flask_babel import format_date, get_locale
from flask_login import current_user

from fieldcheck.accounts import Actor
from fieldcheck.clock import utcnow
from fieldcheck.domain import roles
from fieldcheck.domain import statistics as rules
from fieldcheck.i18n import local_today
from fieldcheck.security import client_address, roles_required
from fieldcheck.statistics import bp, panels, queries, service

readers = roles_required(roles.SUPERVISOR, roles.ADMIN)


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


def _filters():
    """The filters the URL asks for, a team of another office dropped, and what was wrong."""
    filters, errors = rules.parse_filters(request.args, local_today())
    return queries.office_filters(_office(), filters, errors), errors


@bp.route("/")
@readers
def index():
    """The office's statistics: charts and the same numbers as tables, exact counts."""
    filters, errors = _filters()
    view = queries.dashboard(current_user.office, filters, str(get_locale()))
    return render_template(
        "statistics/index.html",
        view=view,
        filters=filters,
        errors=errors,
        last_month=rules.parse_month(None, local_today()).strftime("%Y-%m"),
        panels=panels.panels(view.stats, view.region_names, view.signal_titles),
        **panels.page_words(),
    )


@bp.route("/export.<any(zip, json):fmt>")
@readers
def export(fmt):
    """The statistics for partners: a data package, counts below 11 suppressed, audited."""
    filters, _ = _filters()
    return _download(service.export(_actor(), [_office()], filters, fmt))


@bp.route("/monthly.pdf")
@readers
def monthly_pdf():
    """The office's month (?month=2026-11, else last month) as a PDF, from the page's panels."""
    office = _office()
    filters = rules.month_filters(rules.parse_month(request.args.get("month"), local_today()))
    view = queries.dashboard(office, filters, str(get_locale()))
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
