"""Randomised fault schedules for sync: phones push and pull through a network that loses,
repeats, reorders and garbles, against a server that restarts cold, while the office moves
cases on; afterwards, every operation must be stored exactly once and nothing lost.

One schedule is a seeded random walk (`Schedule(seed, database_url, folder).run()`): the same
seed on the same backend replays the same steps, so a failure names its seed, its problems and
its last steps, and is reproduced with

    FIELDCHECK_FAULT_SEED=<seed> FIELDCHECK_FAULT_SCHEDULES=1 \
        pytest tests/web/test_sync_faults.py -k "random and sqlite"

The phones are the reference client (sync.client: Outbox folders and Client) with a transport
that goes through the Flask test client of the current app, via a `Network` that injects the
faults. `run_schedules(n, seed)` runs many (the test runs 50, or FIELDCHECK_FAULT_SCHEDULES; a
benchmark may run 1,000), as does `python -m tests.sync_faults --schedules 1000 [--seed S]
[--database-url URL]`. `serve` and `Gate` help the race tests in tests/web/test_sync_faults.py.
"""

import argparse
import contextlib
import itertools
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sync.client import Client, Outbox, SyncError
from sync.envelope import content_hash

BASE_URL = "http://fieldcheck.test"
PASSWORD = "fieldcheck-demo"
DEFAULT_SCHEDULES = 50
VISIT_TYPES = ("visit.submit", "visit.amend")
ON_PHONE = ("assigned", "in_field", "returned")
REVIEWABLE = ("submitted", "registry_check", "under_review")  # where a submission waits
SKIP_REGISTRY = "Review now; registry answers may follow"  # a supervisor's reason to go on


def schedule_count(default: int = DEFAULT_SCHEDULES) -> int:
    return int(os.environ.get("FIELDCHECK_FAULT_SCHEDULES", default))


def base_seed() -> int:
    """FIELDCHECK_FAULT_SEED if given, else a new one each run (printed when a schedule fails)."""
    given = os.environ.get("FIELDCHECK_FAULT_SEED")
    return int(given) if given else random.SystemRandom().randrange(10**9)


class ScheduleFailed(AssertionError):
    pass


# -- the server side ---------------------------------------------------------------------------


