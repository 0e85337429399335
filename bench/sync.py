"""Sync: 10,000 field submissions pushed through the API, pushed again, and a phone's full pull.

Data: a fresh database at the latest schema (fieldcheck.migrations.upgrade) with the demo
regions, one office, two district teams, an intake clerk, OFFICERS field officers in the first
team and one in the second (passwords hashed with a cheap scrypt: the bench times sync, not
sign-in). The first team holds OPS + PROFILE_OPS assigned cases, the second PULL_CASES: one case
made by service.create_case and assigned by service.assign (findings, risk, audit events, change
feed), the rest copies of its row written by Case.insert_many in batches, already assigned, with
their change-feed entries (sync_change) written by insert_many too, as service.assign records
them, so the visit.submit handler takes them for the team's.

Ingest: OPS `visit.submit` operations (tests.factories.visit_payload with FAMILY family members,
two of them with a NIK, and the recruiter's phone one of RECRUITERS numbers: visit_payload's one
number for all would make every submission count all earlier ones for the "recruiter seen in
other cases" signal), every one for its own case, pushed BATCH a request to POST
/api/v1/sync/push through the app's test client (the full WSGI stack: bearer-token sign-in,
JSON, the engine, the handlers, audit sealing in teardown every AUDIT_SEAL_INTERVAL as shipped;
no socket, so no network noise), each batch by the officer the cases are assigned to. Bodies
are encoded before the clock starts. Every result must be `applied`, every case must have moved
on from `assigned`. Then the very same batches again (replay): every result `duplicate`, nothing
stored. This process's CPU seconds are shown beside the wall time: they hold up better when the
machine is busy with other work.

Baseline: the rows the ingest stores for the submissions alone, FieldVisit and FamilyMember, as
the handler would store them, by peewee `insert_many` (FieldVisit ... RETURNING id, then its
members), BATCH visits a transaction, into a fresh database of the same kind, seeded the same
way (same schema, indexes, foreign keys, cases). The ratio is the ingest's throughput over it.

Pull: GET /api/v1/sync/pull?limit=PULL_CASES for the second team's officer, a full download of
its PULL_CASES assigned cases in one response, after the ingest (the database then holds every
case and visit above); the median of --runs requests.

Profile: two more batches of BATCH new submissions (the PROFILE_OPS spare cases), each sealing
its own audit events (its share of the periodic seal): one with its SQL timed by statement
(peewee's query hooks), one under cProfile, then that one again (duplicates) under cProfile.
Printed unless FIELDCHECK_BENCH_PROFILE=0; the pstats files are saved in
FIELDCHECK_BENCH_PROFILE_DIR when that is set (`python -m pstats FILE`).

The ingest, replay and baseline are timed once per backend (10,000 operations are 100
requests: one pass is already an average over them), whatever --runs says. The first push takes
most of the bench's time; FIELDCHECK_BENCH_SYNC_OPS=2000 (say) gives a quicker look, though the
per-submission cost of a fuller database is then not seen.
"""

import cProfile
import gc
import json
import os
import pstats
import random
import re
import time
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import bench
from bench import BenchError, Result, Row, progress

OPS_ENV = "FIELDCHECK_BENCH_SYNC_OPS"  # fewer submissions for a quick look (a multiple of BATCH)
OPS = int(os.environ.get(OPS_ENV) or 10_000)
BATCH = 100
FAMILY = 6
OFFICERS = 10
PULL_CASES = 1_000
PROFILE_OPS = 2 * BATCH  # spare cases: a batch timed by statement, a batch under cProfile
RECRUITERS = 500  # distinct recruiter phone numbers over the submissions (see operations)
CASE_BATCH = 500  # rows a Case.insert_many (37 columns: below SQLite's 32,766 variables)
TARGET_OF_RAW = 0.40  # ingest throughput / baseline throughput, at least
TARGET_REPLAY = 5.0  # replay at least this many times faster than the first apply
TARGET_PULL = 1.0  # seconds, at most
PASSWORD = "bench-sync-password"  # noqa: S105  (a throwaway account in a scratch database)
CHEAP_HASH = "scrypt:1024:8:1"
SEED = 20_261_102
PUSH = "/api/v1/sync/push"
PULL = f"/api/v1/sync/pull?limit={PULL_CASES}"
PROFILE_ENV = "FIELDCHECK_BENCH_PROFILE"
PROFILE_DIR_ENV = "FIELDCHECK_BENCH_PROFILE_DIR"
PROFILE_TOP = 18

