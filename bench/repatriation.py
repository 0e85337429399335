"""Matching repatriated victims' records to the cases of the offices that issued their passports
(issue 16, fieldcheck.repatriation.service.match_records).

Generated: a case table of 100,000 applications in 25 offices (names drawn from common
Indonesian given names, so namesakes born the same day abound; a fifth verified with a field
report), and a partner agency's file of 10,000 records: a third naming the case by its NIK (the
name written another way), a quarter by the application number alone, a sixth by name and birth
date under another NIK, and a quarter people with no case (the passport issued without a field
check). FieldCheck: match_records, which asks each office's candidates in a few statements
(by NIK, application number and birth date at once), then the whole load (match, store the
records, link the recruiters they name, audit; the records name 400 recruiters, each phone
written three ways, and every tenth only a common name). Baselines in the same run: checking
the same file (importer.parse, the work of reading it), and matching 1,000 of the records with
one look-up each, as a naive loader would (beside match_records on the same 1,000).
"""

import csv
import io
import random
import secrets
from datetime import UTC, date, datetime, timedelta

import bench
from bench import BenchError, Result, Row, median, progress, timed

TITLE = "matching 10,000 repatriated victims' records against 100,000 cases"

OFFICES = 25
CASES = 100_000
RECORDS = 10_000
RECRUITERS = 400  # recruiters the records name (each written several ways)
NAME_ONLY = 10  # every tenth record names the recruiter only by a common name
NAIVE_SAMPLE = 1_000  # records the one-look-up-a-record baseline matches (it is slow)
VERIFIED_SHARE = 5  # one case in five is verified, with a field report
GIVEN = [
    "Siti",
    "Nurhaliza",
    "Dewi",
    "Lestari",
    "Agus",
    "Setiawan",
    "Muhammad",
    "Rizki",
    "Ahmad",
    "Yusuf",
    "Sri",
    "Wahyuni",
    "Budi",
    "Santoso",
    "Euis",
    "Sumarni",
    "Ujang",
    "Suryana",
    "Dedi",
    "Kurniawan",
    "Rina",
    "Marlina",
    "Nur",
    "Aini",
    "Putri",
    "Ayu",
    "Eka",
    "Fitriani",
    "Wawan",
    "Hidayat",
    "Asep",
    "Saepudin",
    "Yeni",
    "Rahmawati",
    "Iwan",
    "Gunawan",
    "Lina",
    "Marliana",
    "Cecep",
    "Hermawan",
    "Neng",
    "Yuyun",
    "Imas",
    "Entin",
    "Ai",
    "Elis",
]
DISTRICTS = [f"32.{r:02d}.{d:02d}" for r in (4, 5, 6, 7) for d in range(1, 30)]


def generate(seed: int = 16):
    """(cases, records): the case table's rows and the file's records, as plain dicts."""
    from fieldcheck.domain.identity import encode_nik

    rng = random.Random(seed)
    today = date(2026, 11, 20)
    serials: dict = {}
    cases = []
    for i in range(CASES):
        sex = "F" if rng.random() < 0.8 else "M"
        born = date(1985, 1, 1) + timedelta(days=rng.randrange(365 * 22))
        district = rng.choice(DISTRICTS)
        key = (district, sex, born)
        serials[key] = serials.get(key, 0) + 1
        office = i % OFFICES
        applied = today - timedelta(days=30 + rng.randrange(700))
        cases.append(
            {
                "office": office,
                "application_number": f"{applied:%Y}-K{office:02d}-{i:07d}",
                "application_date": applied,
                "applicant_name": " ".join(rng.sample(GIVEN, rng.choice((2, 2, 3)))),
                "nik": encode_nik(district, sex, born, serials[key]),
                "birth_date": born,
                "sex": sex,
                "state": "verified"
                if i % VERIFIED_SHARE == 0
                else rng.choice(("refused", "cancelled", "in_field", "under_review")),
            }
        )
    records, expected = [], {"nik": 0, "application_number": 0, "name_birth_date": 0, None: 0}
    for r in range(RECORDS):
        case = rng.choice(cases)
        returned = case["application_date"] + timedelta(days=20 + rng.randrange(15))
        record = {
            "office": case["office"],
            "returned_on": min(returned, today),
            "nik": None,
            "birth_date": None,
            "application_number": None,
        }
        words = case["applicant_name"].split()
        kind = r % 12
        if kind < 4:  # the NIK, the name turned round
            record.update(nik=case["nik"], name=f"{words[-1]}, {' '.join(words[:-1])}")
            expected["nik"] += 1
        elif kind < 7:  # the application number alone
            record.update(
                application_number=case["application_number"], name=case["applicant_name"]
            )
            expected["application_number"] += 1
        elif kind < 9:  # name and birth date, under a NIK the case does not have
            other = encode_nik("33.01.14", case["sex"], case["birth_date"], 1 + r % 9999)
            record.update(nik=other, birth_date=case["birth_date"], name=case["applicant_name"])
            expected["name_birth_date"] += 1
        else:  # someone with no case: a passport issued without a field check
            born = date(1980, 1, 1) + timedelta(days=rng.randrange(365 * 25))
            record.update(
                nik=encode_nik("35.07.01", "F", born, 1 + r % 9999),
                birth_date=born,
                name="Zulaikha Batubara",
            )
            expected[None] += 1
        records.append(record)
    return cases, records, expected


