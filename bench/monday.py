"""Monday morning: every phone of a region syncs its weekend's work at once, through nginx to
two app nodes (fieldcheck.cluster: PostgreSQL, Redis, SeaweedFS, gunicorn, nginx), beside the
same load on one node.

PHONES phone identities (1,000; `FIELDCHECK_BENCH_PHONES` or `python -m bench.monday --phones
50` for a quick look), each a field officer with SUBMISSIONS cases assigned and a device token
made by the bench's fixture (devices.issue_token, not the rate-limited sign-in route). A bounded
pool of worker processes plays the phones with the reference sync client (sync.client): each
phone pushes its SUBMISSIONS visits in one push (as the PWA's outbox sends 10 a push), uploads
the photo each names, then pulls. The checks: no error, exactly PHONES x SUBMISSIONS visits
stored, none twice, each complete, and every photo readable through each node. Throughput and
the p50/p95 of a push are information: on this 2-core machine the nodes, PostgreSQL, SeaweedFS,
nginx and the phones share the cores, so two nodes cannot be faster than one here (README,
"Capacity").
"""

import argparse
import hashlib
import multiprocessing
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import bench

TITLE = "Monday morning: 1,000 phones push 10 visits with a photo each, through nginx"
PHONES_ENV = "FIELDCHECK_BENCH_PHONES"
PHONES = 1_000
SUBMISSIONS = 10
PER_TEAM = 10  # field officers per team
WORKERS = 8  # phones syncing at once (worker processes)
CASE_BATCH = 500
PASSWORD = "bench-monday-password"  # noqa: S105  (a throwaway account in a scratch database)
PHOTO_HEAD = bytes.fromhex("ffd8ffe000104a46494600010100000100010000")


def photo(phone: int, n: int) -> bytes:
    """A distinct small JPEG-looking photo (a comment segment varies)."""
    marker = f"phone {phone} visit {n}".encode()
    return PHOTO_HEAD + b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker + b"\xff\xd9"


def seed(app, phones: int) -> list[dict]:
    """Office, teams, PHONES officers with SUBMISSIONS assigned cases and a device token each:
    [{username, token, case_ids}]."""
    from playhouse.shortcuts import model_to_dict

    from fieldcheck import accounts, devices
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
            system, code="KANIM-BDG", name="Kantor Imigrasi Bandung", time_zone="WIB",
            region_codes=["32.04"],
        )  # fmt: skip
        intake = accounts.create_user(
            system, username="intake", name="Intake", role="intake", password=PASSWORD,
            office=office, must_change_password=False,
        )  # fmt: skip
        officers, teams = [], []
        for index in range(phones):
            if index % PER_TEAM == 0:
                teams.append(
                    accounts.save_team(
                        system, None, office=office, name=f"Timpora {index // PER_TEAM + 1}",
                        district_code="32.04",
                    )
                )  # fmt: skip
            officers.append(
                accounts.create_user(
                    system, username=f"hp{index:04d}", name=f"Petugas {index}", role="field",
                    password=PASSWORD, office=office, team=teams[-1], must_change_password=False,
                )
            )  # fmt: skip
        data = dict(CASE_DEFAULTS)
        data.update(application_date=now.date(), application_number="2026-BDG-000001")
        data["birth_date"] = date(1999, 3, 5)
        data["nik"] = encode_nik("32.04.12", data["sex"], data["birth_date"], 1)
        clerk = accounts.Actor(intake, now, "bench")
        first = service.create_case(clerk, office, data)
        service.assign(clerk, first, officers[0].team, officers[0])
        row = model_to_dict(Case.get_by_id(first.id), recurse=False, exclude=[Case.id])
        owners = [officer for officer in officers for _ in range(SUBMISSIONS)][1:]
        rows = [
            {
                **row,
                "application_number": f"2026-BDG-{n:06d}",
                "nik": encode_nik("32.04.12", data["sex"], data["birth_date"], n % 9999 + 1),
                "state": case_states.ASSIGNED,
                "team": officer.team_id,
                "officer": officer.id,
            }
            for n, officer in enumerate(owners, start=2)
        ]
        ids = [first.id]
        with database.atomic():
            for start in range(0, len(rows), CASE_BATCH):
                query = Case.insert_many(rows[start : start + CASE_BATCH]).returning(Case.id)
                ids += [i for (i,) in query.tuples().execute()]
            feed = [
                {"scope": team_scope(o.team_id), "entity": "case", "entity_id": str(i), "at": now}
                for i, o in zip(ids[1:], owners, strict=True)
            ]
            for start in range(0, len(feed), CASE_BATCH):
                Change.insert_many(feed[start : start + CASE_BATCH]).execute()
        phones_made = []
        for index, officer in enumerate(officers):
            token, _ = devices.issue_token(system, officer, "bench monday")
            mine = ids[index * SUBMISSIONS : (index + 1) * SUBMISSIONS]
            phones_made.append({"index": index, "token": token, "case_ids": mine})
        database.execute_sql("ANALYZE")
        database.close()
    return phones_made


