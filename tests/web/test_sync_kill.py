"""SIGKILL in the middle of a push: the real server runs as its own process, the reference
client (`python -m sync push`) as another; the server is killed while a batch is being applied
and again after a batch committed but before its answer went out; restarted, the client
retries until its outbox is empty. Then every operation is in the database exactly once.

On SQLite (a file) and, when FIELDCHECK_TEST_POSTGRES_URL is set, on PostgreSQL (a database
made for the test); an unreachable PostgreSQL fails the test rather than skip it.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fieldcheck import create_app, migrations
from fieldcheck.db import database, open_database, sqlite_url
from sync.client import Client, Outbox, new_operation
from tests import factories
from tests.conftest import (
    BACKENDS,
    _with_database,
    create_postgres_database,
    drop_postgres_database,
)
from tests.helpers import Web

ROOT = Path(__file__).resolve().parents[2]
CASES = 600
BATCH = 100
PHOTOS = 12  # submissions that name a photo (uploaded after them)
OP_DELAY = 0.002  # seconds the instrumented server spends per operation: kills land mid-batch

# The server as a program: create_app from FIELDCHECK_* variables, served by werkzeug. It says
# on stdout when it applied an operation (inside the batch's transaction, not yet committed)
# and when a push was answered (committed, its answer not yet sent: `slow` holds it back).
SERVER = r"""
import sys, time
from flask import request
from werkzeug.serving import make_server
from fieldcheck import create_app

port, slow, delay = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
app = create_app()
engine = app.extensions["sync"]
handler_for = engine.handlers.get

def announcing(kind):
    handler = handler_for(kind)
    if handler is None:
        return None
    def apply(op, ctx, eng):
        outcome = handler(op, ctx, eng)
        print("applied", op.op_id, flush=True)
        time.sleep(delay)
        return outcome
    return apply

engine.handlers.get = announcing

@app.after_request
def answered(response):
    if request.path == "/api/v1/sync/push":
        print("answered", response.status_code, flush=True)
        time.sleep(slow)
    return response

server = make_server("127.0.0.1", port, app, threaded=True)
print("listening", server.server_port, flush=True)
server.serve_forever()
"""


class ServerProcess:
    """The FieldCheck server as a separate process that can be SIGKILLed and started again."""

    def __init__(self, database_url: str, folder: Path):
        self.database_url = database_url
        self.folder = folder
        self.port = 0
        self.proc = None
        self.lines: list[str] = []
        self.changed = threading.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, slow: float = 0.0):
        env = {
            **os.environ,
            "FIELDCHECK_DATABASE_URL": self.database_url,
            "FIELDCHECK_INSTANCE_PATH": str(self.folder / "instance"),
            "FIELDCHECK_MEDIA_ROOT": str(self.folder / "media"),
            "FIELDCHECK_SECRET_KEY": "kill-test-secret",
            "PYTHONPATH": str(ROOT),
        }
        self.lines = []
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115  (closed in stop/kill)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port), str(slow), str(OP_DELAY)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.proc.log = log
        self.reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self.reader.start()
        self.wait_for(lambda lines: any(line.startswith("listening") for line in lines), 30)
        self.port = int(next(x for x in self.lines if x.startswith("listening")).split()[1])
        health = urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=10)  # noqa: S310
        assert json.load(health) == {"status": "ok"}

    def _read(self, proc):
        for line in proc.stdout:
            with self.changed:
                self.lines.append(line.strip())
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, condition, timeout: float = 60):
        with self.changed:
            met = self.changed.wait_for(
                lambda: condition(self.lines) or self.proc.poll() is not None, timeout
            )
            if not condition(self.lines):
                raise AssertionError(
                    f"server never got there (exit {self.proc.poll()}, met {met}); log:\n"
                    + self.log_tail()
                )

    def log_tail(self) -> str:
        return (self.folder / "server.log").read_text(errors="replace")[-3000:]

    def kill(self):
        """SIGKILL: no cleanup, no rollback but the database's own."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.reader.join(10)
        self.proc.log.close()

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.reader.join(10)
        self.proc.log.close()


@pytest.fixture(params=BACKENDS)
def server_database(request, tmp_path):
    """A database of its own for the server process, migrated; dropped afterwards."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "server.db")
        name = server = None
    else:
        server = request.getfixturevalue("postgres_server_url")
        name = create_postgres_database(server)
        url = _with_database(server, name)
    db = open_database(url)
    migrations.upgrade(db)
    db.close()
    try:
        yield url
    finally:
        if not database.is_closed():
            database.close()
        if name is not None:
            drop_postgres_database(server, name)


@pytest.fixture
def server(server_database, tmp_path):
    process = ServerProcess(server_database, tmp_path)
    yield process
    process.stop()


def prepare(database_url: str, folder: Path) -> tuple[object, list[int]]:
    """A team, its officer and CASES cases assigned to them, made in-process by the app's own
    functions; the connection is closed before the server starts."""
    from fieldcheck.cases import service

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "kill-test-secret",
            "DATABASE_URL": database_url,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "MEDIA_ROOT": str(folder / "media"),
        }
    )
    app.instance_path = str(folder / "instance")
    factories.bind(app)
    try:
        intake = factories.user("intake", "intake")
        team = factories.team()
        officer = factories.user("field1", "field", team_=team)
        office = factories.office()
        with app.app_context():
            database.connect(reuse_if_open=True)
            with database.atomic():
                ids = []
                for i in range(CASES):
                    case = factories.case.__wrapped__(office_=office, applicant_name=f"Pemohon {i}")
                    service.assign(factories.actor(intake), case, team, officer)
                    ids.append(case.id)
    finally:
        factories.bind(None)
        if not database.is_closed():
            database.close()
    return app, ids


def push(box_folder: Path, server: ServerProcess) -> subprocess.Popen:
    """`python -m sync push` as a process of its own (the phone)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync",
            "--timeout",
            "120",
            "push",
            str(box_folder),
            "--batch-size",
            str(BATCH),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def logged(app) -> dict[str, str]:
    """The operation log as the database holds it: {op_id: status}."""
    from sync.store import OperationLog

    with app.app_context():
        database.connect(reuse_if_open=True)
        return {row.op_id: row.status for row in OperationLog.select()}