def build(url: str, cases: list[dict]) -> dict:
    """The schema, the offices and the case table (verified cases with a decision and a
    report), written in bulk; the offices' ids by their number."""
    from fieldcheck import migrations
    from fieldcheck.db import database
    from fieldcheck.models import Case, Office

    migrations.upgrade(database.obj)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with database.atomic():
        offices = {
            n: Office.create(code=f"K{n:02d}", name=f"Kantor Imigrasi {n:02d}").id
            for n in range(OFFICES)
        }
    rows = []
    for case in cases:
        rows.append(
            {
                **case,
                "office": offices[case["office"]],
                "purpose": "work",
                "destination_country": "KH",
                "search_name": case["applicant_name"].lower(),
                "created_at": now,
                "updated_at": now,
            }
        )
    progress(f"writing {len(rows):,} cases")
    with database.atomic():
        for start in range(0, len(rows), 1000):
            Case.insert_many(rows[start : start + 1000]).execute()
        verified = [
            case_id for (case_id,) in Case.select(Case.id).where(Case.state == "verified").tuples()
        ]
    return offices, verified


def add_reports(verified: list[int]):
    """A decision and a field report for each verified case (what `has_report` looks at), the
    decisions all a bench supervisor's."""
    from fieldcheck.db import database
    from fieldcheck.models import Decision, FieldReport, User

    now = datetime(2026, 11, 20, tzinfo=UTC)
    with database.atomic():
        boss = User.create(
            username="bench-supervisor",
            name="Bench",
            password_hash="!",  # noqa: S106  (no password opens it: it only signs decisions)
            role="supervisor",
            created_at=now,
        )
        for start in range(0, len(verified), 1000):
            chunk = verified[start : start + 1000]
            Decision.insert_many(
                [
                    {"case": c, "outcome": "verified", "supervisor": boss.id, "decided_at": now}
                    for c in chunk
                ]
            ).execute()
        decisions = dict(
            Decision.select(Decision.case, Decision.id)
            .where(Decision.outcome == "verified")
            .tuples()
        )
        rows = [
            {
                "report_id": secrets.token_hex(16),
                "case": case_id,
                "decision": decision_id,
                "issued": now.date(),
                "expires": now.date() + timedelta(days=180),
                "key_id": "bench",
                "digest": "0" * 32,
                "decision_data": "{}",
                "qr_text": "",
                "created_at": now,
            }
            for case_id, decision_id in decisions.items()
        ]
        for start in range(0, len(rows), 1000):
            FieldReport.insert_many(rows[start : start + 1000]).execute()


def to_csv(records: list[dict], codes: dict[int, str]) -> bytes:
    """The file a partner agency sends (the repatriation importer's columns)."""
    from fieldcheck.repatriation.importer import COLUMNS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for n, r in enumerate(records):
        writer.writerow(
            {
                "prs_FirstName": r["name"],
                "prs_IdentityNumber": r["nik"] or "",
                "prs_Birthdate": r["birth_date"].isoformat() if r["birth_date"] else "",
                "prs_Gender": "Feminine",
                "issuing_office": codes[r["office"]],
                "application_number": r["application_number"] or "",
                "return_date": r["returned_on"].isoformat(),
                "return_place": "Bandara Soekarno-Hatta",
                "hte_Country": "KH",
                "vic_TypeOfExploitation": "ForcedLabour",
                "hte_Description": "Dipaksa bekerja di kompleks penipuan daring.",
                **recruiter_cells(n),
            }
        )
    return out.getvalue().encode()


def recruiter_cells(n: int) -> dict:
    """The recruiter the n-th record names: one of RECRUITERS, the phone written one of three
    ways, a bank account on every third, the agency on every other; every NAME_ONLY-th record
    gives only a common name (linked to no one)."""
    if n % NAME_ONLY == 0:
        return {"recruiter_name": "Siti Aminah"}
    k = n % RECRUITERS
    digits = f"81{k:08d}"
    phone = (f"0{digits}", f"+62 {digits[:3]}-{digits[3:7]}-{digits[7:]}", f"62{digits}")[n % 3]
    cells = {"recruiter_name": f"Perekrut {k}", "recruiter_phone": phone}
    if n % 3 == 0:
        cells["recruiter_account"] = f"{k:04d}.5566.{k % 97:02d}"
    if n % 2 == 0:
        cells["recruiter_agency"] = f"PT Tenaga Kerja {k}"
    return cells


