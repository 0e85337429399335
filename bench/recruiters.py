"""Linking 100,000 interview records to the recruiters they name, 5,000 recruiters seeded; then
the recruiter's page with 20 clients at once, beside the floor page (bench/cases.py).

Data: the case bench's database (bench.cases.load_cases: the demo office and 100,000 cases),
then RECRUITERS recruiters seeded as rows (each with a phone, and a name with one of AGENCIES
agencies), then each case given an interview record naming one of them (a random one, so a
recruiter is named some RECORDS / RECRUITERS = 20 times): the phone written one of six ways
("0812-3456-7890", "+62 812 3456 7890", "(0812) 34567890", ...), every third with the
recruiter's handle (with or without "@"), every fifth with a bank account, every seventh with
the name and the agency only (no phone), and every 50th naming someone new.

Linking, timed once a backend (it fills the tables the page reads): fieldcheck.recruiters
.service.link_all, as `fieldcheck recruiters link` runs it: each record's identifiers
normalised and looked up, the recruiter found or made (merged where a record ties two
together), new identifiers stored, the link and its audit event written, 500 a transaction.
Baseline, in the same run: reading the same 100,000 records the way link_all reads them
(the cases naming a recruiter, each turned into a Mention), median of --runs.

Pages: bench.cases.measure with the floor page, the recruiter's page (a random recruiter's
/recruiters/<id>: its identifiers, agencies, related recruiters, about 20 cases with their
decisions, the network drawn, the read audited) and, for scale, the case page. Target: the
recruiter page's p95 within 2x the floor's.
"""

import random
import secrets
import time

import bench
from bench import BenchError, Result, Row, median, progress, timed
from bench import cases as case_bench
from fieldcheck.db import sqlite_url

TITLE = (
    "linking 100,000 interview records to 5,000 seeded recruiters; the recruiter page "
    "beside a floor page"
)

RECORDS = case_bench.CASES  # one interview record a case
RECRUITERS = 5_000
AGENCIES = 200
SEED = 20_261_205
PAGES = (
    case_bench.PAGES[0],  # the floor
    ("GET /recruiters/<id>", "/recruiters/{id}", b'id="recruiter-cases"'),
    ("GET /cases/<id>", "/cases/{id}", b'id="h-timeline"'),
)
PHONE_WAYS = (
    "0{a}-{b}-{c}",
    "+62 {a} {b} {c}",
    "62{a}{b}{c}",
    "(0{a}) {b}{c}",
    "0{a} {b} {c}",
    "+62{a}{b}{c}",
)


SYLLABLES = ("ba", "di", "ko", "ra", "su", "ti", "wa", "ye", "lo", "mu")


def recruiter_name(n: int) -> str:
    """A made-up name of its own for recruiter n ("Dikorasu Bawa"): names fold to letters
    only, so a number in a name would make every recruiter one name."""
    given = "".join(SYLLABLES[int(d)] for d in f"{n:05d}").capitalize()
    return f"{given} {SYLLABLES[n % 10].capitalize()}{SYLLABLES[(n // 10) % 10]}"


def recruiter_phone(n: int) -> tuple[str, str, str]:
    """The three groups of recruiter n's mobile number (0812-3xxx-xxxx)."""
    digits = f"{n:08d}"
    return "812", f"3{digits[:3]}", digits[3:]


def seed_recruiters(at) -> list[int]:
    """RECRUITERS recruiters, each with a phone and a name-with-agency identifier."""
    from fieldcheck.db import database
    from fieldcheck.domain import recruiters as rules
    from fieldcheck.models import Agency, Recruiter, RecruiterIdentifier

    agencies = [f"PT Maju Sejahtera {n:03d}" for n in range(AGENCIES)]
    with database.atomic():
        Agency.insert_many(
            [{"name": a, "key": rules.fold_agency(a), "created_at": at} for a in agencies]
        ).execute()
        first = Recruiter.select().count()
        for start in range(0, RECRUITERS, 500):
            Recruiter.insert_many(
                [
                    {"name": recruiter_name(n), "created_at": at}
                    for n in range(start, min(RECRUITERS, start + 500))
                ]
            ).execute()
        ids = [
            r
            for (r,) in Recruiter.select(Recruiter.id).order_by(Recruiter.id).offset(first).tuples()
        ]
        rows = []
        for n, rid in enumerate(ids):
            phone = rules.normalise_phone("0" + "".join(recruiter_phone(n)))
            name = recruiter_name(n)
            agency = agencies[n % AGENCIES]
            rows += [
                {"recruiter": rid, "kind": rules.PHONE, "value": phone, "written": phone},
                {
                    "recruiter": rid,
                    "kind": rules.NAME_AGENCY,
                    "value": f"{rules.fold_name(name)} | {rules.fold_agency(agency)}",
                    "written": f"{name} | {agency}",
                },
            ]
        for start in range(0, len(rows), 500):
            RecruiterIdentifier.insert_many(
                [{**row, "created_at": at} for row in rows[start : start + 500]]
            ).execute()
    return ids


