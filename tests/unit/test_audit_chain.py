"""The audit trail's hash chain: sealing, verifying, and finding the first broken link; its
checkpoints signed outside the database, and the witness copy that catches a re-signed trail."""

import base64
import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from fieldcheck import audit, audit_checkpoints
from fieldcheck.db import database, is_postgres
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


# -- checkpoints: the chain's head, signed, in a log outside the database -------------------------


def log_path(app) -> Path:
    return Path(app.instance_path) / audit_checkpoints.LOG_FILE


def log_lines(app) -> list[bytes]:
    return log_path(app).read_bytes().splitlines(keepends=True)


def logged(app) -> list[audit_checkpoints.Checkpoint]:
    return [audit_checkpoints.parse_line(line, "a line") for line in log_lines(app)]


def seal_in(app, n_events: int) -> int:
    """Record n events and seal them: one checkpoint more."""
    make_events(app, n_events)
    with app.app_context():
        return audit.seal()


def verify(runner, *options):
    return runner.invoke(args=["audit", "verify", *options])


def recompute_chain():
    """What someone who can write the database does after changing an event: the chain again,
    with plain SHA-256, so that every link holds."""
    prev = audit.GENESIS
    for event in (
        AuditEvent.select()
        .where(AuditEvent.chain_seq.is_null(False))
        .order_by(AuditEvent.chain_seq)
    ):
        prev = audit.event_digest(prev, event)
        AuditEvent.update(chain_hash=prev).where(AuditEvent.id == event.id).execute()


def resign_log(app, key: audit_checkpoints.AuditKey):
    """Rewrite the checkpoint log to match the chain as it now is, signed with `key`."""
    lines, prev = [], audit_checkpoints.GENESIS
    for old in logged(app):
        event = AuditEvent.get(AuditEvent.chain_seq == old.count)
        checkpoint = key.sign(replace(old, head=event.chain_hash, prev=prev))
        lines.append(checkpoint.line())
        prev = checkpoint.digest()
    log_path(app).write_bytes(b"".join(lines))


def real_key(app) -> audit_checkpoints.AuditKey:
    return audit_checkpoints.load_key(Path(app.instance_path) / audit_checkpoints.KEY_FILE)


def test_each_seal_signs_a_checkpoint_of_the_chain_head(app):
    seal_in(app, 3)
    with app.app_context():
        assert audit.seal() == 0  # nothing new: no checkpoint
    seal_in(app, 2)
    first, second = logged(app)
    head = AuditEvent.get(AuditEvent.chain_seq == 5)
    assert (second.count, second.last_event_id, second.head) == (5, head.id, head.chain_hash)
    assert first.count == 3 and first.prev == audit_checkpoints.GENESIS
    assert second.prev == first.digest()
    assert second.at == "2026-11-02T01:00:00+00:00"  # the app's clock
    key = real_key(app)
    assert all(audit_checkpoints.signature_holds(key.public_key, c) for c in (first, second))


def test_a_seal_that_rolls_back_leaves_no_checkpoint(app, monkeypatch):
    make_events(app, 3)

    def write_then_fail(seals):
        real_write_seals(seals)
        raise RuntimeError("the database went away")

    real_write_seals = audit._write_seals
    monkeypatch.setattr(audit, "_write_seals", write_then_fail)
    with app.app_context(), pytest.raises(RuntimeError):
        audit.seal()
    assert log_path(app).read_bytes() == b""
    assert AuditEvent.select().where(AuditEvent.chain_seq.is_null()).count() == 3


def test_a_checkpoint_missed_by_a_crash_is_signed_by_the_next_seal(app, runner):
    """The server stopped between a seal's commit and its checkpoint: verify says so, and the
    next seal, with nothing to seal, writes it."""
    seal_in(app, 2)
    seal_in(app, 3)
    log_path(app).write_bytes(log_lines(app)[0])
    result = verify(runner)
    assert result.exit_code == 1
    assert "sealed events 3 to 5 of the chain are named by no checkpoint" in result.output
    assert "sealed 0 events" in runner.invoke(args=["audit", "seal"]).output
    assert [c.count for c in logged(app)] == [2, 5]
    assert verify(runner).exit_code == 0


