"""Exactly once, however bad the connection.

1. Seeded random schedules (tests/sync_faults.py): phones push and pull through lost,
   repeated, reordered and garbled requests, a server restarting cold, and an office moving
   cases on meanwhile. FIELDCHECK_FAULT_SCHEDULES sets how many run (50); FIELDCHECK_FAULT_SEED
   the first seed (else a new one each run). A failure names its schedule's seed and last steps.
2. Races against a real threaded server, made to happen every time by holding a push inside its
   transaction (tests.sync_faults.Gate): a resend meeting its first push, two officers at once,
   a photo arriving while its submission is applied.

Each race test found a server problem when it was written (SQLite: a concurrent push failed
with 500 "database is locked"; PostgreSQL: a resend meeting its first push was answered
rejected/record_exists, two submissions for one case were both applied unflagged, a photo
arriving mid-push left its visit incomplete for good; both: a version bump the feed never
announced made amendments conflicts). They stay as regression tests.
"""

import contextlib
import threading
import time

import pytest

from fieldcheck.models import Case, CaseNote, FieldVisit
from fieldcheck.sync_handlers import handlers
from sync.client import Client, Unreachable, new_operation, urllib_transport
from tests import factories
from tests.helpers import Web
from tests.sync_faults import (
    SKIP_REGISTRY,
    Gate,
    base_seed,
    run_schedules,
    schedule_count,
    serve,
)


def test_random_fault_schedules_store_every_operation_exactly_once(app, tmp_path):
    count, seed = schedule_count(), base_seed()
    print(f"{count} fault schedules from seed {seed} (FIELDCHECK_FAULT_SEED={seed})")
    totals = run_schedules(count, seed, app.config["DATABASE_URL"], tmp_path)
    print(totals)
    assert totals["schedules"] == count
    assert totals["stored"] > 0 and totals["restarts"] > 0


# -- races -------------------------------------------------------------------------------------


def is_postgres(app) -> bool:
    return app.config["DATABASE_URL"].startswith("postgres")


@pytest.fixture
def team(app):
    from fieldcheck.cases import service

    intake = factories.user("intake", "intake")
    supervisor = factories.user("supervisor", "supervisor")
    team = factories.team()
    factories.user("field1", "field", team_=team)
    factories.user("field2", "field", team_=team)
    cases = [factories.case(applicant_name=f"Pemohon {i}") for i in range(4)]
    with app.app_context():
        for case in cases:
            service.assign(factories.actor(intake), case, team)
    return {"supervisor": supervisor, "cases": [c.id for c in cases]}


def phone(url: str, username: str) -> Client:
    """A signed-in Client that counts the answers it got (client.answers)."""

    def counting(*request):
        answer = urllib_transport(*request)
        client.answers += 1
        return answer

    client = Client(url, timeout=60, transport=counting)
    client.answers = 0
    client.login(username, Web.PASSWORD, label="race")
    client.pull("")  # a device in use: its token's first-use bookkeeping is done
    return client


def submit(case_id, **overrides) -> dict:
    return new_operation("visit.submit", factories.visit_payload(case_id, **overrides))


def note(case_id) -> dict:
    return new_operation("note.add", {"case_id": case_id, "text": "Tetangga bilang pindah."})


class Background:
    """A call in a thread; `result()` gives what it returned or raises what it raised."""

    def __init__(self, call):
        self.value = self.error = None
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call):
        try:
            self.value = call()
        except Exception as error:  # handed to the test by result()
            self.error = error

    def done(self) -> bool:
        return not self.thread.is_alive()

    def result(self, timeout: float = 60):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the request never came back"
        if self.error is not None:
            raise self.error
        return self.value


def pushed(client: Client, ops: list, attempts: int = 10) -> list[dict]:
    """Push as a phone does: a 5xx or a broken connection is tried again (it is safe), with
    a growing pause."""
    for attempt in range(attempts):
        try:
            return client.push(ops)
        except Unreachable:
            if attempt == attempts - 1:
                raise
            time.sleep(min(0.1 * 2**attempt, 2))
    raise AssertionError("unreachable")


def meet(app, gate: Gate, first, second, clients, fallback: float = 2.0):
    """Start `first`, which the gate holds inside its transaction; start `second` against it;
    once the second has met the open transaction (it was answered, or it waits for a lock
    the first holds), or after `fallback` seconds, let the first go on; return both results."""
    one = Background(first)
    assert gate.applied.wait(30), "the first push never reached its first operation"
    answered = sum(c.answers for c in clients)
    two = Background(second)
    deadline = time.monotonic() + fallback
    while time.monotonic() < deadline:
        if two.done() or sum(c.answers for c in clients) > answered or lock_waits(app):
            break
        time.sleep(0.02)
    gate.release()
    return one.result(), two.result()


