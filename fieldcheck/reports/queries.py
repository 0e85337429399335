"""What the reports' pages read: a field report of the reader's office."""

from fieldcheck.models import Case, FieldReport


def office_report(report_id: str, office_id: int) -> FieldReport | None:
    """A field report of this office's cases, with its case, or None (another office's report
    is not there for the reader)."""
    return (
        FieldReport.select(FieldReport, Case)
        .join(Case)
        .where((FieldReport.report_id == report_id) & (Case.office == office_id))
        .first()
    )
