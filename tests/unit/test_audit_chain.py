"""The audit trail's hash chain: sealing, verifying, and finding the first broken link."""

import pytest

from fieldcheck import audit
from fieldcheck.models import AuditEvent
from tests import factories


def make_events(app, n):
    with app.app_context():
        for i in range(n):
            audit.record(
                "case.read",
                subject=("case", i),
                details={"i": i, "nama": "Siti"},
                address="10.0.0.1",
                at=app.extensions["clock"].now(),
            )


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_sealed_chain_verifies(app):
    make_events(app, 5)
    with app.app_context():
        assert audit.seal() == 5
        report = audit.verify()
    assert report.ok and report.checked == 5 and report.unsealed == 0


def test_sealing_continues_the_chain(app):
    make_events(app, 3)
    with app.app_context():
        audit.seal()
    make_events(app, 2)
    with app.app_context():
        assert audit.verify().unsealed == 2
        assert audit.seal() == 2
        assert audit.verify().checked == 5
        assert [e.chain_seq for e in AuditEvent.select().order_by(AuditEvent.id)] == [1, 2, 3, 4, 5]


def test_changed_event_is_found(app):
    make_events(app, 5)
    with app.app_context():
        audit.seal()
        third = AuditEvent.get(AuditEvent.chain_seq == 3)
        AuditEvent.update(details='{"i":2,"nama":"Someone else"}').where(
            AuditEvent.id == third.id
        ).execute()
        report = audit.verify()
    assert not report.ok
    assert report.broken_seq == 3 and report.broken_event_id == third.id
    assert "changed after sealing" in report.problem


def test_deleted_event_is_found(app):
    make_events(app, 5)
    with app.app_context():
        audit.seal()
        AuditEvent.delete().where(AuditEvent.chain_seq == 2).execute()
        report = audit.verify()
    assert report.broken_seq == 2 and "missing" in report.problem


def test_rehashed_event_breaks_the_next_link(app):
    """Recomputing a changed event's own hash is not enough: the next link no longer holds."""
    make_events(app, 4)
    with app.app_context():
        audit.seal()
        second = AuditEvent.get(AuditEvent.chain_seq == 2)
        first = AuditEvent.get(AuditEvent.chain_seq == 1)
        second.action = "case.update"
        second.chain_hash = audit.event_digest(first.chain_hash, second)
        second.save()
        report = audit.verify()
    assert report.broken_seq == 3


def test_changes_write_their_audit_event_in_the_same_transaction(app):
    with app.app_context():
        factories.user("field1", "field")
    event = AuditEvent.get(
        (AuditEvent.action == "user.create") & (AuditEvent.details.contains("field1"))
    )
    assert event.subject_type == "user"


def test_requests_seal_the_chain(app, web):
    factories.user("field1", "field")
    web.login("field1")
    web.get("/")
    assert AuditEvent.select().where(AuditEvent.chain_seq.is_null()).count() == 0


def test_audit_verify_command_reports_the_first_broken_link(app, runner):
    make_events(app, 3)
    result = runner.invoke(args=["audit", "seal"])
    assert "sealed 3 events" in result.output
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 3 events" in result.output
    AuditEvent.update(address="10.9.9.9").where(AuditEvent.chain_seq == 2).execute()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at chain position 2" in result.output