class World:
    """The central office: a database, a Flask app that can be restarted cold, a clock."""

    def __init__(self, database_url: str, media_root: Path, clock):
        self.database_url = database_url
        self.media_root = media_root
        self.clock = clock
        self.app = None
        self.restarts = -1
        self.start()

    def start(self):
        """A cold start: drop the app (and its connection), make a new one on the same data."""
        from fieldcheck import create_app
        from fieldcheck.db import database
        from tests import factories

        if self.app is not None and not database.is_closed():
            database.close()
        self.app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "fault-test-secret",
                "DATABASE_URL": self.database_url,
                "CLOCK": self.clock,
                "AUDIT_SEAL_INTERVAL": 10,  # as in production: sealing is not what is tested
                "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
                "MEDIA_ROOT": str(self.media_root),
            }
        )
        factories.bind(self.app)
        self.restarts += 1

    @contextlib.contextmanager
    def ctx(self):
        """An app context with its database connection (closed after, as a request's is)."""
        from fieldcheck.db import database

        with self.app.app_context():
            database.connect(reuse_if_open=True)
            yield

    def serve(self, method, url, headers, body, timeout):
        """Hand one request to the app as it is now: (status, headers, body)."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.app.test_client().open(path, method=method, headers=headers, data=body)
        return response.status_code, dict(response.headers), response.get_data()


# -- the network -------------------------------------------------------------------------------

FAULTS = (
    ("ok", 54),
    ("drop", 10),  # the request never arrives
    ("lose", 12),  # it arrives and is applied; the answer never comes back (a timeout)
    ("twice", 6),  # it arrives twice (a retrying proxy); the second answer comes back
    ("error_before", 5),  # a 503 from a proxy; the server never saw it
    ("error_after", 5),  # the server applied it; a proxy answers 502
    ("garbled", 5),  # the server applied it; a captive portal answers (HTML or a redirect)
    ("restart_after", 3),  # the server applied it, then restarted: the connection breaks
)


class Network:
    """Between the phones and the server: a seeded source of lost, repeated and garbled
    requests, which also notes every result a phone heard and every push it delivered."""

    def __init__(self, world: World, rng: random.Random, log):
        self.world = world
        self.rng = rng
        self.log = log
        self.faulty = True
        self.delivered = []  # (method, url, headers, body) of pushes and uploads that arrived
        self.heard = {}  # (op_id, content hash) -> [results a phone heard]
        self.faults = {name: 0 for name, _ in FAULTS}
        self._names = [name for name, _ in FAULTS]
        self._weights = [weight for _, weight in FAULTS]

    def transport(self, who: str):
        def send(method, url, headers, body, timeout):
            fault = self.rng.choices(self._names, self._weights)[0] if self.faulty else "ok"
            self.faults[fault] += 1
            if fault != "ok":
                self.log(f"  net {who} {method} {urlsplit(url).path}: {fault}")
            if fault == "drop":
                raise ConnectionRefusedError("no network (fault injected)")
            if fault == "error_before":
                return 503, {}, b'{"error": {"code": "unavailable", "message": "proxy"}}'
            answer = self.deliver(method, url, headers, body, heard=fault in ("ok", "twice"))
            if fault == "twice":
                answer = self.deliver(method, url, headers, body, heard=True)
            if fault == "lose":
                raise TimeoutError("the answer never came (fault injected)")
            if fault == "error_after":
                return 502, {}, b"<html>Bad gateway</html>"
            if fault == "garbled" and self.rng.random() < 0.5:
                return 302, {"Location": "http://portal.example/login"}, b""
            if fault == "garbled":
                page = b"<html>Sign in to Wi-Fi</html>"
                headers = {"Content-Type": "text/html", "Content-Length": str(len(page))}
                return 200, headers, b"" if method == "HEAD" else page
            if fault == "restart_after":
                self.world.start()
                raise ConnectionResetError("the server went away (fault injected)")
            return answer

        return send

    def deliver(self, method, url, headers, body, heard: bool):
        """The request reaches the server; note what the phone hears of a push."""
        answer = self.world.serve(method, url, headers, body, 10)
        path = urlsplit(url).path
        if method in ("POST", "PUT") and path.startswith(("/api/v1/sync/push", "/api/v1/media")):
            self.delivered.append((method, url, headers, body))
        if heard and path == "/api/v1/sync/push":
            self.note_results(body, answer)
        return answer

    def note_results(self, body, answer):
        status, _, raw = answer
        if status != 200:
            return
        ops = json.loads(body)["operations"]
        for op, result in zip(ops, json.loads(raw)["results"], strict=True):
            self.heard.setdefault((op["op_id"], _hash(op)), []).append(result)

    def replay(self):
        """A request delivered earlier arrives again, late (a resent packet, a stale retry)."""
        if not self.delivered:
            return
        method, url, headers, body = self.rng.choice(self.delivered)
        self.log(f"  replay {method} {urlsplit(url).path}")
        self.deliver(method, url, headers, body, heard=False)


def _hash(op: dict) -> str:
    return content_hash(
        {
            "type": op["type"],
            "record_id": op.get("record_id"),
            "base_version": op.get("base_version"),
            "payload": op.get("payload", {}),
        }
    )


# -- the phones --------------------------------------------------------------------------------


@dataclass
class Queued:
    """An operation a phone queued, and what must become of it."""

    op: dict
    phone: "Phone"
    expect: str  # "stored" or "rejected"
    photos: list = field(default_factory=list)

    @property
    def op_id(self) -> str:
        return self.op["op_id"]


class Phone:
    """A field officer's phone: an Outbox folder and a Client behind the faulty network."""

    def __init__(self, username: str, folder: Path, world: World, network: Network):
        self.username = username
        self.outbox = Outbox(folder, durable=False)  # no power cuts here: fsync only costs
        login = Client(BASE_URL, transport=world.serve)
        login.login(username, PASSWORD, label=f"phone of {username}")
        self.outbox.save_state(server=BASE_URL, username=username, token=login.token)
        self.client = Client(BASE_URL, login.token, transport=network.transport(username))

    def held(self) -> list[dict]:
        """The cases on the phone, by id (so a seed replays the same choices)."""
        cases = []
        for path in self.outbox.cases.glob("*.json"):
            with contextlib.suppress(ValueError, OSError):
                cases.append(json.loads(path.read_text()))
        return sorted(cases, key=lambda c: c["id"])