def operations(phone: dict) -> list[tuple[dict, bytes]]:
    """The phone's visits, each naming its photo: [(operation, photo bytes)]."""
    from sync.client import new_operation
    from tests.factories import visit_payload

    visited = (datetime.now(UTC) - timedelta(hours=60)).isoformat(timespec="seconds")
    made = []
    for n, case_id in enumerate(phone["case_ids"]):
        data = photo(phone["index"], n)
        sha = hashlib.sha256(data).hexdigest()
        payload = visit_payload(case_id, visited_at=visited, photos=[{"sha256": sha}])
        made.append((new_operation("visit.submit", payload), data))
    return made


def warm(_) -> None:
    """Import in a worker what a phone's work needs, before the clock starts."""
    import sync.client  # noqa: F401
    import tests.factories  # noqa: F401


def sync_phone(job: tuple[str, dict]) -> dict:
    """One phone's Monday morning (in a worker process): push, upload the photos, pull."""
    from sync.client import Client, SyncError

    address, phone = job
    client = Client(address, token=phone["token"], timeout=120)
    made = operations(phone)
    answer = {"errors": [], "push_seconds": None, "shas": []}
    try:
        started = time.perf_counter()
        results = client.push([op for op, _ in made], device=f"hp{phone['index']:04d}")
        answer["push_seconds"] = time.perf_counter() - started
        answer["errors"] += [r for r in results if r.get("status") != "applied"]
        for _, data in made:
            client.put_media(data)
            answer["shas"].append(hashlib.sha256(data).hexdigest())
        client.pull()
    except SyncError as exc:
        answer["errors"].append(str(exc))
    return answer


def read_photos(job: tuple[list[str], dict, list[str]]) -> int:
    """How many of the phone's photos some node failed to serve it, byte for byte."""
    from sync.client import Client, SyncError

    nodes, phone, shas = job
    missing = 0
    for node in nodes:
        client = Client(node, token=phone["token"], timeout=60)
        for sha in shas:
            try:
                missing += hashlib.sha256(client.get_media(sha)).hexdigest() != sha
            except SyncError:
                missing += 1
    return missing