def after(lines, marker: str, nth: int) -> list[str]:
    """The lines after the nth line starting with marker (all lines if nth is 0)."""
    seen = 0
    for index, line in enumerate(lines):
        if nth and line.startswith(marker):
            seen += 1
            if seen == nth:
                return lines[index + 1 :]
    return lines if nth == 0 else []


def test_sigkill_during_a_push_loses_nothing_and_doubles_nothing(server, tmp_path):
    started = time.perf_counter()
    app, case_ids = prepare(server.database_url, tmp_path)
    server.start()
    box = Outbox(tmp_path / "phone", durable=False)  # queueing here; `python -m sync` flushes
    client = Client(server.url)
    client.login("field1", Web.PASSWORD, label="kill test")
    box.save_state(server=server.url, username="field1", token=client.token)
    visited = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    queued = {}
    for i, case_id in enumerate(case_ids):
        photos = [factories.photo(9000 + i)] if i % (CASES // PHOTOS) == 0 else []
        payload = factories.visit_payload(
            case_id, visited_at=visited, photos=[{"sha256": sha} for _, sha in photos]
        )
        op = new_operation("visit.submit", payload)
        box.add(op, photos=[data for data, _ in photos])
        queued[op["op_id"]] = op
    assert box.status()["outbox"] == CASES and box.status()["photos_waiting"] == PHOTOS

    # 1. Killed while the third batch is being applied (two batches answered before it).
    phone = push(tmp_path / "phone", server)
    server.wait_for(
        lambda lines: sum(x.startswith("applied") for x in after(lines, "answered", 2)) >= 30, 120
    )
    server.kill()
    out, err = phone.communicate(timeout=120)
    assert phone.returncode == 2, (out, err)
    assert "cannot reach" in err and "stay in the outbox" in err
    assert sum(x.startswith("answered") for x in server.lines) == 2
    assert len(logged(app)) == 2 * BATCH  # the batch in flight was rolled back, all of it
    assert box.status()["outbox"] == CASES - 2 * BATCH

    # 2. Killed after a batch committed, before its answer reached the phone.
    server.start(slow=60)
    phone = push(tmp_path / "phone", server)
    server.wait_for(lambda lines: any(x.startswith("answered") for x in lines), 120)
    server.kill()
    out, err = phone.communicate(timeout=120)
    assert phone.returncode == 2, (out, err)
    assert len(logged(app)) == 3 * BATCH  # stored, though the phone never heard it
    assert box.status()["outbox"] == CASES - 2 * BATCH

    # 3. Started again: the phone retries until its outbox is empty.
    server.start()
    outputs = []
    for _ in range(3):
        phone = push(tmp_path / "phone", server)
        out, err = phone.communicate(timeout=300)
        outputs.append((phone.returncode, out, err))
        if box.status()["outbox"] == 0:
            break
    assert outputs[-1][0] == 0, outputs
    assert f"applied {CASES - 3 * BATCH}, duplicate {BATCH}, conflict 0" in outputs[0][1], outputs
    status = box.status()
    assert (status["outbox"], status["sent"], status["rejected"]) == (0, CASES, 0)
    assert status["photos_waiting"] == 0

    check_database(app, queued)
    elapsed = time.perf_counter() - started
    print(f"{CASES} operations through two SIGKILLs in {elapsed:.1f} s")


def check_database(app, queued: dict):
    """Every operation once in sync_operation, every visit once, nothing lost, audit once."""
    from fieldcheck.models import AuditEvent, Case, FieldVisit
    from sync.store import MediaWait

    assert logged(app) == {op_id: "applied" for op_id in queued}
    with app.app_context():
        database.connect(reuse_if_open=True)
        visits = list(FieldVisit.select())
        assert len(visits) == len(queued) == len({v.uuid for v in visits})
        by_record = {op["record_id"]: op_id for op_id, op in queued.items()}
        assert {v.uuid: v.op_id for v in visits} == by_record
        assert {v.status for v in visits} == {"complete"}
        assert MediaWait.select().count() == 0
        # Each case left the phone's hands once (where it goes next is the registry's affair).
        assert not {c.state for c in Case.select()} & {"assigned", "in_field"}
        audited = [
            e.subject_id for e in AuditEvent.select().where(AuditEvent.action == "visit.submit")
        ]
        assert sorted(audited) == sorted(by_record)
        submits = AuditEvent.select().where(AuditEvent.action == "case.submit").count()
        assert submits == len(queued)