def test_verify_says_how_many_events_and_checkpoints_hold(runner, app):
    seal_in(app, 2)
    seal_in(app, 3)
    make_events(app, 1)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "5 events checked, 1 not yet sealed; 2 checkpoints hold, the latest counting 5" in (
        result.output
    )


def test_deleting_the_newest_sealed_events_fails_verify(app, runner):
    seal_in(app, 5)
    AuditEvent.delete().where(AuditEvent.chain_seq >= 4).execute()
    result = verify(runner)
    assert result.exit_code == 1
    assert "the chain ends at event 3" in result.output
    assert "the newest 2 sealed events were deleted" in result.output


def test_rewriting_an_event_and_recomputing_the_chain_fails_verify(app, runner):
    seal_in(app, 5)
    AuditEvent.update(details='{"i":1,"nama":"Someone else"}').where(
        AuditEvent.chain_seq == 2
    ).execute()
    recompute_chain()
    result = verify(runner)
    assert result.exit_code == 1
    assert "event 5 of the chain" in result.output
    assert "were changed and the chain recomputed" in result.output


def test_emptying_the_audit_table_fails_verify(app, runner):
    seal_in(app, 4)
    AuditEvent.delete().execute()
    result = verify(runner)
    assert result.exit_code == 1
    assert "the audit table holds no sealed events" in result.output
    assert "the table was emptied" in result.output


def _change_head(lines):
    value = json.loads(lines[1])
    value["head"] = "f" * 64
    lines[1] = audit_checkpoints.Checkpoint(**value).line()
    return lines


def _alter_signature(lines):
    value = json.loads(lines[1])
    signature = base64.b64decode(value["signature"])
    value["signature"] = base64.b64encode(bytes([signature[0] ^ 1]) + signature[1:]).decode()
    lines[1] = audit_checkpoints.Checkpoint(**value).line()
    return lines


LOG_EDITS = {
    "a head changed": (_change_head, "does not match its signature"),
    "a signature altered": (_alter_signature, "does not match its signature"),
    "the first line dropped": (lambda lines: lines[1:], "the checkpoints before it were removed"),
    "a middle line dropped": (
        lambda lines: [lines[0], lines[2]],
        "one was removed or changed in between",
    ),
    "the last line dropped": (lambda lines: lines[:2], "named by no checkpoint"),
    "two lines swapped": (lambda lines: [lines[0], lines[2], lines[1]], "does not follow"),
    "a line spaced out": (
        lambda lines: [lines[0], lines[1].replace(b",", b", "), lines[2]],
        "it was edited",
    ),
    "a line damaged": (lambda lines: [lines[0], b"{garbage\n", lines[2]], "is not JSON"),
    "the file cut short": (lambda lines: [lines[0], lines[1][:40]], "is cut short"),
    "every line removed": (lambda lines: [], "holds none: it was removed or emptied"),
}


@pytest.mark.parametrize("edit", LOG_EDITS)
def test_an_edited_checkpoint_log_fails_verify(app, runner, edit):
    change, problem = LOG_EDITS[edit]
    for n in (2, 1, 3):
        seal_in(app, n)
    log_path(app).write_bytes(b"".join(change(log_lines(app))))
    result = verify(runner)
    assert result.exit_code == 1
    assert problem in result.output, result.output


def test_a_missing_audit_key_stops_sealing_and_fails_verify(app, runner):
    seal_in(app, 2)
    (Path(app.instance_path) / audit_checkpoints.KEY_FILE).unlink()
    make_events(app, 1)
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 1 and "restore the key from its backup" in result.output
    assert AuditEvent.select().where(AuditEvent.chain_seq.is_null()).count() == 1
    result = verify(runner)
    assert result.exit_code == 1 and "is missing" in result.output