def lock_waits(app) -> int:
    """How many sessions wait for a lock (PostgreSQL; SQLite answers busy instead of waiting)."""
    if not is_postgres(app):
        return 0
    import psycopg2

    conn = psycopg2.connect(app.config["DATABASE_URL"])
    with contextlib.closing(conn), conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_resend_that_meets_its_first_push_is_answered_duplicate(app, team, tmp_path, monkeypatch):
    """The phone's request timed out while the server was still applying it; the phone sends
    the same batch again. Every operation of the second answer must be a duplicate: an
    operation answered `rejected` is filed for the officer to mend, though it was stored."""
    ops = [submit(c) for c in team["cases"]] + [note(team["cases"][0])]
    gate = Gate(monkeypatch, handlers)
    with serve(app, tmp_path / "media") as url:
        client = phone(url, "field1")
        first, second = meet(
            app, gate, lambda: client.push(ops), lambda: pushed(client, ops), [client]
        )
    assert [r["status"] for r in first] == ["applied"] * len(ops)
    assert [(r["status"], r.get("code")) for r in second] == [("duplicate", None)] * len(ops)
    assert FieldVisit.select().count() == 4 and CaseNote.select().count() == 1


def test_officers_pushing_at_the_same_time_are_both_answered(app, team, tmp_path, monkeypatch):
    """Two officers sync at the same moment, about different cases: both pushes are applied,
    neither gets a 5xx."""
    gate = Gate(monkeypatch, handlers)
    with serve(app, tmp_path / "media") as url:
        one, two = phone(url, "field1"), phone(url, "field2")
        first, second = meet(
            app,
            gate,
            lambda: one.push([note(team["cases"][0])]),
            lambda: two.push([submit(team["cases"][1])]),  # once: a 5xx fails the test
            [one, two],
        )
    assert first[0]["status"] == second[0]["status"] == "applied"


def test_two_officers_submitting_for_one_case_at_once_keep_one_as_second(
    app, team, tmp_path, monkeypatch
):
    """field1 and field2 both visit the same household and sync at the same moment: one
    submission moves the case, the other is kept flagged `second` for the supervisor."""
    case_id = team["cases"][0]
    gate = Gate(monkeypatch, handlers)
    with serve(app, tmp_path / "media") as url:
        one, two = phone(url, "field1"), phone(url, "field2")
        first, second = meet(
            app,
            gate,
            lambda: one.push([submit(case_id)]),
            lambda: pushed(two, [submit(case_id)]),
            [one, two],
        )
    assert sorted([first[0]["status"], second[0]["status"]]) == ["applied", "conflict"]
    flags = sorted(str(v.flag) for v in FieldVisit.select().where(FieldVisit.case == case_id))
    assert flags == ["None", "second"]


def test_a_photo_arriving_while_its_submission_is_applied_completes_it(
    app, team, tmp_path, monkeypatch
):
    """Photos travel apart from submissions: one that arrives while the submission naming it
    is being applied must still complete it (not leave it `incomplete` for good)."""
    data, sha = factories.photo(21)
    op = submit(team["cases"][0], photos=[{"sha256": sha}])
    gate = Gate(monkeypatch, handlers)
    with serve(app, tmp_path / "media") as url:
        client = phone(url, "field1")
        first, upload = meet(  # its HEAD is answered at once: wait for the PUT itself
            app, gate, lambda: client.push([op]), lambda: client.put_media(data), []
        )
    assert first[0]["result"]["missing_photos"] == [sha] and upload["new"] is True
    assert FieldVisit.get(FieldVisit.uuid == op["record_id"]).status == "complete"


def test_the_case_version_a_phone_holds_is_the_one_its_amendment_is_judged_by(app, team, tmp_path):
    """A case returned for correction changes on the server (a registry answer re-evaluates
    its risk); the phone pulls before it amends. Either the pull brings the new version or the
    version did not change: an amendment made on what the phone could know is no conflict."""
    from fieldcheck.cases import service

    case_id = team["cases"][0]
    with serve(app, tmp_path / "media") as url:
        client = phone(url, "field1")
        cursor = client.pull("")["cursor"]
        assert pushed(client, [submit(case_id)])[0]["status"] == "applied"
        with app.app_context():
            case = Case.get_by_id(case_id)
            actor = factories.actor(team["supervisor"])
            if case.state != "under_review":
                service.move(actor, case, "begin_review", reason=SKIP_REGISTRY)
            visit = FieldVisit.get(FieldVisit.case == case_id)
            visit.returned_comment = "Tambahkan NIK ibu."
            visit.save(only=[FieldVisit.returned_comment])
            service.move(actor, case, "return_for_correction", comment="Tambahkan NIK ibu.")
        page = client.pull(cursor)
        [held] = page["cases"]
        assert held["state"] == "returned" and held["returned"]["visit_id"] == visit.uuid
        with app.app_context():  # e.g. the civil registry answers a question asked at intake
            service.reevaluate(factories.actor(team["supervisor"]), Case.get_by_id(case_id), "x")
        newer = client.pull(page["cursor"])["cases"]
        held = newer[0] if newer else held
        server_version = Case.get_by_id(case_id).version
        amend = new_operation(
            "visit.amend",
            factories.visit_payload(case_id, amends=visit.uuid),
            base_version=held["version"],
        )
        [result] = pushed(client, [amend])
    assert result["status"] == "applied", result
    assert held["version"] == server_version
