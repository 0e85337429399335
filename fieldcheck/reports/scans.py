"""The scan log: every check of a report's QR text is one small row, kept SCAN_LOG_DAYS, and the
audit trail holds the first scan of a report by a device in each hour (UTC clock hours).

A device is a verify token, or the signed-in user in a browser. A scan that names no report
(an unreadable or forged text, an unknown key: nothing personal was shown) is logged but not
audited. So a counter scanning all day, or a flood, adds scan rows bounded by the verify rate
limits and audit events bounded by the reports there are, not one audit event per call.
"""

from datetime import datetime, timedelta

import peewee

from fieldcheck import audit
from fieldcheck.accounts import Actor
from fieldcheck.audit import REPORT_VERIFY
from fieldcheck.db import database
from fieldcheck.domain import qr
from fieldcheck.models import Case, DeviceToken, FieldReport, Office, ScanLog, User


def record_scan(actor: Actor, device: DeviceToken | None, result: qr.Verification) -> ScanLog:
    """Log one scan; audit it when it is this device's first scan of that report this hour."""
    summary = result.summary
    report_id = summary.report_id[:64] if summary else None
    with database.atomic():
        if report_id is not None and not _scanned_this_hour(actor, device, report_id):
            actor.record(
                REPORT_VERIFY,
                None,
                {
                    "status": result.status,
                    "reason": result.reason,
                    "report": summary.report_id,
                    "application": summary.application_number,
                    "office": summary.office,
                    "issued": summary.issued.isoformat(),
                    "expires": summary.expires.isoformat(),
                    "device_token": device.id if device is not None else None,
                },
            )
        return ScanLog.create(
            at=actor.at,
            user=actor.user,
            device_token=device,
            status=result.status,
            report_id=report_id,
        )


def _scanned_this_hour(actor: Actor, device: DeviceToken | None, report_id: str) -> bool:
    hour = actor.at.replace(minute=0, second=0, microsecond=0)
    same_device = (
        ScanLog.device_token.is_null() if device is None else ScanLog.device_token == device
    )
    return (
        ScanLog.select(ScanLog.id)
        .where(
            (ScanLog.report_id == report_id)
            & (ScanLog.at >= hour)
            & (ScanLog.user == actor.user)
            & same_device
        )
        .exists()
    )


def scans_of(user: User | int, most: int = 200) -> list[dict]:
    """A user's scans, newest first, with the application, office and expiry of the report
    each named (those of reports this server issued)."""
    query = (
        ScanLog.select(
            ScanLog.at,
            ScanLog.status,
            ScanLog.report_id,
            Case.application_number,
            Office.code.alias("office"),
            FieldReport.expires,
        )
        .join(
            FieldReport,
            peewee.JOIN.LEFT_OUTER,
            on=(ScanLog.report_id == FieldReport.report_id),
        )
        .join(Case, peewee.JOIN.LEFT_OUTER, on=(FieldReport.case == Case.id))
        .join(Office, peewee.JOIN.LEFT_OUTER, on=(Case.office == Office.id))
        .where(ScanLog.user == user)
        .order_by(ScanLog.at.desc(), ScanLog.id.desc())
        .limit(most)
    )
    return list(query.dicts())


def prune_scans(actor: Actor, days: int) -> int:
    """Delete the scans older than `days` days; audited when any went."""
    before: datetime = actor.at - timedelta(days=days)
    with database.atomic():
        removed = ScanLog.delete().where(ScanLog.at < before).execute()
        if removed:
            actor.record(
                audit.SCAN_LOG_PRUNE, None, {"removed": removed, "before": before.isoformat()}
            )
    return removed