TITLE = (
    f"{OPS:,} visit.submit pushed ({BATCH} a request) and pushed again, a full pull of "
    f"{PULL_CASES:,} cases"
)

REPO = Path(__file__).resolve().parent.parent


# The app -----------------------------------------------------------------------------------------


def make_app(url: str, workdir: Path):
    """The app on a fresh database brought to the latest schema; the shipped defaults but a
    cheap password hash (and no sign-in limits in the way of OFFICERS token requests)."""
    from fieldcheck import create_app, migrations
    from fieldcheck.db import open_database

    close_database()
    db = open_database(url)
    migrations.upgrade(db)
    db.close()
    with bench.instance_path(workdir):
        return create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench-sync-secret",
                "PASSWORD_HASH_METHOD": CHEAP_HASH,
                "MEDIA_ROOT": str(workdir / "media"),
                "LOGIN_LIMIT_PER_USERNAME": "1000 per minute",
                "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
            }
        )


def close_database():
    from fieldcheck.db import database

    if database.obj is not None and not database.is_closed():
        database.close()


# The data ----------------------------------------------------------------------------------------


class Seeded:
    """What seed() made: the officers (usernames), the case ids of each team."""

    def __init__(self, officers, puller, field_cases, pull_cases, officer_ids, team_id):
        self.officers = officers  # usernames, OFFICERS of them, in the first team
        self.puller = puller  # username of the second team's officer
        self.field_cases = field_cases  # OPS + PROFILE_OPS case ids, the first team's
        self.pull_cases = pull_cases  # PULL_CASES case ids, the second team's
        self.officer_ids = officer_ids  # username -> user id
        self.team_id = team_id