def naive_match(records: list[dict]) -> list:
    """The baseline: each record looked up on its own (by application number, NIK, then birth
    date), as a loader without batching would, then the same rule."""
    from fieldcheck.domain import watch
    from fieldcheck.repatriation import queries

    return [
        watch.victim_match(record, queries.candidates(record["office"], [record]))
        for record in records
    ]


def measure(url: str, cases: list[dict], records: list[dict], runs: int) -> tuple:
    from fieldcheck import create_app
    from fieldcheck.accounts import Actor
    from fieldcheck.db import database, is_postgres
    from fieldcheck.domain import signals
    from fieldcheck.models import (
        Agency,
        Recruiter,
        RecruiterIdentifier,
        RecruiterVictimLink,
        RepatriatedVictim,
        RepatriationImport,
    )
    from fieldcheck.repatriation import importer, service

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RISK_RULES_FILE": str(signals.default_rules_path()),
        }
    )
    with app.test_request_context():
        offices, verified = build(url, cases)
        add_reports(verified)
        if is_postgres():  # what autovacuum would have done to tables this size by now
            database.execute_sql("ANALYZE")
        mine = [{**r, "office": offices[r["office"]]} for r in records]
        data = to_csv(records, {n: f"K{n:02d}" for n in offices})
        caps = importer.csvload.Caps(max_bytes=64 * 1024 * 1024, max_rows=RECORDS)
        codes = {f"K{n:02d}": office_id for n, office_id in offices.items()}
        checking, matching, loading, naive, sample = [], [], [], [], []
        found = parsed = None
        for _ in range(max(1, runs)):
            seconds, parsed = timed(
                importer.parse, io.BytesIO(data), caps, date(2026, 11, 20), codes
            )
            checking.append(seconds)
            seconds, found = timed(service.match_records, mine)
            matching.append(seconds)
            seconds, _ = timed(naive_match, mine[:NAIVE_SAMPLE])
            naive.append(seconds)
            seconds, _ = timed(service.match_records, mine[:NAIVE_SAMPLE])
            sample.append(seconds)
            actor = Actor(None, datetime.now(UTC), "bench")
            seconds, _ = timed(service.load_records, actor, parsed.valid, "bench.csv", "Bench")
            loading.append(seconds)
            stored = RepatriatedVictim.select().count()
            linked = (
                RecruiterVictimLink.select().count(),
                Recruiter.select().where(Recruiter.merged_into.is_null()).count(),
            )
            with database.atomic():  # the next run loads the same file into empty tables
                RecruiterVictimLink.delete().execute()
                RecruiterIdentifier.delete().execute()
                Recruiter.delete().execute()
                Agency.delete().execute()
                RepatriatedVictim.delete().execute()
                RepatriationImport.delete().execute()
        database.close()
    if parsed.problems or len(parsed.valid) != RECORDS or stored != RECORDS:
        raise BenchError(
            f"the file checked to {len(parsed.valid)} valid rows and {len(parsed.problems)} "
            f"problems; the load stored {stored}"
        )
    # The ways a phone is written make no new recruiter; a common name alone links no one.
    named = {n % RECRUITERS for n in range(RECORDS) if n % NAME_ONLY}
    expected = (RECORDS - len(range(0, RECORDS, NAME_ONLY)), len(named))
    if linked != expected:
        raise BenchError(f"linked {linked[0]} records to {linked[1]} recruiters, not {expected}")
    return checking, matching, (sample, naive), loading, found


def run(ctx: bench.Context) -> Result:
    progress(f"generating {CASES:,} cases and {RECORDS:,} records")
    cases, records, expected = generate()
    result = Result()
    for backend in ctx.backends():
        url = (
            f"sqlite:///{ctx.sqlite_path('repatriation')}"
            if backend == "sqlite"
            else (ctx.fresh_postgres())
        )
        progress(f"{backend}: building the case table and matching")
        checking, matching, naive, loading, found = measure(url, cases, records, ctx.runs)
        got = {"nik": 0, "application_number": 0, "name_birth_date": 0, None: 0}
        for match in found:
            got[match[1] if match else None] += 1
        if got != expected:
            raise BenchError(f"{backend}: matched {got}, expected {expected}")
        result.rows += [
            Row(backend, "match (match_records)", median(matching),
                "check the file (importer.parse)", median(checking), rows=RECORDS),
            Row(backend, "load: match, store, link recruiters, audit", median(loading),
                "check the file (importer.parse)", median(checking), rows=RECORDS),
            Row(backend, f"match {NAIVE_SAMPLE:,}, a few statements an office",
                median(naive[0]), "match them, one look-up a record", median(naive[1]),
                rows=NAIVE_SAMPLE),
        ]  # fmt: skip
    result.notes.append(
        f"{CASES:,} cases in {OFFICES} offices ({CASES // VERIFIED_SHARE:,} verified with a "
        f"report), {RECORDS:,} records: matched by NIK {expected['nik']:,}, by application "
        f"number {expected['application_number']:,}, by name and birth date "
        f"{expected['name_birth_date']:,}, none (no field check) {expected[None]:,}."
    )
    return result
