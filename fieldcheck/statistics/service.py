"""Exports of the statistics for partners: counted, suppressed, packaged, and audited."""

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from fieldcheck import audit
from fieldcheck.accounts import Actor
from fieldcheck.db import database
from fieldcheck.domain import repatriation_statistics as victims
from fieldcheck.domain.statistics import K_ANONYMITY, Filters
from fieldcheck.models import Office
from fieldcheck.statistics import package, queries, summary

FORMATS = {"zip": "application/zip", "json": "application/json", "pdf": "application/pdf"}
PRINT_CSS = ("app.css", "statistics-print.css")


@dataclass(frozen=True)
class Export:
    body: bytes
    mimetype: str
    filename: str


def export(
    actor: Actor, offices: list[Office], filters: Filters, fmt: str, k: int | None = K_ANONYMITY
) -> Export:
    """The offices' statistics as a data package (`fmt`: zip of CSVs, or one JSON), every count
    below `k` suppressed, and the repatriated victims as records, k-anonymous; one audit event
    says who exported what with which filters."""
    summary.ensure_fresh(actor.at)
    stats = [s.published(k) for s in queries.statistics_for(offices, filters)]
    release = victims.release(queries.victim_records(offices, filters), k or K_ANONYMITY)
    codes = sorted({row for s in stats for row in s.tables["regions"].rows})
    names = queries.region_names([c for c in codes if c != queries.UNKNOWN])
    titles = {
        signal.id: signal.titles.get("en", signal.id) for signal in queries.risk_rules().signals
    }
    build = package.as_zip if fmt == "zip" else package.as_json
    body = build(stats, actor.at, names, titles, release)
    with database.atomic():
        actor.record(
            audit.STATISTICS_EXPORT,
            None,
            {
                "format": fmt,
                "offices": [s.office for s in stats],
                "filters": filters.as_args(),
                "k": k,
                "records": len(release.records),
            },
        )
    stamp = f"{filters.start.isoformat()}_{filters.end.isoformat()}"
    office = stats[0].office if len(stats) == 1 else "offices"
    return Export(body, FORMATS[fmt], f"fieldcheck-statistics_{office}_{stamp}.{fmt}")


def counted_as_of(now):
    """The "as of" of a summary at most STATISTICS_MAX_AGE_SECONDS old (rebuilt now if older)."""
    return summary.ensure_fresh(now)


def dashboard(
    offices: list[Office],
    filters: Filters,
    language: str,
    now,
    k: int | None,
    choices=(),
    made=None,
) -> queries.Dashboard:
    """The dashboard's statistics from a summary at most STATISTICS_MAX_AGE_SECONDS old (made
    now if older; `made`: the "as of" of one just made sure of), with its "as of"."""
    made = made or counted_as_of(now)
    view = queries.dashboard(offices, filters, language, k, choices)
    view.as_of = made
    return view


def monthly_pdf(actor: Actor, office: Office, filters: Filters, html: str) -> Export:
    """The office's monthly statistics page (exact counts) as a PDF, audited as an export."""
    import weasyprint  # loads Pango: only when a PDF is made

    folder = Path(current_app.static_folder) / "css"
    css = [weasyprint.CSS(filename=str(folder / name)) for name in PRINT_CSS]
    body = weasyprint.HTML(string=html).write_pdf(stylesheets=css)
    with database.atomic():
        actor.record(
            audit.STATISTICS_EXPORT,
            None,
            {"format": "pdf", "offices": [office.code], "filters": filters.as_args(), "k": None},
        )
    month = filters.start.strftime("%Y-%m")
    return Export(body, FORMATS["pdf"], f"fieldcheck-statistics_{office.code}_{month}.pdf")