def count_stored(app) -> tuple[int, int, int, int]:
    """(operations logged, visits, distinct visits, visits complete)."""
    from fieldcheck.db import database
    from fieldcheck.models import FieldVisit
    from sync.store import OperationLog

    with app.app_context():
        database.connect(reuse_if_open=True)
        ops = OperationLog.select().count()
        made = [(v.uuid, v.status) for v in FieldVisit.select(FieldVisit.uuid, FieldVisit.status)]
        database.close()
    return ops, len(made), len({uuid for uuid, _ in made}), sum(s == "complete" for _, s in made)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def monday(database_url: str, folder: Path, nodes: int, phones: int) -> dict:
    """The Monday morning on a cluster of `nodes` behind nginx: its figures and checks."""
    from fieldcheck import create_app
    from fieldcheck.cluster import Cluster, stop

    settings = {"PASSWORD_HASH_METHOD": "scrypt:1024:8:1"}
    cluster = Cluster(folder, database_url, nodes=nodes, demo=False, settings=settings)
    cluster.start()
    try:
        app = create_app({**cluster.node_settings(), "INSTANCE_PATH": str(cluster.instance(0))})
        bench.progress(f"{nodes} node(s): seeding {phones} phones")
        made = seed(app, phones)
        bench.progress(f"{nodes} node(s): {phones} phones sync through nginx, {WORKERS} at once")
        with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
            pool.map(warm, range(WORKERS), chunksize=1)
            started = time.perf_counter()
            answers = pool.map(sync_phone, [(cluster.address, phone) for phone in made])
            elapsed = time.perf_counter() - started
            bench.progress(f"{nodes} node(s): reading every photo through each node")
            jobs = [(cluster.node_urls, p, a["shas"]) for p, a in zip(made, answers, strict=True)]
            unreadable = sum(pool.map(read_photos, jobs))
        ops, visits, distinct, complete = count_stored(app)
    finally:
        stop(folder)
    pushes = [a["push_seconds"] for a in answers if a["push_seconds"] is not None]
    return {
        "errors": sum(len(a["errors"]) for a in answers),
        "first_error": next((a["errors"][0] for a in answers if a["errors"]), None),
        "expected": phones * SUBMISSIONS,
        "ops": ops,
        "visits": visits,
        "distinct": distinct,
        "complete": complete,
        "unreadable": unreadable,
        "seconds": elapsed,
        "p50": percentile(pushes, 0.50) if pushes else 0.0,
        "p95": percentile(pushes, 0.95) if pushes else 0.0,
    }


def phones_wanted() -> int:
    return int(os.environ.get(PHONES_ENV) or PHONES)


def run(ctx: bench.Context) -> bench.Result:
    if not ctx.has_postgres:
        raise bench.Skip("the cluster needs PostgreSQL (set FIELDCHECK_BENCH_POSTGRES_URL)")
    if not Path("/usr/sbin/nginx").exists():
        raise bench.Skip("no nginx: `make nginx` installs Debian's")
    phones = phones_wanted()
    figures = {}
    for nodes in (1, 2):
        url = ctx.fresh_postgres()
        figures[nodes] = monday(url, ctx.workdir / f"monday-{nodes}", nodes, phones)
    result = bench.Result()
    one, two = figures[1], figures[2]
    submissions = phones * SUBMISSIONS
    result.rows += [
        bench.Row("postgres", "2 nodes: all phones' sync", two["seconds"], "1 node",
                  one["seconds"], rows=submissions),
        bench.Row("postgres", "2 nodes: a push of 10, p50", two["p50"], "1 node", one["p50"]),
        bench.Row("postgres", "2 nodes: a push of 10, p95", two["p95"], "1 node", one["p95"]),
    ]  # fmt: skip
    for nodes, found in figures.items():
        checks = {
            "no error": found["errors"] == 0,
            f"exactly {submissions} stored": found["ops"] == found["visits"] == submissions,
            "no duplicate": found["distinct"] == found["visits"],
            "every visit complete": found["complete"] == submissions,
            "every photo readable from every node": found["unreadable"] == 0,
        }
        said = ", ".join(f"{name}: {'OK' if ok else 'MISS'}" for name, ok in checks.items())
        result.notes.append(
            f"{nodes} node{'s' if nodes > 1 else ''}: {phones} phones, {submissions} visits in "
            f"{found['seconds']:.1f} s ({submissions / found['seconds']:.0f} visits/s); {said}"
        )
        if found["first_error"]:
            result.notes.append(f"  first error: {found['first_error']}")
        if not all(checks.values()):
            raise bench.BenchError(f"the Monday morning on {nodes} node(s) went wrong: {said}")
    return result


def main(argv=None) -> int:
    """`python -m bench.monday [--phones N]`: this benchmark alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.monday", description=TITLE)
    parser.add_argument("--phones", type=int, default=phones_wanted())
    args = parser.parse_args(argv)
    os.environ[PHONES_ENV] = str(args.phones)
    ctx = bench.Context(runs=1)
    try:
        result = run(ctx)
    finally:
        ctx.close()
    print(bench.table(result.rows))
    for note in result.notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