# -- one schedule ------------------------------------------------------------------------------


class Schedule:
    """One seeded random walk of phones, network, server and office; then the checks."""

    STEPS = (
        ("queue", 36),
        ("push", 20),
        ("chaos", 7),
        ("pull", 8),
        ("photo_early", 5),
        ("replay", 5),
        ("restart", 2),
        ("intake", 9),
        ("supervisor", 10),
        ("clock", 2),
    )

    def __init__(self, seed: int, database_url: str, workdir: Path, verbose: bool = False):
        from fieldcheck.clock import FixedClock

        self.seed = seed
        self.rng = random.Random(seed)
        self.workdir = workdir
        self.verbose = verbose
        self.lines = []
        self.world = World(database_url, workdir / "media", FixedClock())
        self.network = Network(self.world, self.rng, self.say)
        self.queued: dict[str, Queued] = {}
        self.amended = set()  # returned visits an amendment was queued for
        self.photo_numbers = itertools.count(self.rng.randrange(2**30) * 2 + 1000)

    def say(self, line: str):
        self.lines.append(line)
        if self.verbose:
            print(line)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # Setting up ---------------------------------------------------------------------------

    def setup(self):
        from fieldcheck.cases import service
        from tests import factories

        with self.world.ctx():
            office = factories.office.__wrapped__()
            self.team = factories.team.__wrapped__(office)
            self.other_team = factories.team.__wrapped__(
                office, name="Timpora Garut", district_code="32.05"
            )
            self.intake = factories.user.__wrapped__("intake", "intake", office)
            self.supervisor = factories.user.__wrapped__("supervisor", "supervisor", office)
            officers = [
                factories.user.__wrapped__(f"field{i}", "field", office, self.team)
                for i in range(1, self.rng.choice((2, 3, 3)) + 1)
            ]
            if self.rng.random() < 0.5:  # a phone of the other team, which must see none of ours
                officers.append(
                    factories.user.__wrapped__("garut1", "field", office, self.other_team)
                )
            self.officers = {u.username: u for u in officers}
            self.office = office
            for _ in range(self.rng.randint(3, 6)):
                case = factories.case.__wrapped__(office_=office)
                officer = self.rng.choice(
                    [None, *[u for u in officers if u.team_id == self.team.id]]
                )
                service.assign(factories.actor(self.intake), case, self.team, officer)
        self.phones = [
            Phone(name, self.workdir / name, self.world, self.network) for name in self.officers
        ]

    # Steps --------------------------------------------------------------------------------

    def run(self, steps: int | None = None):
        self.setup()
        steps = steps or self.rng.randint(15, 40)
        names = [name for name, _ in self.STEPS]
        weights = [weight for _, weight in self.STEPS]
        for number in range(steps):
            step = self.rng.choices(names, weights)[0]
            phone = self.rng.choice(self.phones)
            self.say(f"{number:02d} {step} {phone.username}")
            getattr(self, f"step_{step}")(phone)
        self.drain()
        return self.check()

    def step_queue(self, phone: Phone):
        from tests import factories

        held = phone.held()
        if not held:
            return self.step_pull(phone)
        returned = [
            c
            for c in held
            if c["state"] == "returned"
            and c.get("returned")
            and c["returned"]["visit_id"] not in self.amended  # by any officer of the team
        ]
        if returned and self.rng.random() < 0.8:
            case = self.rng.choice(returned)
            original = case["returned"]["visit_id"]
            op = self.visit_op(case["id"], "visit.amend", case["version"], amends=original)
            self.amended.add(original)
            return self.queue(phone, op, "stored")
        case = self.rng.choice(held)
        roll = self.rng.random()
        if roll < 0.65:
            count = self.rng.choice((0, 0, 1, 2))
            photos = [factories.photo(next(self.photo_numbers)) for _ in range(count)]
            op = self.visit_op(case["id"], "visit.submit", photos=photos)
            return self.queue(phone, op, "stored", photos)
        if roll < 0.9:
            note = {"case_id": case["id"], "text": f"Catatan {self.rng.randrange(10**6)}"}
            return self.queue(phone, self.op("note.add", note), "stored")
        if roll < 0.95:  # what the server must refuse, whatever the network does
            op = self.visit_op(case["id"], "visit.submit", recommendation="maybe")
            return self.queue(phone, op, "rejected")
        return self.queue(
            phone, self.op("note.add", {"case_id": case["id"], "text": " "}), "rejected"
        )

    def op(self, kind, payload, base_version=None) -> dict:
        op = {"op_id": self.uuid(), "type": kind, "record_id": self.uuid(), "payload": payload}
        if base_version is not None:
            op["base_version"] = base_version
        return op

    def visit_op(self, case_id, kind, base_version=None, photos=(), **overrides):
        from tests import factories

        payload = factories.visit_payload(
            case_id, photos=[{"sha256": sha, "caption": "Rumah"} for _, sha in photos], **overrides
        )
        payload["family"] = [{**m, "uuid": self.uuid()} for m in payload["family"]]
        op = self.op(kind, payload, base_version)
        return op

    def queue(self, phone: Phone, op: dict, expect: str, photos=()):
        phone.outbox.add(op, photos=[data for data, _ in photos])
        self.queued[op["op_id"]] = Queued(op, phone, expect, [sha for _, sha in photos])
        self.say(f"  queued {op['type']} {op['op_id'][:8]} case {op['payload'].get('case_id')}")

    def step_push(self, phone: Phone):
        size = self.rng.choice((1, 2, 3, 5, 8, 100))
        report = phone.outbox.push_outbox(phone.client, batch_size=size)
        self.say(
            f"  push/{size}: +{report.sent} sent, {len(report.rejected)} rejected, "
            f"{report.kept} kept" + (f" ({report.error.message})" if report.error else "")
        )
        if self.rng.random() < 0.6:  # a sync: the phone pulls after it pushed
            self.step_pull(phone)

    def step_chaos(self, phone: Phone):
        """A buggy or impatient phone: some of its operations, any order, any batch; sometimes
        an operation it has stored already, sent again with other content."""
        from sync.store import OperationLog

        mine = [q.op for q in self.queued.values() if q.phone is phone]
        if not mine:
            return
        batch = self.rng.sample(mine, self.rng.randint(1, min(8, len(mine))))
        with self.world.ctx():
            stored = [
                op for op in batch if OperationLog.get_or_none(OperationLog.op_id == op["op_id"])
            ]
        if stored and self.rng.random() < 0.3:
            op = self.rng.choice(stored)
            payload = {**op["payload"], "text" if op["type"] == "note.add" else "assessment": "X"}
            batch.append({**op, "payload": payload})
        self.say(f"  chaos push of {len(batch)}")
        with contextlib.suppress(SyncError):
            phone.client.push(batch)

    def step_pull(self, phone: Phone):
        with contextlib.suppress(SyncError):
            report = phone.outbox.pull(phone.client, limit=self.rng.choice((2, 5, 500, 500)))
            self.say(f"  pulled to {report.cursor}: {report.cases} in, {report.removed} out")

    def step_photo_early(self, phone: Phone):
        waiting = sorted(p for p in phone.outbox.photos.glob("*") if p.is_file())
        if waiting:
            with contextlib.suppress(SyncError):
                phone.client.put_media(self.rng.choice(waiting))

    def step_replay(self, phone: Phone):
        self.network.replay()

    def step_restart(self, phone: Phone):
        self.world.start()

    def step_clock(self, phone: Phone):
        self.world.clock.advance(minutes=self.rng.randint(1, 180))

    def step_intake(self, phone: Phone):
        """The office moves cases on while phones are offline: new, re-assigned, cancelled."""
        from fieldcheck.cases import service
        from fieldcheck.models import Case
        from tests import factories

        with self.world.ctx():
            actor = factories.actor(self.intake)
            cases = list(Case.select().order_by(Case.id))
            movable = [c for c in cases if c.state in ("assigned", "in_field")]
            open_ = [c for c in cases if c.state not in ("verified", "refused", "cancelled")]
            ours = [u for u in self.officers.values() if u.team_id == self.team.id]
            roll = self.rng.random()
            if roll < 0.3 or not cases:
                case = factories.case.__wrapped__(office_=self.office)
                team = self.rng.choice((self.team, self.team, self.other_team))
                service.assign(actor, case, team)
                self.say(f"  intake: new case {case.id} to team {team.id}")
            elif roll < 0.7 and movable:
                case = self.rng.choice(movable)
                if case.team_id == self.team.id and self.rng.random() < 0.5:
                    team, officer = self.team, self.rng.choice(ours)
                else:
                    team = self.other_team if case.team_id == self.team.id else self.team
                    officer = None
                service.assign(actor, case, team, officer, reason="Pindah wilayah")
                self.say(f"  intake: case {case.id} to team {team.id}")
            elif open_:
                case = self.rng.choice(open_)
                service.cancel(actor, case, "Pemohon membatalkan")
                self.say(f"  intake: case {case.id} cancelled")

    def step_supervisor(self, phone: Phone):
        """The supervisor decides a submitted case, or returns it for correction."""
        from fieldcheck.cases import service
        from fieldcheck.models import Case, FieldVisit
        from tests import factories

        with self.world.ctx():
            waiting = list(Case.select().where(Case.state.in_(REVIEWABLE)).order_by(Case.id))
            if not waiting:
                return
            case = self.rng.choice(waiting)
            actor = factories.actor(self.supervisor)
            if case.state != "under_review":  # the registry check may have been skipped
                service.move(actor, case, "begin_review", reason=SKIP_REGISTRY)
            if self.rng.random() < 0.7:
                visit = (
                    FieldVisit.select()
                    .where((FieldVisit.case == case) & FieldVisit.flag.is_null())
                    .order_by(FieldVisit.id.desc())
                    .first()
                )
                visit.returned_comment = "Tambahkan NIK ibu."
                visit.save(only=[FieldVisit.returned_comment])
                service.move(actor, case, "return_for_correction", comment="Tambahkan NIK ibu.")
                self.say(f"  supervisor: case {case.id} returned ({visit.uuid[:8]})")
            else:
                service.move(actor, case, "verify")
                self.say(f"  supervisor: case {case.id} verified")

    # The end ------------------------------------------------------------------------------

    def drain(self):
        """The network heals: every phone sends until its outbox is empty, then pulls."""
        self.network.faulty = False
        self.say("drain")
        for phone in self.phones:
            for _ in range(3):
                report = phone.outbox.push_outbox(phone.client, batch_size=50)
                if report.error is not None:
                    raise ScheduleFailed(f"{phone.username}: push failed: {report.error.message}")
                if report.kept == 0:
                    break
        for phone in self.phones:  # after every push: what each phone holds is final
            phone.outbox.pull(phone.client)

    def check(self) -> dict:
        from fieldcheck.models import AuditEvent, Case, CaseNote, FieldVisit
        from sync.store import Media, MediaWait, OperationLog

        problems = []
        with self.world.ctx():
            logs = {row.op_id: row for row in OperationLog.select()}
            visits = {v.uuid: v for v in FieldVisit.select()}
            notes = {n.uuid: n for n in CaseNote.select()}
            media = {m.sha256 for m in Media.select()}
            waits = [(w.owner, w.sha256) for w in MediaWait.select()]
            audited = {}
            for event in AuditEvent.select().where(
                AuditEvent.action.in_(("visit.submit", "visit.amend", "note.add"))
            ):
                key = event.subject_id if event.action != "note.add" else None
                key = key or json.loads(event.details).get("note")
                audited[key] = audited.get(key, 0) + 1
            held = {}
            for username, officer in self.officers.items():
                held[username] = {
                    c.id: (c.state, c.version)
                    for c in Case.select().where(
                        (Case.team == officer.team_id) & Case.state.in_(ON_PHONE)
                    )
                }

        stored = {q.op_id: q for q in self.queued.values() if q.expect == "stored"}
        for q in self.queued.values():
            problems += self.check_op(q, logs.get(q.op_id), visits, notes, audited)
        if extra := set(logs) - set(stored):
            problems.append(f"operations logged that no phone queued to be stored: {extra}")
        queued_visits = {q.op["record_id"] for q in stored.values() if q.op["type"] in VISIT_TYPES}
        queued_notes = {q.op["record_id"] for q in stored.values() if q.op["type"] == "note.add"}
        if set(visits) != queued_visits:
            problems.append(f"visits stored {len(visits)} != queued {len(queued_visits)}")
        if set(notes) != queued_notes:
            problems.append(f"notes stored {len(notes)} != queued {len(queued_notes)}")
        problems += self.check_heard(logs)
        for uuid_, visit in visits.items():
            named = {p["sha256"] for p in json.loads(visit.photos)}
            if named - media:
                problems.append(f"visit {uuid_}: photos never arrived: {named - media}")
            elif visit.status != "complete":
                problems.append(f"visit {uuid_} is {visit.status} though all its photos arrived")
        if waits:
            problems.append(f"media waits left though every photo arrived: {waits}")
        for phone in self.phones:
            mine = {c["id"]: (c["state"], c["version"]) for c in phone.held()}
            if mine != held[phone.username]:
                problems.append(
                    f"{phone.username} holds {mine} after a full pull; the server says "
                    f"{held[phone.username]}"
                )
        if problems:
            raise ScheduleFailed(self.report(problems))
        kinds = {}
        for q in self.queued.values():
            kind = q.op["type"] if q.expect == "stored" else "refused"
            kinds[kind] = kinds.get(kind, 0) + 1
        return {
            "operations": len(self.queued),
            "stored": len(stored),
            "kinds": kinds,
            "conflicts": sum(log.status == "conflict" for log in logs.values()),
            "faults": {k: v for k, v in self.network.faults.items() if k != "ok" and v},
            "restarts": self.world.restarts,
        }

    def check_op(self, q: Queued, log, visits, notes, audited) -> list[str]:
        op, kind = q.op, q.op["type"]
        records = visits if kind in VISIT_TYPES else notes
        where = q.phone.outbox.find(q.op_id)
        folder = where[0] if where else None
        name = f"{kind} {q.op_id} of {q.phone.username}"
        if q.expect == "rejected":
            problems = []
            if log is not None or op["record_id"] in records:
                problems.append(f"{name} should have been refused but was stored")
            if folder != "rejected":
                problems.append(f"{name} should be in rejected/, is in {folder}")
            return problems
        if log is None:
            return [f"{name} was lost: never stored (the phone has it in {folder}/)"]
        problems = []
        if log.status not in ("applied", "conflict"):
            problems.append(f"{name} logged as {log.status}")
        if log.content_hash != _hash(op):
            problems.append(f"{name} stored with other content than queued")
        record = records.get(op["record_id"])
        if record is None:
            problems.append(f"{name} logged but its record {op['record_id']} is missing")
        elif kind in VISIT_TYPES and record.op_id != q.op_id:
            problems.append(f"{name}: visit {record.uuid} came from op {record.op_id}")
        if audited.get(op["record_id"], 0) != 1:
            problems.append(f"{name}: audited {audited.get(op['record_id'], 0)} times, not once")
        if folder != "sent":
            problems.append(f"{name} is stored but the phone has it in {folder}/")
        else:
            result = json.loads((q.phone.outbox.sent / f"{q.op_id}.result.json").read_text())
            first = result.get("first", result["status"])
            if first != log.status:
                problems.append(f"{name}: the phone filed {result}, the log says {log.status}")
        return problems

    def check_heard(self, logs) -> list[str]:
        """No operation has two outcomes: whatever a phone heard, at any time, agrees."""
        problems = []
        for (op_id, digest), results in self.network.heard.items():
            q = self.queued.get(op_id)
            if q is None:
                problems.append(f"results heard for an op no phone queued: {op_id}")
                continue
            if digest != _hash(q.op):  # the same op id with other content
                bad = [r for r in results if r.get("code") != "op_id_reused"]
                if bad:
                    problems.append(f"{op_id} resent with other content was answered {bad}")
                continue
            outcomes = set()
            for r in results:
                if r["status"] == "duplicate":
                    outcomes.add((r["first"], json.dumps(r["result"], sort_keys=True)))
                elif r["status"] in ("applied", "conflict"):
                    outcomes.add((r["status"], json.dumps(r.get("result"), sort_keys=True)))
                else:
                    outcomes.add((r["status"], r.get("code")))
            applied = [r for r in results if r["status"] in ("applied", "conflict")]
            if len(outcomes) > 1 or len(applied) > 1:
                problems.append(f"{op_id} has two outcomes: {results}")
            log = logs.get(op_id)
            if log is not None and outcomes and next(iter(outcomes))[0] != log.status:
                problems.append(f"{op_id} was heard as {outcomes}, logged as {log.status}")
        return problems

    def report(self, problems) -> str:
        return (
            f"fault schedule {self.seed} failed; reproduce with FIELDCHECK_FAULT_SEED={self.seed} "
            f"FIELDCHECK_FAULT_SCHEDULES=1\n"
            + "\n".join(f"  - {p}" for p in problems[:25])
            + "\nlast steps:\n"
            + "\n".join(self.lines[-60:])
        )