def interview_records(case_ids: list[int]) -> list[dict]:
    """An interview record for each case: its recruiter answers, as intake would hold them."""
    rng = random.Random(SEED)
    records = []
    for i, case_id in enumerate(case_ids):
        n = rng.randrange(RECRUITERS)
        if i % 50 == 49:
            n = RECRUITERS + i  # someone not seen before
        a, b, c = recruiter_phone(n)
        record = {
            "id": case_id,
            "recruiter_name": recruiter_name(n),
            "recruiter_phone": PHONE_WAYS[i % 6].format(a=a, b=b, c=c)[:20],
            "recruiter_agency": None,
            "recruiter_handle": None,
            "recruiter_account": None,
        }
        if i % 3 == 0:
            record["recruiter_handle"] = ("@" if i % 2 else "") + f"kerja.luar.{n}"
        if i % 5 == 0:
            record["recruiter_account"] = f"77{n:08d}"
        if i % 7 == 0:  # the name and the agency only
            record["recruiter_phone"] = None
            record["recruiter_agency"] = f"PT. Maju Sejahtera {n % AGENCIES:03d}"
        records.append(record)
    return records


def store_records(records: list[dict]):
    """The records written into the cases' intake recruiter columns (not yet linked)."""
    from fieldcheck.db import database
    from fieldcheck.models import Case

    columns = [c for c in records[0] if c != "id"]
    with database.atomic():
        for start in range(0, len(records), 500):
            for record in records[start : start + 500]:
                Case.update({getattr(Case, c): record[c] for c in columns}).where(
                    Case.id == record["id"]
                ).execute()


def read_records() -> int:
    """The baseline: the same rows read as link_all reads them, each made a Mention."""
    from fieldcheck.recruiters import queries, service

    return sum(
        service.intake_mention(case) is not None for case in queries.cases_naming_a_recruiter()
    )


def build(url: str, ctx: bench.Context, secret: str, plans: dict) -> dict:
    """The case bench's database, recruiters seeded, the records stored, then linked (timed)."""
    from fieldcheck import audit, create_app
    from fieldcheck.accounts import Actor
    from fieldcheck.clock import utcnow
    from fieldcheck.db import database, is_postgres
    from fieldcheck.models import Case, Recruiter, RecruiterLink
    from fieldcheck.recruiters import service

    held = case_bench.build_database(url, ctx.workdir, secret, plans)
    with bench.instance_path(ctx.workdir / "instance"):
        app = create_app(case_bench.app_config(url, secret))
    with app.app_context():
        try:
            progress(f"seeding {RECRUITERS:,} recruiters and {RECORDS:,} interview records")
            seed_recruiters(utcnow())
            unlinked = [i for (i,) in Case.select(Case.id).order_by(Case.id).tuples()]
            already = {c for (c,) in RecruiterLink.select(RecruiterLink.case).tuples()}
            records = interview_records([i for i in unlinked if i not in already])
            store_records(records)
            case_bench.analyze(is_postgres())
            baseline = []
            for _ in range(max(1, ctx.runs)):
                seconds, read = timed(read_records)
                baseline.append(seconds)
            progress(f"linking {len(records):,} interview records (link_all)")
            actor = Actor(None, utcnow(), "bench")
            linking, made = timed(service.link_all, actor)
            if made != len(records):
                raise BenchError(f"link_all linked {made:,} of {len(records):,} records")
            audit.seal(limit=10_000_000)  # as the every-minute cron job keeps it
            case_bench.analyze(is_postgres())
            recruiters = [
                r
                for (r,) in Recruiter.select(Recruiter.id)
                .join(RecruiterLink, on=(RecruiterLink.recruiter == Recruiter.id))
                .where(Recruiter.merged_into.is_null())
                .distinct()
                .order_by(Recruiter.id)
                .tuples()
            ]
            counts = {
                "records": len(records),
                "read": read,
                "recruiters": len(recruiters),
                "merged": Recruiter.select().where(Recruiter.merged_into.is_null(False)).count(),
                "links": RecruiterLink.select().count(),
            }
        finally:
            database.close()
    return {
        "held": held,
        "baseline": median(baseline),
        "linking": linking,
        "ids": recruiters,
        **counts,
    }


def run(ctx: bench.Context) -> Result:
    result = Result()
    lines, plans = [], {}
    for backend in ctx.backends():
        url = (
            sqlite_url(ctx.sqlite_path("recruiters"))
            if backend == "sqlite"
            else ctx.fresh_postgres()
        )
        secret = secrets.token_hex(32)
        progress(f"{backend}: loading {case_bench.CASES:,} cases")
        built = build(url, ctx, secret, plans)
        result.rows.append(
            Row(
                backend,
                f"link {built['records']:,} interview records (link_all)",
                built["linking"],
                "read the same records (cases_naming_a_recruiter)",
                built["baseline"],
                rows=built["records"],
            )
        )
        server = case_bench.Server(ctx.workdir, url, secret)
        try:
            started = time.perf_counter()
            figures, clients_note = case_bench.measure(
                server, built["ids"], ctx.runs, pages=PAGES, username=case_bench.USERNAME
            )
            took = time.perf_counter() - started
        finally:
            server.stop()
        lines += case_bench.report(backend, figures)
        result.notes.append(
            f"{backend}: {built['records']:,} records linked to {built['recruiters']:,} "
            f"recruiters ({built['merged']:,} merged into others, {built['links']:,} links in "
            f"all); the pages took {took:.1f} s."
        )
    plans.clear()
    result.notes[:0] = [
        "Linking is timed once a backend (it fills the tables the pages read); its baseline "
        "is the median of --runs reads of the same records.",
        *case_bench.table(lines),
        "",
        f"Server: {server.name}. {clients_note}",
        "Floor: /bench/floor/<random id> (bench/cases.py). The recruiter page opens a random "
        "linked recruiter (about 20 cases each) and writes its audit read event. Targets are "
        "printed, never asserted.",
    ]
    return result