def export(runner, path) -> dict:
    result = runner.invoke(args=["audit", "checkpoints", "export", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())


def test_export_gives_the_checkpoints_and_the_public_key(app, runner, tmp_path):
    seal_in(app, 2)
    seal_in(app, 1)
    copy = export(runner, tmp_path / "witness.json")
    assert [c["count"] for c in copy["checkpoints"]] == [2, 3]
    assert copy["key_id"] == real_key(app).key_id
    assert "BEGIN PUBLIC KEY" in copy["public_key"]
    on_screen = runner.invoke(args=["audit", "checkpoints", "export"])
    assert json.loads(on_screen.output)["checkpoints"] == copy["checkpoints"]


def test_export_with_no_checkpoint_yet_says_so(runner):
    result = runner.invoke(args=["audit", "checkpoints", "export"])
    assert result.exit_code == 1 and "nothing to export" in result.output


def test_a_witness_copy_that_holds_passes(app, runner, tmp_path):
    seal_in(app, 2)
    export(runner, tmp_path / "witness.json")
    seal_in(app, 3)
    result = verify(runner, "--witness", str(tmp_path / "witness.json"))
    assert result.exit_code == 0, result.output
    assert "the 1 checkpoints of the witness copy hold" in result.output


def test_a_trail_rewritten_and_re_signed_with_the_real_key_is_caught_by_the_witness(
    app, runner, tmp_path
):
    seal_in(app, 3)
    seal_in(app, 2)
    export(runner, tmp_path / "witness.json")
    seal_in(app, 2)
    AuditEvent.update(actor_name="someone-else").where(AuditEvent.chain_seq == 2).execute()
    recompute_chain()
    resign_log(app, real_key(app))
    assert verify(runner).exit_code == 0  # the database and the log agree: only a copy can tell
    result = verify(runner, "--witness", str(tmp_path / "witness.json"))
    assert result.exit_code == 1
    assert "event 3 of the chain" in result.output
    assert "signed again, after the witness copy was made" in result.output


def test_a_trail_shortened_with_its_log_is_caught_by_the_witness(app, runner, tmp_path):
    seal_in(app, 3)
    seal_in(app, 2)
    export(runner, tmp_path / "witness.json")
    AuditEvent.delete().where(AuditEvent.chain_seq > 3).execute()
    log_path(app).write_bytes(log_lines(app)[0])
    assert verify(runner).exit_code == 0
    result = verify(runner, "--witness", str(tmp_path / "witness.json"))
    assert result.exit_code == 1
    assert "the newest 2 sealed events were deleted" in result.output
    assert "witness copy" in result.output


def test_a_replaced_audit_key_is_caught_by_the_witness(app, runner, tmp_path):
    seal_in(app, 3)
    export(runner, tmp_path / "witness.json")
    key_file = Path(app.instance_path) / audit_checkpoints.KEY_FILE
    key_file.unlink()
    resign_log(app, audit_checkpoints.create_key(key_file))
    assert verify(runner).exit_code == 0
    result = verify(runner, "--witness", str(tmp_path / "witness.json"))
    assert result.exit_code == 1 and "the key was replaced" in result.output


@pytest.mark.parametrize(
    "content, problem",
    [
        (None, "cannot be read"),
        ("[1, 2", "is not JSON"),
        ('{"checkpoints": []}', "is not an export of audit checkpoints"),
    ],
)
def test_a_witness_copy_that_cannot_be_used_fails_verify(app, runner, tmp_path, content, problem):
    seal_in(app, 1)
    witness = tmp_path / "witness.json"
    if content is not None:
        witness.write_text(content)
    result = verify(runner, "--witness", str(witness))
    assert result.exit_code == 1 and problem in result.output


def test_an_edited_witness_copy_is_refused(app, runner, tmp_path):
    seal_in(app, 2)
    copy = export(runner, tmp_path / "witness.json")
    copy["checkpoints"][0]["count"] = 1
    (tmp_path / "witness.json").write_text(json.dumps(copy))
    result = verify(runner, "--witness", str(tmp_path / "witness.json"))
    assert result.exit_code == 1
    assert "checkpoint 1 of the witness copy" in result.output
    assert "does not match its signature" in result.output


# -- one sealer at a time ------------------------------------------------------------------------


def in_thread(app, name, work, failures):
    def run():
        try:
            with app.app_context():
                database.connect(reuse_if_open=True)
                try:
                    work()
                finally:
                    database.close()
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    return threading.Thread(target=run, name=name)


def wait_while_sealing(sealer: threading.Thread):
    """On PostgreSQL, until the sealer waits for the sealers' advisory lock or has finished (on
    SQLite it is in its BEGIN IMMEDIATE by the time it lets another thread run)."""
    if not is_postgres():
        return
    while (
        sealer.is_alive()
        and not database.execute_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()[0]
    ):
        time.sleep(0.01)


def test_two_sealers_at_once_never_give_a_seq_twice(app, monkeypatch, tmp_path):
    """Two sealers with a checkpoint log each (as on two hosts), so that only the database's lock
    stands between them: the second waits while the first is between reading the chain's head
    and writing its seals, then seals nothing twice."""
    make_events(app, 6)
    first_is_sealing, second_started, go_on = (
        threading.Event(),
        threading.Event(),
        threading.Event(),
    )
    real_write_seals = audit._write_seals

    def write_seals(seals):
        if threading.current_thread().name == "first":
            first_is_sealing.set()
            go_on.wait()
        real_write_seals(seals)

    monkeypatch.setattr(audit, "_write_seals", write_seals)
    logs = [
        audit_checkpoints.CheckpointLog(tmp_path / host / "log.jsonl", tmp_path / host / "key.pem")
        for host in ("one", "two")
    ]
    sealed, failures = [], []

    def second():
        second_started.set()
        sealed.append(audit.seal(log=logs[1]))

    first = in_thread(app, "first", lambda: sealed.append(audit.seal(log=logs[0])), failures)
    first.start()
    first_is_sealing.wait()
    other = in_thread(app, "second", second, failures)
    other.start()
    second_started.wait()
    with app.app_context():
        database.connect(reuse_if_open=True)
        wait_while_sealing(other)
    go_on.set()
    first.join()
    other.join()
    assert not failures, failures
    assert sorted(sealed) == [0, 6]
    with app.app_context():
        seqs = [e.chain_seq for e in AuditEvent.select().order_by(AuditEvent.id)]
        assert seqs == [1, 2, 3, 4, 5, 6]
        assert audit.verify(log=logs[0]).ok and audit.verify(log=logs[1]).ok


def test_a_sealer_finding_the_log_held_leaves_the_work_to_the_other(app, monkeypatch):
    """A request's seal (wait=False) does not queue behind the sealer holding the log."""
    make_events(app, 4)
    first_is_sealing, go_on = threading.Event(), threading.Event()
    real_write_seals = audit._write_seals

    def write_seals(seals):
        if threading.current_thread().name == "first":
            first_is_sealing.set()
            go_on.wait()
        real_write_seals(seals)

    monkeypatch.setattr(audit, "_write_seals", write_seals)
    sealed, failures = [], []
    first = in_thread(app, "first", lambda: sealed.append(audit.seal()), failures)
    first.start()
    first_is_sealing.wait()
    try:
        with app.app_context():
            assert audit.seal(wait=False) == 0
    finally:
        go_on.set()
        first.join()
    assert not failures and sealed == [4]
    assert [c.count for c in logged(app)] == [4]


# --- one checkpoint log for every node, in the bucket --------------------------------------------


def bucket_logs(object_store, tmp_path, nodes=("a", "b")):
    """A checkpoint log in a new bucket as each node sees it: one audit key file per node's
    instance folder, the same key copied to each (README, Production)."""
    bucket = object_store.new_bucket()
    logs = []
    for node in nodes:
        key_path = tmp_path / node / audit_checkpoints.KEY_FILE
        logs.append(
            audit_checkpoints.ObjectCheckpointLog(
                object_store.client(), bucket, "audit/checkpoints", key_path
            )
        )
    return bucket, logs


def copy_key(logs):
    first = logs[0].key_path.read_bytes()
    for log in logs[1:]:
        log.key_path.parent.mkdir(parents=True, exist_ok=True)
        log.key_path.write_bytes(first)


def test_two_nodes_append_to_one_checkpoint_log_in_the_bucket(app, object_store, tmp_path):
    _, (on_a, on_b) = bucket_logs(object_store, tmp_path)
    make_events(app, 3)
    with app.app_context():
        assert audit.seal(log=on_a) == 3
    copy_key([on_a, on_b])
    make_events(app, 2)
    with app.app_context():
        assert audit.seal(log=on_b) == 2
        for log in (on_a, on_b):
            report = audit.verify(log=log)
            assert report.ok, report.problem
            assert (report.checkpoints, report.anchored) == (2, 5)


def test_the_bucket_log_goes_on_in_a_new_segment_when_one_is_full(
    app, object_store, tmp_path, monkeypatch
):
    monkeypatch.setattr(audit_checkpoints.ObjectCheckpointLog, "SEGMENT_LINES", 2)
    bucket, (log,) = bucket_logs(object_store, tmp_path, nodes=("a",))
    with app.app_context():
        for _ in range(5):
            make_events(app, 1)
            audit.seal(log=log)
        report = audit.verify(log=log)
    assert report.ok and report.checkpoints == 5
    listed = object_store.client().list_objects_v2(Bucket=bucket, Prefix="audit/checkpoints/")
    assert [item["Key"].rsplit("/", 1)[1] for item in listed["Contents"]] == [
        "000000000001.jsonl",
        "000000000003.jsonl",
        "000000000005.jsonl",
    ]


def test_an_append_to_the_bucket_log_after_another_writers_is_refused_not_lost(
    app, object_store, tmp_path
):
    """The conditional write (If-Match) refuses a checkpoint written over a segment another
    writer appended to since it was read: the other's line stays, the log still holds."""
    _, (log,) = bucket_logs(object_store, tmp_path, nodes=("a",))
    make_events(app, 1)
    with app.app_context():
        audit.seal(log=log)
    make_events(app, 1)
    with app.app_context(), log.appending() as late:
        audit.seal(log=log)  # another node's seal, between the read and the write
        with pytest.raises(audit_checkpoints.CheckpointError, match="same moment"):
            late.append(count=2, last_event_id=2, head="0" * 64, at="2026-01-01T00:00:00")
    with app.app_context():
        report = audit.verify(log=log)
    assert report.ok and report.checkpoints == 2


def test_a_segment_taken_out_of_the_bucket_log_fails_verify(
    app, object_store, tmp_path, monkeypatch
):
    monkeypatch.setattr(audit_checkpoints.ObjectCheckpointLog, "SEGMENT_LINES", 1)
    bucket, (log,) = bucket_logs(object_store, tmp_path, nodes=("a",))
    with app.app_context():
        for _ in range(3):
            make_events(app, 1)
            audit.seal(log=log)
    object_store.client().delete_object(Bucket=bucket, Key="audit/checkpoints/000000000002.jsonl")
    with app.app_context():
        report = audit.verify(log=log)
    assert not report.ok and "has no line 2" in report.problem


def test_the_checkpoint_log_setting_may_name_the_bucket(app, object_store):
    bucket = object_store.new_bucket()
    app.config.update(object_store.settings(bucket))
    app.config["AUDIT_CHECKPOINT_LOG"] = f"s3://{bucket}/audit/checkpoints"
    make_events(app, 2)
    with app.app_context():
        log = audit.checkpoint_log()
        assert isinstance(log, audit_checkpoints.ObjectCheckpointLog)
        assert audit.seal() == 2
        assert audit.verify().ok
    listed = object_store.client().list_objects_v2(Bucket=bucket, Prefix="audit/")
    assert [item["Key"] for item in listed["Contents"]] == ["audit/checkpoints/000000000001.jsonl"]