# -- a real server, for races -------------------------------------------------------------------


@contextlib.contextmanager
def serve(app, media_root):
    """The app over real HTTP on a free port, a thread per request (photos in media_root)."""
    import threading

    from werkzeug.serving import make_server

    from sync.media import FileStorage

    app.extensions["media"] = FileStorage(media_root)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class Gate:
    """Holds a push inside its transaction: the first operation any push applies waits there
    (applied, not committed) until `release()` or `hold` seconds, so that another request can
    be made to meet it. Installed on the app's handler registry with monkeypatch."""

    def __init__(self, monkeypatch, handlers, hold: float = 20):
        import threading

        self.applied = threading.Event()
        self.released = threading.Event()
        self.hold = hold
        original = handlers.get

        def get(kind):
            handler = original(kind)
            if handler is None:
                return None

            def held(op, ctx, engine):
                outcome = handler(op, ctx, engine)
                if not self.applied.is_set():
                    self.applied.set()
                    self.released.wait(self.hold)
                return outcome

            return held

        monkeypatch.setattr(handlers, "get", get)

    def release(self):
        self.released.set()


# -- many schedules ----------------------------------------------------------------------------


def empty_tables():
    """Remove every row (the schema stays), as the test fixtures do between tests."""
    import sync.store
    from fieldcheck.db import database
    from fieldcheck.models import MODELS

    tables = [m._meta.table_name for m in (*sync.store.TABLES, *reversed(MODELS))]
    database.connect(reuse_if_open=True)
    try:  # DELETE, not TRUNCATE: on PostgreSQL that makes new files for each table, each time
        with database.atomic():
            for table in tables:
                database.execute_sql(f'DELETE FROM "{table}"')  # noqa: S608  (our own tables)
    finally:
        database.close()