def officer_of(index: int) -> int:
    """Which officer (0..OFFICERS-1) holds the index-th case of the first team: a batch each."""
    return (index // BATCH) % OFFICERS


def seed(app) -> Seeded:
    """Office, teams, users and assigned cases (see the module docstring)."""
    from playhouse.shortcuts import model_to_dict

    from fieldcheck import accounts
    from fieldcheck.cases import service
    from fieldcheck.clock import utcnow
    from fieldcheck.db import database
    from fieldcheck.demo import ensure_demo_regions
    from fieldcheck.domain import case_states
    from fieldcheck.domain.identity import encode_nik
    from fieldcheck.models import Case
    from fieldcheck.sync_handlers import team_scope
    from sync.store import Change
    from tests.factories import CASE_DEFAULTS

    with app.app_context():
        database.connect(reuse_if_open=True)
        now = utcnow()
        system = accounts.Actor(None, now, "bench")
        ensure_demo_regions()
        office = accounts.create_office(
            system,
            code="KANIM-BDG",
            name="Kantor Imigrasi Bandung",
            time_zone="WIB",
            region_codes=["32.04", "32.05"],
        )
        field_team = accounts.save_team(
            system, None, office=office, name="Timpora Kabupaten Bandung", district_code="32.04"
        )
        pull_team = accounts.save_team(
            system, None, office=office, name="Timpora Kabupaten Garut", district_code="32.05"
        )

        def user(username, role, team=None):
            return accounts.create_user(
                system,
                username=username,
                name=username.title(),
                role=role,
                password=PASSWORD,
                office=office,
                team=team,
                must_change_password=False,
            )

        intake = user("intake", "intake")
        officers = [user(f"field{i:02d}", "field", field_team) for i in range(OFFICERS)]
        puller = user("pull01", "field", pull_team)

        # One case the way intake makes it and assigns it; the others copies of its row.
        data = dict(CASE_DEFAULTS)
        data["application_date"] = now.date()
        data["birth_date"] = date(1999, 3, 5)
        data["application_number"] = "2026-BDG-000001"
        data["nik"] = encode_nik("32.04.12", data["sex"], data["birth_date"], 1)
        clerk = accounts.Actor(intake, now, "bench")
        first = service.create_case(clerk, office, data)
        service.assign(clerk, first, field_team, officers[0])
        first = Case.get_by_id(first.id)
        row = model_to_dict(first, recurse=False, exclude=[Case.id])

        field_total = OPS + PROFILE_OPS
        wanted = [(field_team, officers[officer_of(i)]) for i in range(1, field_total)]
        wanted += [(pull_team, puller)] * PULL_CASES
        rows = []
        for n, (team, officer) in enumerate(wanted, start=2):
            born = data["birth_date"] - timedelta(days=n // 9999)
            rows.append(
                {
                    **row,
                    "application_number": f"2026-BDG-{n:06d}",
                    "nik": encode_nik("32.04.12", data["sex"], born, n % 9999 + 1),
                    "birth_date": born,
                    "state": case_states.ASSIGNED,
                    "team": team.id,
                    "officer": officer.id,
                    "version": first.version,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        ids = []
        with database.atomic():
            for start in range(0, len(rows), CASE_BATCH):
                query = Case.insert_many(rows[start : start + CASE_BATCH]).returning(Case.id)
                ids += [i for (i,) in query.tuples().execute()]
            feed = [
                {
                    "scope": team_scope(team.id),
                    "entity": "case",
                    "entity_id": str(case_id),
                    "at": now,
                }
                for case_id, (team, _) in zip(ids, wanted, strict=True)
            ]
            for start in range(0, len(feed), CASE_BATCH):
                Change.insert_many(feed[start : start + CASE_BATCH]).execute()
        if bench_is_postgres():
            database.execute_sql("ANALYZE")
        seeded = Seeded(
            officers=[o.username for o in officers],
            puller=puller.username,
            field_cases=[first.id, *ids[: field_total - 1]],
            pull_cases=ids[field_total - 1 :],
            officer_ids={u.username: u.id for u in [*officers, puller]},
            team_id=field_team.id,
        )
    return seeded


def bench_is_postgres() -> bool:
    from fieldcheck.db import is_postgres

    return is_postgres()


RELATIVES = (
    ("father", "M", 1970, "Ujang Suryana"),
    ("mother", "F", 1975, "Euis Sumarni"),
    ("sibling", "M", 2001, "Dede Kurniawan"),
    ("sibling", "F", 2005, "Neng Rahayu"),
    ("grandparent", "F", 1950, "Enok Sukmana"),
    ("other_relative", "M", 1980, "Asep Hidayat"),
)


def family(rng: random.Random, n: int) -> list[dict]:
    """n family members, as a phone sends them: parents with their NIK and card relation."""
    from fieldcheck.domain.identity import encode_nik

    members = []
    for i in range(n):
        relation, sex, year, name = RELATIVES[i % len(RELATIVES)]
        born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        member = {
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "relation": relation,
            "name": name,
            "birth_date": born.isoformat(),
            "alive": True,
            "present": rng.random() < 0.5,
        }
        if relation in ("father", "mother"):
            member["nik"] = encode_nik("32.04.12", sex, born, rng.randint(1, 9999))
            member["kk_relation"] = "head" if relation == "father" else "wife"
        members.append(member)
    return members


def operations(case_ids: list[int], visited_at: str, seed_: int) -> list[dict]:
    """One visit.submit operation per case, each its own op id, record id and family.

    The recruiter's phone is one of RECRUITERS numbers, not visit_payload's one number for
    all: a recruiter seen in other cases is a risk signal, and the handler counts those cases.
    """
    from tests.factories import visit_payload

    rng = random.Random(seed_)

    def new_uuid():
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    ops = []
    for case_id in case_ids:
        payload = visit_payload(case_id, visited_at=visited_at, family=family(rng, FAMILY))
        payload["interview"]["recruiter_phone"] = f"+85512{rng.randrange(RECRUITERS):06d}"
        ops.append(
            {
                "op_id": new_uuid(),
                "type": "visit.submit",
                "record_id": new_uuid(),
                "created_at": visited_at,
                "payload": payload,
            }
        )
    return ops


def batches(ops: list[dict], first_index: int = 0) -> list[tuple[int, list[dict]]]:
    """The operations BATCH at a time, each with the officer who holds their cases."""
    out = []
    for start in range(0, len(ops), BATCH):
        out.append((officer_of(first_index + start), ops[start : start + BATCH]))
    return out


def encode(batch_ops: list[dict]) -> bytes:
    return json.dumps({"version": 1, "device": "bench", "operations": batch_ops}).encode()


# FieldCheck's way: the API ------------------------------------------------------------------------


def token(client, username: str) -> dict:
    """A device token for the officer, by POST /api/v1/auth/token as a phone gets one."""
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "label": "bench"}
    )
    if response.status_code != 201:
        raise BenchError(f"no token for {username}: {response.status_code} {response.get_data()}")
    return {"Authorization": f"Bearer {response.json['token']}"}


class SealTimer:
    """Times fieldcheck.audit.seal, which the app calls in teardown every AUDIT_SEAL_INTERVAL."""

    def __init__(self):
        self.seconds = 0.0
        self.calls = 0
        self.sealed = 0

    @contextmanager
    def watching(self):
        from fieldcheck import audit

        original = audit.seal

        def timed_seal(*args, **kwargs):
            start = time.perf_counter()
            try:
                count = original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
            self.sealed += count or 0
            return count

        audit.seal = timed_seal
        try:
            yield self
        finally:
            audit.seal = original


def push_all(client, requests: list[tuple[dict, bytes]]):
    """POST every body in turn: (seconds, this process's CPU seconds, responses)."""
    gc.collect()
    responses = []
    start, cpu = time.perf_counter(), time.process_time()
    for headers, body in requests:
        responses.append(
            client.post(PUSH, data=body, headers=headers, content_type="application/json")
        )
    return time.perf_counter() - start, time.process_time() - cpu, responses


def results_of(responses) -> list[dict]:
    results = []
    for response in responses:
        if response.status_code != 200:
            raise BenchError(f"push answered {response.status_code}: {response.get_data()[:500]}")
        results += response.json["results"]
    return results


def check_statuses(results: list[dict], expected: str, what: str, count: int):
    statuses = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    if statuses != {expected: count}:
        first_other = next((r for r in results if r["status"] != expected), None)
        raise BenchError(f"{what}: statuses {statuses}, not {count} {expected}; {first_other}")


def count_rows(app, team_id: int) -> tuple[int, int, int]:
    """(FieldVisit rows, FamilyMember rows, the first team's cases no longer `assigned`)."""
    from fieldcheck.db import database
    from fieldcheck.models import Case, FamilyMember, FieldVisit

    with app.app_context():
        database.connect(reuse_if_open=True)
        return (
            FieldVisit.select().count(),
            FamilyMember.select().count(),
            Case.select().where((Case.team == team_id) & (Case.state != "assigned")).count(),
        )


def statement_shape(sql: str) -> str:
    """A statement without its column lists and savepoint names: what it does, to which table."""
    sql = re.sub(r'"s[0-9a-f]{32}"', "S", sql)
    sql = re.sub(r"^(INSERT INTO \S+) \(.*", r"\1", sql, flags=re.S)
    sql = re.sub(r"^(UPDATE \S+) SET .*?( WHERE .*)?$", r"\1 SET ...\2", sql, flags=re.S)
    sql = re.sub(r'SELECT (DISTINCT )?"t1"\."\w+"(, "t\d"\."\w+")* FROM', r"SELECT \1... FROM", sql)
    sql = re.sub(r"\((%s|\?)(, (%s|\?))+\)", "(...)", sql)
    return sql if len(sql) <= 110 else sql[:107] + "..."


class StatementTimer:
    """The SQL statements peewee runs and their time in the driver (peewee's query hooks,
    around cursor.execute), by statement shape."""

    def __init__(self):
        self.shapes = {}  # shape -> [count, seconds]

    @property
    def count(self) -> int:
        return sum(n for n, _ in self.shapes.values())

    @property
    def seconds(self) -> float:
        return sum(t for _, t in self.shapes.values())

    def hook(self, event):
        entry = self.shapes.setdefault(statement_shape(event.sql), [0, 0.0])
        entry[0] += 1
        entry[1] += event.duration

    @contextmanager
    def timing(self):
        from fieldcheck.db import database

        hooks = getattr(database.obj, "query_hooks", None)
        if hooks is None:  # peewee before 4: no hooks, no statement figures
            yield self
            return
        hooks.append(self.hook)
        try:
            yield self
        finally:
            hooks.remove(self.hook)


@contextmanager
def sealing_each_request(app):
    """Seal what is pending, then seal after each request: a profiled push then pays for
    sealing its own audit events, its share of the every-AUDIT_SEAL_INTERVAL seal."""
    from fieldcheck import audit
    from fieldcheck.db import database

    with app.app_context():
        database.connect(reuse_if_open=True)
        while audit.seal():
            pass
    interval = app.config["AUDIT_SEAL_INTERVAL"]
    app.config["AUDIT_SEAL_INTERVAL"] = 0
    try:
        yield
    finally:
        app.config["AUDIT_SEAL_INTERVAL"] = interval


def fieldcheck_run(ctx: bench.Context, backend: str) -> dict:
    """Seed, push OPS submissions, push them again, pull PULL_CASES, profile one batch."""
    from fieldcheck.clock import utcnow

    url = backend_url(ctx, backend, "fieldcheck")
    app = make_app(url, ctx.workdir / f"instance-{backend}")
    progress(f"{backend}: seeding {OPS + PROFILE_OPS + PULL_CASES:,} cases")
    seeded = seed(app)
    client = app.test_client()
    headers = {name: token(client, name) for name in [*seeded.officers, seeded.puller]}
    with app.app_context():
        visited_at = (utcnow() - timedelta(days=1)).isoformat()
    ops = operations(seeded.field_cases[:OPS], visited_at, SEED)
    requests = [(headers[seeded.officers[o]], encode(b)) for o, b in batches(ops)]
    figures = {"request_bytes": sum(len(body) for _, body in requests)}

    progress(f"{backend}: pushing {OPS:,} submissions, {BATCH} a request")
    with SealTimer().watching() as seals:
        figures["apply"], figures["apply_cpu"], responses = push_all(client, requests)
    figures["apply_seal"], figures["apply_sealed"] = seals.seconds, seals.sealed
    check_statuses(results_of(responses), "applied", "first push", OPS)
    stored = count_rows(app, seeded.team_id)
    if stored != (OPS, OPS * FAMILY, OPS):
        raise BenchError(
            f"after the push: {stored[0]} visits, {stored[1]} family members, {stored[2]} cases "
            f"moved on from assigned; expected {OPS}, {OPS * FAMILY}, {OPS}"
        )

    progress(f"{backend}: pushing the same {OPS:,} again (all duplicates)")
    with SealTimer().watching() as seals:
        figures["replay"], figures["replay_cpu"], responses = push_all(client, requests)
    figures["replay_seal"], figures["replay_sealed"] = seals.seconds, seals.sealed
    check_statuses(results_of(responses), "duplicate", "replay", OPS)
    if count_rows(app, seeded.team_id) != stored:
        raise BenchError(f"the replay changed the data: {count_rows(app, seeded.team_id)}")
    del responses, requests

    progress(f"{backend}: pulling {PULL_CASES:,} cases, {ctx.runs} time(s)")
    pulls = []
    for _ in range(ctx.runs):
        gc.collect()
        start = time.perf_counter()
        response = client.get(PULL, headers=headers[seeded.puller])
        pulls.append(time.perf_counter() - start)
        body = response.get_data()
        if response.status_code != 200:
            raise BenchError(f"pull answered {response.status_code}: {body[:500]}")
        got = response.json
        if len(got["cases"]) != PULL_CASES or got["more"]:
            raise BenchError(f"pull gave {len(got['cases'])} cases, more={got['more']}")
    figures["pull"], figures["pull_first"] = bench.median(pulls), pulls[0]
    figures["pull_bytes"] = len(body)

    progress(f"{backend}: one more batch of {BATCH} timed by statement, one under cProfile")
    spare = operations(seeded.field_cases[OPS:], visited_at, SEED + 1)
    officer = headers[seeded.officers[officer_of(OPS)]]
    timed_body, profiled_body = encode(spare[:BATCH]), encode(spare[BATCH:])
    with sealing_each_request(app):
        figures["sql"] = measure_batch(client, officer, timed_body, "applied")
        figures["profile"] = measure_batch(client, officer, profiled_body, "applied", backend)
        figures["profile_replay"] = measure_batch(
            client, officer, profiled_body, "duplicate", backend
        )
    close_database()
    return figures


def measure_batch(client, headers, body: bytes, expected: str, profile_as=None) -> dict:
    """One push of BATCH operations, its SQL timed by statement; under cProfile if profile_as
    (the backend) is given, the profile saved in FIELDCHECK_BENCH_PROFILE_DIR if set."""
    profiler = cProfile.Profile() if profile_as else None
    statements = StatementTimer()
    gc.collect()
    with statements.timing():
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        response = client.post(PUSH, data=body, headers=headers, content_type="application/json")
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
    check_statuses(results_of([response]), expected, "the extra batch", BATCH)
    figures = {"seconds": seconds, "statements": statements, "stats": None}
    if profiler:
        directory = os.environ.get(PROFILE_DIR_ENV)
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            name = f"sync-{profile_as}-{'replay' if expected == 'duplicate' else 'apply'}.prof"
            profiler.dump_stats(str(Path(directory) / name))
        figures["stats"] = pstats.Stats(profiler)
    return figures


# The baseline: peewee insert_many ----------------------------------------------------------------


def visit_rows(ops: list[dict], seeded: Seeded, now) -> list[tuple[dict, list[dict]]]:
    """(FieldVisit row, its FamilyMember rows without the visit id) per operation, as the
    visit.submit handler stores them (from the payload validate_visit cleans)."""
    from fieldcheck.domain import visits
    from fieldcheck.sync_handlers import member_rows

    rows = []
    for index, op in enumerate(ops):
        clean = visits.validate_visit(op["payload"], now=now).clean
        household, gps, interview = clean["household"], clean["gps"], clean["interview"]
        visit = {
            "uuid": op["record_id"],
            "case": clean["case_id"],
            "officer": seeded.officer_ids[seeded.officers[officer_of(index)]],
            "op_id": op["op_id"],
            "amends": None,
            "base_version": None,
            "status": "complete",
            "flag": None,
            "flag_reason": None,
            "visited_at": clean["visited_at"],
            "received_at": now,
            "address_found": household["address_found"],
            "met_name": household.get("met_name"),
            "met_relation": household.get("met_relation"),
            "applicant_lives_there": household.get("applicant_lives_there"),
            "household_aware_of_trip": household.get("aware_of_trip"),
            "household_purpose_matches": household.get("purpose_matches"),
            "household_account": household.get("account") or "",
            "living_conditions": household.get("living_conditions") or "",
            "gps_status": gps["status"],
            "gps_lat": gps.get("lat"),
            "gps_lon": gps.get("lon"),
            "gps_accuracy_m": gps.get("accuracy_m"),
            "interview": json.dumps(interview, default=str, sort_keys=True),
            "recruiter_phone": interview.get("recruiter_phone"),
            "recruiter_name": interview.get("recruiter_name"),
            "photos": json.dumps(clean.get("photos", [])),
            "assessment": clean.get("assessment") or "",
            "recommendation": clean["recommendation"],
        }
        rows.append((visit, member_rows(clean)))  # the very rows the handler stores
    return rows


def insert_all(rows: list[tuple[dict, list[dict]]]) -> tuple[float, float]:
    """insert_many BATCH visits and their members a transaction: (seconds, CPU seconds)."""
    from fieldcheck.db import database
    from fieldcheck.models import FamilyMember, FieldVisit

    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for first in range(0, len(rows), BATCH):
        chunk = rows[first : first + BATCH]
        with database.atomic():
            query = FieldVisit.insert_many([v for v, _ in chunk]).returning(FieldVisit.id)
            ids = [i for (i,) in query.tuples().execute()]
            FamilyMember.insert_many(
                [
                    {**m, "visit": visit_id}
                    for visit_id, (_, members) in zip(ids, chunk, strict=True)
                    for m in members
                ]
            ).execute()
    return time.perf_counter() - start, time.process_time() - cpu


def baseline_run(ctx: bench.Context, backend: str) -> dict:
    from fieldcheck.clock import utcnow
    from fieldcheck.db import database

    url = backend_url(ctx, backend, "baseline")
    app = make_app(url, ctx.workdir / f"instance-{backend}-baseline")
    progress(f"{backend} baseline: seeding {OPS + PROFILE_OPS + PULL_CASES:,} cases")
    seeded = seed(app)
    with app.app_context():
        now = utcnow()
        visited_at = (now - timedelta(days=1)).isoformat()
        rows = visit_rows(operations(seeded.field_cases[:OPS], visited_at, SEED), seeded, now)
        database.connect(reuse_if_open=True)
        progress(f"{backend} baseline: insert_many of {OPS:,} visits, {BATCH} a transaction")
        seconds, cpu = insert_all(rows)
    visits, members, _ = count_rows(app, seeded.team_id)
    if (visits, members) != (OPS, OPS * FAMILY):
        raise BenchError(f"the baseline stored {visits} visits and {members} family members")
    close_database()
    return {"insert": seconds, "insert_cpu": cpu}


def backend_url(ctx: bench.Context, backend: str, stem: str) -> str:
    from fieldcheck.db import sqlite_url

    close_database()
    if backend == "sqlite":
        return sqlite_url(ctx.sqlite_path(f"sync-{stem}"))
    return ctx.fresh_postgres()


# The report --------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISS"


def statement_lines(backend: str, batch: dict, label: str, top: int) -> list[str]:
    """A push of BATCH: its time, its statements, the ones that took longest in the driver."""
    timer = batch["statements"]
    lines = [
        f"{backend}: one push of {BATCH} {label}: {bench.format_seconds(batch['seconds'])}"
        f"{' under cProfile' if batch['stats'] else ''}; {timer.count:,} SQL statements "
        f"({timer.count / BATCH:.1f} a submission), {bench.format_seconds(timer.seconds)} in the "
        f"driver ({timer.seconds / batch['seconds']:.0%}; the rest is Python)."
    ]
    if not top or not timer.shapes:
        return lines
    lines.append("  statements by time in the driver (time, share of the push, count, each):")
    for shape, (count, seconds) in sorted(timer.shapes.items(), key=lambda x: -x[1][1])[:top]:
        lines.append(
            f"    {bench.format_seconds(seconds):>9} {seconds / batch['seconds']:6.1%} "
            f"{count:>6,}x {seconds / count * 1000:6.2f} ms  {shape}"
        )
    return lines


def profile_lines(backend: str, batch: dict, label: str) -> list[str]:
    """A push of BATCH under cProfile: the app's functions by cumulative time, all by own."""
    lines = statement_lines(backend, batch, label, top=0)
    stats = batch["stats"]
    total = stats.total_tt or 1e-9
    entries = []
    for (path, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():
        entries.append((cumtime, tottime, calls, f"{short_path(path)}:{line}({func})"))
    lines.append(f"  the app's functions by cumulative time (of {bench.format_seconds(total)}):")
    shown = 0
    for cumtime, _, calls, name in sorted(entries, reverse=True):
        ours = name.startswith(("fieldcheck/", "sync/"))
        if not ours or cumtime >= 0.95 * total or name.endswith("comp>)"):
            continue  # not the app's, or a frame around everything (the route, the loop)
        lines.append(
            f"    {cumtime / total:6.1%} {bench.format_seconds(cumtime):>9} "
            f"{calls:>7,} calls  {name}"
        )
        shown += 1
        if shown == PROFILE_TOP:
            break
    lines.append("  every function by own time:")
    for _, tottime, calls, name in sorted(entries, key=lambda e: -e[1])[:12]:
        lines.append(
            f"    {tottime / total:6.1%} {bench.format_seconds(tottime):>9} "
            f"{calls:>7,} calls  {name}"
        )
    return lines


def short_path(path: str) -> str:
    """A profile entry's file, from the repository or site-packages on."""
    if path.startswith(str(REPO)):
        return path[len(str(REPO)) + 1 :]
    marker = "site-packages/"
    if marker in path:
        return path.split(marker, 1)[1]
    return path if path.startswith("<") or path == "~" else Path(path).name


def load() -> str:
    try:
        return "/".join(f"{n:.1f}" for n in os.getloadavg())
    except OSError:
        return "?"


def run(ctx: bench.Context) -> Result:
    if OPS < BATCH or OPS % BATCH:
        raise BenchError(f"{OPS_ENV}={OPS}: give a multiple of {BATCH}")
    result = Result()
    notes = [f"Load average (1/5/15 min) at the start: {load()} on {os.cpu_count()} CPUs."]
    for backend in ctx.backends():
        theirs = baseline_run(ctx, backend)
        ours = fieldcheck_run(ctx, backend)
        apply_rate = OPS / ours["apply"]
        raw_rate = OPS / theirs["insert"]
        share = apply_rate / raw_rate
        speedup = ours["apply"] / ours["replay"]
        result.rows += [
            Row(
                backend,
                f"push {OPS:,} visit.submit, {BATCH}/request",
                ours["apply"],
                f"insert_many visits+family, {BATCH}/txn",
                theirs["insert"],
                rows=OPS,
            ),
            Row(
                backend,
                "push the same again (all duplicates)",
                ours["replay"],
                "the first push",
                ours["apply"],
                rows=OPS,
            ),
            Row(
                backend, f"pull {PULL_CASES:,} cases, full download", ours["pull"], rows=PULL_CASES
            ),
        ]
        cpu = bench.format_seconds
        notes += [
            f"{backend}: ingest {apply_rate:,.0f} submissions/s = {share:.1%} of raw insert_many "
            f"({raw_rate:,.0f}/s); target >= {TARGET_OF_RAW:.0%}: {verdict(share >= TARGET_OF_RAW)}"
            f". This process's CPU: {cpu(ours['apply_cpu'])} (baseline "
            f"{cpu(theirs['insert_cpu'])}). Audit sealing in teardown: "
            f"{cpu(ours['apply_seal'])} of it ({ours['apply_sealed']:,} events).",
            f"{backend}: replay {cpu(ours['replay'])} (CPU {cpu(ours['replay_cpu'])}; sealing "
            f"{cpu(ours['replay_seal'])}, {ours['replay_sealed']:,} events left by the first push),"
            f" {speedup:.1f}x faster than the first push; target >= {TARGET_REPLAY:.0f}x: "
            f"{verdict(speedup >= TARGET_REPLAY)}.",
            f"{backend}: pull of {PULL_CASES:,} cases {cpu(ours['pull'])} "
            f"(first {cpu(ours['pull_first'])}), "
            f"{ours['pull_bytes'] / 1024:,.0f} KiB of JSON; target <= {TARGET_PULL:.0f} s: "
            f"{verdict(ours['pull'] <= TARGET_PULL)}.",
        ]
        if os.environ.get(PROFILE_ENV, "1") != "0":
            notes += statement_lines(backend, ours["sql"], "new submissions, not profiled", 12)
            notes += profile_lines(backend, ours["profile"], "new submissions")
            notes += profile_lines(backend, ours["profile_replay"], "duplicates (the same batch)")
    result.notes += notes
    result.notes += [
        f"Load average at the end: {load()}. Other work on the machine slows every figure here; "
        "CPU seconds of this process are steadier than wall time (PostgreSQL's own work is in "
        "its server processes, outside them).",
        f"Through Flask's test client (no socket); request bodies ({OPS:,} operations, {FAMILY} "
        f"family members each, {RECRUITERS} recruiter numbers) encoded before timing. Ingest, "
        "replay and baseline timed once per backend; the pull is the median of --runs. The "
        "extra batches seal their own audit events (AUDIT_SEAL_INTERVAL 0 meanwhile).",
    ]
    return result
