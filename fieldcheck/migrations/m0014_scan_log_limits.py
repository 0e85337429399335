"""The scan log: one small row per verification of a report's QR text, in place of an audit
event per call.

The verifications recorded before this version (one `report.verify` audit event each) are
copied into it, so that officers' "My verifications" keeps its history; the events stay in
the audit trail.
"""

import json

import peewee

from fieldcheck.db import UTCDateTimeField

BATCH = 1000


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class DeviceToken(Base):
        pass

    class AuditEvent(Base):
        at = UTCDateTimeField()
        actor = peewee.ForeignKeyField(User, null=True)
        action = peewee.CharField(max_length=64)
        details = peewee.TextField(default="{}")

    class ScanLog(Base):
        at = UTCDateTimeField(index=True)
        user = peewee.ForeignKeyField(User, index=False)
        device_token = peewee.ForeignKeyField(DeviceToken, null=True, index=False)
        status = peewee.CharField(max_length=12)
        report_id = peewee.CharField(max_length=64, null=True)

        class Meta:
            indexes = ((("user", "at"), False), (("report_id", "at"), False))

    db.create_tables([ScanLog])
    scans = (
        AuditEvent.select(AuditEvent.at, AuditEvent.actor, AuditEvent.details)
        .where((AuditEvent.action == "report.verify") & AuditEvent.actor.is_null(False))
        .order_by(AuditEvent.id)
        .tuples()
    )
    rows = []
    for at, actor, details in scans.iterator():
        seen = json.loads(details or "{}")
        report = seen.get("report")
        rows.append(
            {
                "at": at,
                "user": actor,
                "status": str(seen.get("status") or "INVALID")[:12],
                "report_id": str(report)[:64] if report else None,
            }
        )
        if len(rows) == BATCH:
            ScanLog.insert_many(rows).execute()
            rows = []
    if rows:
        ScanLog.insert_many(rows).execute()
