"""The dashboard's panels: each published table with its title, its rows' and columns' words in
the reader's language, and the bar chart drawn from the same numbers (so chart and table
cannot disagree)."""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l

from fieldcheck import labels
from fieldcheck.domain import statistics as rules
from fieldcheck.domain.statistics import BarChart, Published, PublishedStatistics
from fieldcheck.errors import message

MEASURES = {
    "referred": _l("Referred"),
    "checked": _l("Checked in the field"),
    "verified": _l("Verified"),
    "refused": _l("Refused"),
    "returned": _l("Returned for correction"),
}
SIGNAL_COLUMNS = {"refused": _l("Then refused"), "not_refused": _l("Not refused")}
REPATRIATION_COLUMNS = {
    "received": _l("Records received"),
    "traced": _l("Traced to a field check"),
    "flagged": _l("Reports flagged"),
}
UNKNOWN = _l("Not known")


@dataclass
class Panel:
    """One table of the dashboard: what it counts, the words of its rows and columns, which
    columns the chart draws, and the chart."""

    name: str
    title: str
    axis: str  # what the chart's axis counts
    row_heading: str  # what a row is
    table: Published
    row_words: dict[str, str]
    column_words: dict[str, str]
    chart: BarChart
    chart_columns: list[str]
    total_key: str = rules.TOTAL


def panels(
    stats: PublishedStatistics,
    region_names: dict,
    signal_titles: dict,
    by_office: Published | None = None,
    office_names: dict | None = None,
) -> list[Panel]:
    """The dashboard's panels in the order the page shows them (the analyst's table of offices
    first, when given)."""
    tables = dict(stats.tables)
    if by_office is not None:
        tables["offices"] = by_office
    cases, visits, answers = _l("Cases"), _l("Field visits"), _l("Answers")
    found = []

    def add(name, heading, title, axis, rows, columns, chart_columns=None):
        table = tables[name]
        drawn = chart_columns or table.columns
        found.append(
            Panel(
                name,
                str(title),
                str(axis),
                str(heading),
                table,
                rows,
                {c: str(columns.get(c, c)) for c in table.columns},
                rules.bar_chart(table, drawn),
                drawn,
            )
        )

    by = stats.filters.by
    if by_office is not None:
        add(
            "offices",
            _l("Office"),
            _l("Office by office"),
            cases,
            {code: (office_names or {}).get(code, code) for code in by_office.rows},
            MEASURES,
        )
    add(
        "activity",
        _l("Period"),
        _l("Cases over time"),
        cases,
        {p: _period_words(p, by, stats.filters.start) for p in tables["activity"].rows},
        MEASURES,
    )
    add(
        "regions",
        _l("Regency or city"),
        _l("Where applicants come from"),
        cases,
        {r: _region_words(r, region_names) for r in tables["regions"].rows},
        {"cases": cases},
    )
    add(
        "provinces",
        _l("Province"),
        _l("Provinces applicants come from"),
        cases,
        {r: _province_words(r, region_names) for r in tables["provinces"].rows},
        {"cases": cases},
    )
    countries = labels.country_names()
    add(
        "destinations",
        _l("Destination"),
        _l("Destination and stated purpose"),
        cases,
        {c: countries.get(c, c) for c in tables["destinations"].rows},
        labels.in_words(labels.PURPOSES),
    )
    add(
        "signals",
        _l("Risk signal"),
        _l("Risk signals fired, and refusals that followed"),
        cases,
        {s: signal_titles.get(s, s) for s in tables["signals"].rows},
        SIGNAL_COLUMNS,
    )
    add(
        "teams",
        _l("Team"),
        _l("Field visits per team"),
        visits,
        {t: (str(UNKNOWN) if t == "unknown" else t) for t in tables["teams"].rows},
        {"visits": visits},
    )
    add(
        "registry",
        _l("Record"),
        _l("Civil registry answers"),
        answers,
        {k: labels.in_words(labels.REGISTRY_RECORDS).get(k, k) for k in tables["registry"].rows},
        labels.in_words(labels.REGISTRY_ANSWERS),
    )
    add(
        "repatriation",
        _l("Period of return"),
        _l("Repatriated victims traced and reports flagged"),
        _l("Victims"),
        {p: _period_words(p, by, stats.filters.start) for p in tables["repatriation"].rows},
        REPATRIATION_COLUMNS,
    )
    return found


def _province_words(code: str, names: dict) -> str:
    if code == "unknown":
        return str(UNKNOWN)
    return names.get(code, code)


def _period_words(first: str, by: str, start: date) -> str:
    """A period by its first day counted (a week the filters begin inside, from that day)."""
    day = max(date.fromisoformat(first), start)
    if by == "week":
        return format_date(day, "d MMM y")
    return format_date(day, "MMM y")


def _region_words(code: str, names: dict) -> str:
    if code == "unknown":
        return str(UNKNOWN)
    regency, province = names.get(code, code), names.get(code[:2])
    return f"{regency} ({province})" if province else regency


def page_words() -> dict:
    """What the page's template uses to put codes and numbers in the reader's words."""
    return {
        "message": message,
        "countries": labels.country_names(),
        "country_list": labels.countries(),
        "number": format_decimal,
    }