def _keep_open(database_url: str):
    """For SQLite, one connection held open for the run: the app closes its connection after
    each request, and the last one closed checkpoints the WAL (a disk flush) every time."""
    if not database_url.startswith("sqlite:///"):
        return None
    import sqlite3

    keeper = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the WAL
    return keeper


def run_schedules(
    count: int, seed: int, database_url: str | None = None, workdir=None, progress=None
) -> dict:
    """Run `count` schedules with seeds seed, seed+1, ... and return totals; raise
    ScheduleFailed naming the first failing seed.

    `database_url` is a migrated, disposable database, emptied before each schedule (every
    table: never point it at data you keep); without one, a SQLite file in a temporary folder.
    `progress(done, seed, summary)` is called after each schedule (for a benchmark's output).
    """
    from fieldcheck import migrations
    from fieldcheck.db import open_database, sqlite_url
    from tests import factories

    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="fc-faults-"))
        if database_url is None:
            database_url = sqlite_url(Path(workdir) / "faults.db")
            db = open_database(database_url)
            migrations.upgrade(db)
            db.close()
        totals = {
            "schedules": 0,
            "operations": 0,
            "stored": 0,
            "conflicts": 0,
            "restarts": 0,
            "kinds": {},
            "faults": {},
        }
        previous = factories._app
        started = time.perf_counter()
        keeper = _keep_open(database_url)
        try:
            for number in range(count):
                this = seed + number
                folder = Path(workdir) / f"schedule-{this}"
                folder.mkdir(parents=True)
                schedule = Schedule(this, database_url, folder)
                empty_tables()
                try:
                    summary = schedule.run()
                except ScheduleFailed:
                    raise
                except Exception as error:
                    raise ScheduleFailed(
                        schedule.report([f"{type(error).__name__}: {error}"])
                    ) from error
                for key in ("operations", "stored", "restarts", "conflicts"):
                    totals[key] += summary[key]
                totals["schedules"] += 1
                for group in ("kinds", "faults"):
                    for name, n in summary[group].items():
                        totals[group][name] = totals[group].get(name, 0) + n
                if progress:
                    progress(number + 1, this, summary)
        finally:
            factories.bind(previous)
            empty_tables()
            if keeper is not None:
                keeper.close()
        totals["seconds"] = round(time.perf_counter() - started, 1)
        return totals


def main(argv=None) -> int:
    """`python -m tests.sync_faults [--schedules N] [--seed S] [--database-url URL]`."""
    parser = argparse.ArgumentParser(prog="python -m tests.sync_faults", description=__doc__)
    parser.add_argument("--schedules", type=int, default=schedule_count(1000))
    parser.add_argument("--seed", type=int, default=base_seed())
    parser.add_argument(
        "--database-url", help="a migrated, disposable database: emptied! (default: SQLite)"
    )
    args = parser.parse_args(argv)
    where = (args.database_url or "sqlite").split(":")[0]
    print(f"{args.schedules} fault schedules from seed {args.seed} on {where}")
    try:
        totals = run_schedules(
            args.schedules,
            args.seed,
            args.database_url,
            progress=lambda n, s, _: n % 100 == 0 and print(f"  {n} done (seed {s})", flush=True),
        )
    except ScheduleFailed as failure:
        print(failure, file=sys.stderr)
        return 1
    print(json.dumps(totals, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
