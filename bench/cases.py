"""The case list and the case page with 100,000 cases, 20 clients at once, beside a floor page.

Data: a fresh database at the latest schema (fieldcheck.migrations.upgrade), the demo office,
teams, users and cases (create_demo), then cases up to 100,000, planned once a run (every
backend gets the same): 1,000 through service.create_case (identity findings, risk signals,
audit events; half of those then assigned through service.assign), the rest as create_case would
store them (NIKs encoded in the demo districts 32.04.xx / 32.05.xx, risk evaluated by the shipped
rules through service.evaluate_risk, states, teams and officers as cases that lived on) written
by Case.insert_many in batches, oldest first. Then ANALYZE (VACUUM ANALYZE on PostgreSQL), and
the audit chain sealed, as the every-minute cron job keeps it.

Server: gunicorn as the README runs it in production, WORKERS sync workers (one request at a
time each; the others wait in the kernel's accept queue, which every worker takes from in turn),
serving create_app() with the floor page registered on that app instance only; werkzeug's
threaded server (one process) when gunicorn is not installed. Both in a child process, on
127.0.0.1 and a free port. (gthread workers, 2 processes x 10 threads, were measured too: less
throughput, and a p95 two to four times the median where sync workers keep it within 1.2 to 1.4
times: the threads of a process share its GIL and the connections it happened to accept, so a
request waits behind however many the kernel handed that process.)

Load: CLIENTS clients, each signed in as `intake` through the login form (its own session), in
a closed loop: each asks for the page, reads the whole answer and asks again at once, so the
latency includes the queue at the server; with all of them busy the server is saturated. One
connection a request, as nginx talks to its upstream by default (kept-alive connections would pin
each client to one worker and measure how the clients happened to be split). Pages are measured
one at a time, in rounds (--runs) that interleave them; all requests of a page are pooled for its
median and p95. Before that, one client alone asks for each page: the latency without a queue.
The case page asks for a random case each time and writes its audit read event, as in use.

The clients are Debian's `wrk` when it is installed (`make bench` installs it): C and epoll,
CLIENTS threads of one connection each, driven by bench/cases.lua; each page is asked for during
PAGE_SECONDS in all, and every request is timed by the script (monotonic clock) from making the
request, right after the connection is made, to its last byte; all of them come back to be
pooled (not wrk's own histogram, which adds made-up samples for slow answers). Without wrk:
CLIENTS Python threads in this process (http.client), REQUESTS a client and page, timed from
connecting to the last byte. Both share the machine's CPUs with the server and the database;
the Python clients cost about twice wrk's CPU a request (some 0.5 ms against 0.25 ms, wrk's
start and end included), CPU the server then lacks, which is why wrk is preferred. The answer
must be a 200 holding the page's marker, or the bench fails. Printed beside the latencies, per
request: the server's CPU time (its processes, SQLite included), PostgreSQL's (the backends
serving the bench's database) and the clients'.

Floor: GET /bench/floor/<random id>, one SELECT of a case by primary key and a template extending
base.html, behind the same sign-in (fieldcheck.security.signed_in): it pays what every page pays
(the connection, the session's server-side record with its user and office, the base template)
and nothing else. Targets: the case list and the case page within 2x the floor's p95.
"""

import http.client
import importlib.util
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from bisect import bisect
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import bench
from bench import BenchError, Result, progress
from fieldcheck.db import sqlite_url

TITLE = "case list and case page, 100,000 cases, 20 concurrent clients, beside a floor page"

CASES = 100_000
VIA_SERVICE = 1_000  # through service.create_case; the rest by Case.insert_many
BATCH = 500  # rows a statement (SQLite allows 32,766 variables; a case row has 37)
CLIENTS = 20
REQUESTS = 50  # per client and page, split over the rounds
WARMUP = 3  # per client and page, not timed
SOLO = 50  # requests of each page by one client alone: the time without a queue
WORKERS, THREADS = 4, 10  # gunicorn: sync workers (THREADS only for worker_class="gthread")
TARGET_X_FLOOR = 2.0
USERNAME = "intake"
SEED = 20_261_102
PROFILES = 5_000  # distinct applicant profiles, each evaluated once by the risk rules

APP_ENV = "FIELDCHECK_BENCH_CASES_APP"  # the served app's config, JSON, for the child process
REPO = Path(__file__).resolve().parent.parent

FLOOR_TEMPLATE_NAME = "bench_floor.html"
FLOOR_TEMPLATE = """{% extends "base.html" %}
{% block title %}{{ case.application_number }}{% endblock %}
{% block content %}
<h1>{{ case.applicant_name }} <span class="muted">· {{ case.application_number }}</span></h1>
<p>{{ case.state }} · {{ case.risk_level }} ({{ case.risk_score }})</p>
{% endblock %}
"""

# The pages: name, path ("{id}" a random case id each time), a marker of a good answer.
LIST = "/cases"
LIST_FILTERED = "/cases?risk=high&sort=risk"
PAGES = (
    ("floor: /bench/floor/<id>", "/bench/floor/{id}", b"<h1>"),
    (f"GET {LIST}", LIST, b'id="case-results"'),
    (f"GET {LIST_FILTERED}", LIST_FILTERED, b'id="case-results"'),
    ("GET /cases/<id>", "/cases/{id}", b'id="h-timeline"'),
)
# With wrk (see bench/cases.lua), each page is asked for this long (seconds), all rounds
# together; the warm-up and the client alone take WARMUP_SECONDS and SOLO_SECONDS a page.
PAGE_SECONDS = 9.0
WARMUP_SECONDS = 1.0
SOLO_SECONDS = 2.0
WRK_SCRIPT = Path(__file__).with_suffix(".lua")


# The served app ---------------------------------------------------------------------------------


def floor_blueprint():
    """The floor page, for the bench's own app instance only."""
    from flask import Blueprint, abort, render_template
    from jinja2 import DictLoader

    from fieldcheck.models import Case
    from fieldcheck.security import signed_in

    bp = Blueprint("bench_floor", __name__, url_prefix="/bench")
    bp.jinja_loader = DictLoader({FLOOR_TEMPLATE_NAME: FLOOR_TEMPLATE})

    @bp.route("/floor/<int:case_id>")
    @signed_in
    def floor(case_id):
        case = Case.get_or_none(Case.id == case_id)
        if case is None:
            abort(404)
        return render_template(FLOOR_TEMPLATE_NAME, case=case)

    return bp


def app_config(url: str, secret: str) -> dict:
    """The served app's settings: the defaults, with sign-in limits out of the way."""
    from fieldcheck.domain import signals

    return {
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "RISK_RULES_FILE": str(signals.default_rules_path()),
        "LOGIN_LIMIT_PER_USERNAME": "1000000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute",
    }


def served_app():
    """The app the server child serves: gunicorn 'bench.cases:served_app()'."""
    from fieldcheck import create_app

    app = create_app(json.loads(os.environ[APP_ENV]))
    app.register_blueprint(floor_blueprint())
    return app


# The data ---------------------------------------------------------------------------------------

FEMALE = (
    "Siti",
    "Nurhaliza",
    "Dewi",
    "Ayu",
    "Rina",
    "Wati",
    "Sri",
    "Lestari",
    "Putri",
    "Indah",
    "Ratna",
    "Yuni",
    "Nurul",
    "Fitri",
    "Lina",
    "Ani",
    "Wulan",
    "Rahma",
    "Eka",
    "Tuti",
    "Endang",
    "Susi",
    "Mega",
    "Novi",
    "Dian",
    "Intan",
    "Anisa",
    "Rini",
    "Yanti",
    "Kartika",
    "Nining",
    "Euis",
    "Neng",
    "Cucu",
    "Imas",
    "Enok",
    "Popon",
    "Lilis",
    "Ai",
    "Titin",
    "Entin",
)
MALE = (
    "Agus",
    "Budi",
    "Dedi",
    "Asep",
    "Ujang",
    "Cecep",
    "Dadang",
    "Eko",
    "Hendra",
    "Iwan",
    "Joko",
    "Rudi",
    "Yusuf",
    "Rizky",
    "Fajar",
    "Dimas",
    "Ilham",
    "Andi",
    "Bayu",
    "Dani",
    "Hadi",
    "Irfan",
    "Rahmat",
    "Taufik",
    "Wahyu",
    "Ade",
    "Dede",
    "Engkus",
    "Ucup",
    "Jajang",
    "Aep",
    "Oman",
    "Yayan",
    "Deni",
    "Rendi",
    "Gilang",
    "Arif",
    "Bambang",
    "Heri",
    "Tatang",
)
FAMILY = (
    "Hidayat",
    "Setiawan",
    "Saputra",
    "Gunawan",
    "Kurniawan",
    "Wijaya",
    "Santoso",
    "Nugraha",
    "Permana",
    "Suryadi",
    "Rahayu",
    "Sari",
    "Lestari",
    "Hermawan",
    "Firmansyah",
    "Ramadhan",
    "Pratama",
    "Kusuma",
    "Maulana",
    "Sutisna",
    "Sukmana",
    "Supriatna",
    "Suganda",
    "Rustandi",
    "Hidayah",
    "Mulyana",
    "Sobari",
    "Nurjaman",
    "Kusnadi",
    "Wiguna",
    "Sudrajat",
    "Hakim",
    "Iskandar",
    "Syahputra",
    "Fauzi",
    "Ridwan",
    "Munandar",
    "Somantri",
    "Suhendar",
    "Taryana",
)
BIRTH_PLACES = ("Bandung", "Garut", "Cimahi", "Sumedang", "Tasikmalaya", "Cianjur", "Soreang")
SPONSORS = (
    "Golden Sun Co. Ltd",
    "Asia Pacific Trading Sdn Bhd",
    "PT Mitra Karya Abadi",
    "Lucky Star Entertainment",
    "Kingdom Palm Plantation",
    "Royal Orchid Restaurant",
)
NOTES = (
    "Says she will work in a restaurant in Phnom Penh.",
    "Could not name the company or the city.",
    "Came with a man who answered the questions for her.",
    "Ticket paid by a friend met on Facebook.",
    "Says the trip is a holiday but has no return ticket.",
    "",
)
DESTINATIONS = {"KH": 25, "MY": 20, "SA": 10, "TH": 10, "VN": 8, "PH": 7, "JP": 7, "SG": 6}
DESTINATIONS |= {"MM": 4, "LA": 3}
PURPOSES = {"work": 35, "tourism": 30, "family_visit": 12, "pilgrimage": 10, "study": 7}
PURPOSES |= {"business": 6}
VISAS = {
    "work": {"visit": 50, "work": 35, "unknown": 15},
    "tourism": {"tourist": 50, "visit": 30, "none": 20},
    "family_visit": {"visit": 70, "none": 30},
    "pilgrimage": {"visit": 100},
    "study": {"student": 90, "unknown": 10},
    "business": {"visit": 80, "work": 20},
}
MARITAL = {"single": 50, "married": 40, "divorced": 7, "widowed": 3}
PRIORITY = {"normal": 70, "high": 15, "low": 15}
AGES = {range(17, 25): 35, range(25, 35): 35, range(35, 45): 18, range(45, 61): 12}
RECENT_DAYS = 45  # cases made in the last weeks are mostly open, older ones mostly closed
RECENT_STATES = {"referred": 20, "assigned": 20, "in_field": 20, "submitted": 10}
RECENT_STATES |= {"registry_check": 8, "under_review": 10, "returned": 4, "verified": 4}
RECENT_STATES |= {"refused": 1, "cancelled": 3}
OLD_STATES = {"referred": 0.5, "assigned": 0.5, "in_field": 1, "submitted": 0.5}
OLD_STATES |= {"registry_check": 0.5, "under_review": 1, "returned": 0.5, "verified": 70}
OLD_STATES |= {"refused": 12, "revoked": 3, "cancelled": 10}
VERSIONS = {"referred": 1, "assigned": 2, "in_field": 3, "submitted": 4, "registry_check": 5}
VERSIONS |= {"under_review": 6, "returned": 7, "verified": 7, "refused": 7, "revoked": 8}
VERSIONS |= {"cancelled": 2}
WITH_OFFICER = {"in_field", "submitted", "registry_check", "under_review", "returned"}
WITH_OFFICER |= {"verified", "refused", "revoked"}

# Columns written by insert_many, in this order.
COLUMNS = (
    "office",
    "state",
    "priority",
    "due_date",
    "team",
    "officer",
    "application_number",
    "application_date",
    "purpose",
    "destination_country",
    "sponsor",
    "sponsor_is_employer",
    "visa_type",
    "documents",
    "applicant_name",
    "search_name",
    "nik",
    "kk",
    "birth_place",
    "birth_date",
    "sex",
    "marital_status",
    "address",
    "village_code",
    "district_code",
    "phone",
    "referral_reasons",
    "referral_notes",
    "age_doubted",
    "risk_score",
    "risk_level",
    "risk_signals",
    "rules_version",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)


_TABLES = {}


def pick(rng: random.Random, weights: dict):
    """A key of weights (one of the module's constant dicts), drawn by its weight."""
    table = _TABLES.get(id(weights))
    if table is None:
        table = _TABLES[id(weights)] = (tuple(weights), list(accumulate(weights.values())))
    keys, cumulative = table
    return keys[bisect(cumulative, rng.random() * cumulative[-1])]


class CaseMaker:
    """Realistic applications, each as create_case's input (`data`) plus what a case that lived
    on would hold (state, team, officer, version, updated_at).

    What the risk rules read (sex, age, marital status, the trip, documents, sponsor, referral)
    comes from PROFILES profiles drawn first, so that the rules are evaluated once a profile;
    names, NIKs, places, dates and states are drawn for each case.
    """

    def __init__(self, rng: random.Random, today: date):
        from fieldcheck import labels
        from fieldcheck.demo import DEMO_REGIONS

        self.rng, self.today = rng, today
        # The demo's districts in Kabupaten Bandung and Garut, inside the office's area.
        self.districts = {
            c: n for c, n in DEMO_REGIONS if c.count(".") == 2 and c.startswith(("32.04", "32.05"))
        }
        self.villages = {
            d: [(c, n) for c, n in DEMO_REGIONS if c.startswith(d + ".")] or [(None, n)]
            for d, n in self.districts.items()
        }
        self.reasons = tuple(labels.REFERRAL_REASONS)
        self.profiles = [self.profile() for _ in range(PROFILES)]

    def profile(self) -> dict:
        rng = self.rng
        sex = "F" if rng.random() < 0.6 else "M"
        age = rng.choice(pick(rng, AGES))
        marital = "single" if age < 19 else pick(rng, MARITAL)
        purpose = pick(rng, PURPOSES)
        destination = "SA" if purpose == "pilgrimage" else pick(rng, DESTINATIONS)
        visa = pick(rng, VISAS[purpose])
        documents = {"ktp", "kk"}
        for code, chance in (
            ("birth_certificate", 0.4),
            ("diploma", 0.5 if purpose in ("work", "study") else 0.1),
            ("marriage_certificate", 0.7 if marital == "married" else 0),
            ("husband_statement", 0.5 if marital == "married" and sex == "F" else 0),
            ("parents_consent", 0.5 if age < 21 and marital == "single" else 0),
            ("employment_contract", 0.6 if visa == "work" else 0.05),
        ):
            if rng.random() < chance:
                documents.add(code)
        work = purpose in ("work", "business")
        return {
            "sex": sex,
            "age": age,
            "marital_status": marital,
            "purpose": purpose,
            "destination_country": destination,
            "sponsor": rng.choice(SPONSORS) if work or rng.random() < 0.1 else None,
            "sponsor_is_employer": work and rng.random() < 0.8,
            "visa_type": visa,
            "documents": sorted(documents),
            "referral_reasons": sorted(rng.sample(self.reasons, rng.randint(1, 3))),
            "referral_notes": rng.choice(NOTES),
            "age_doubted": rng.random() < 0.1,
            "priority": pick(rng, PRIORITY),
        }

    def make(self, number: int, created_at: datetime) -> dict:
        """One case: `data` for create_case, and how far it went."""
        from fieldcheck.domain.identity import encode_nik

        rng = self.rng
        applied = created_at.date()
        data = dict(rng.choice(self.profiles))
        sex, age = data["sex"], data.pop("age")
        # Born `age` years and 0-360 days before the application: exactly `age` on that day.
        born = date(applied.year - age, applied.month, min(applied.day, 28))
        born -= timedelta(days=rng.randint(0, 360))
        first = rng.choice(FEMALE if sex == "F" else MALE)
        name = first if rng.random() < 0.1 else f"{first} {rng.choice(FAMILY)}"
        if rng.random() < 0.3:
            name = f"{name} {rng.choice(FAMILY)}"
        district = rng.choice(tuple(self.districts))
        village_code, village = rng.choice(self.villages[district])
        region = district.replace(".", "")
        issued = min(born + timedelta(days=rng.randint(17 * 365, 17 * 365 + 3000)), applied)
        data.update(
            {
                "application_date": applied,
                # Numbers above the demo's own (which count from 1).
                "application_number": f"{applied.year}-BDG-{100_000 + number:06d}",
                "due_date": applied + timedelta(days=21) if rng.random() < 0.7 else None,
                "applicant_name": name,
                "birth_date": born,
                "birth_place": rng.choice(BIRTH_PLACES),
                "nik": encode_nik(district, sex, born, rng.randint(1, 9999)),
                "kk": f"{region}{issued:%d%m%y}{rng.randint(1, 9999):04d}",
                "village_code": village_code,
                "address": f"Kp. {village} RT {rng.randint(1, 9):02d} "
                f"RW {rng.randint(1, 12):02d}, {self.districts[district]}",
                "phone": f"+628{rng.randint(11, 59)}{rng.randint(0, 10**8 - 1):08d}",
            }
        )
        recent = (self.today - applied).days < RECENT_DAYS
        state = pick(rng, RECENT_STATES if recent else OLD_STATES)
        moved = state != "referred" and not (state == "cancelled" and rng.random() < 0.4)
        days_on = max(0, min(60, (self.today - applied).days))
        return {
            "data": data,
            "district": district,
            "state": state,
            "assigned": moved,
            "version": VERSIONS[state],
            "created_at": created_at,
            "updated_at": created_at + timedelta(days=rng.randint(0, days_on) if moved else 0),
        }


def doubtful_nik(rng: random.Random, data: dict, district: str):
    """For some cases made through create_case: a NIK that disagrees with the application (or
    comes from an unknown district, or belongs to a minor), so that they get findings."""
    from fieldcheck.domain.identity import encode_nik

    roll = rng.random()
    sex, born = data["sex"], data["birth_date"]
    if roll < 0.08:  # the NIK's birth date differs
        born = born + timedelta(days=rng.choice((-40, -3, 3, 40)))
    elif roll < 0.12:  # the NIK's sex differs
        sex = "M" if sex == "F" else "F"
    elif roll < 0.16:  # a district of Kota Bandung the region table lacks
        district = "32.73.01"
    elif roll < 0.19:  # a 16-year-old, unmarried
        data["birth_date"] = born = date(data["application_date"].year - 16, 1, 15)
        data["marital_status"] = "single"
        sex = data["sex"]
    else:
        return
    data["nik"] = encode_nik(district, sex, born, rng.randint(1, 9999))


class RiskCache:
    """service.evaluate_risk on the facts create_case would give it, once per distinct facts."""

    def __init__(self):
        self.seen = {}

    def __call__(self, data: dict) -> tuple:
        from fieldcheck.cases import service
        from fieldcheck.domain import identity

        key = (
            data["sex"],
            identity.age_on(data["birth_date"], data["application_date"]),
            data["marital_status"],
            data["destination_country"],
            data["purpose"],
            data["visa_type"],
            tuple(data["documents"]),
            data["sponsor_is_employer"],
            data["age_doubted"],
        )
        if key not in self.seen:
            # The answers intake may leave out (issue 15) are None, as create_case stores them.
            case = SimpleNamespace(id=None, job_offer_channel=None, costs_paid_by=None, **data)
            case.documents = json.dumps(data["documents"])
            service.evaluate_risk(case)
            risk = (case.risk_score, case.risk_level, case.risk_signals, case.rules_version)
            self.seen[key] = risk
        return self.seen[key]


def plan_cases(to_make: int, today: date) -> dict:
    """The cases to make, precomputed once a run (every backend gets the same ones).

    `service`: create_case's input for VIA_SERVICE cases, oldest first, and whether to assign
    each; `bulk`: the other cases, oldest first, as `make` describes them plus their risk.
    """
    rng = random.Random(SEED)
    moments = sorted(
        datetime.combine(today - timedelta(days=rng.randint(0, 729)), datetime.min.time(), UTC)
        + timedelta(minutes=rng.randint(60, 540))  # 08:00-16:00 WIB
        for _ in range(to_make)
    )
    via_service = set(rng.sample(range(to_make), VIA_SERVICE))
    maker, risk = CaseMaker(rng, today), RiskCache()
    service, bulk = [], []
    for n, at in enumerate(moments):
        spec = maker.make(n + 1, at)
        if n in via_service:
            doubtful_nik(rng, spec["data"], spec["district"])
            spec["assign"] = rng.random() < 0.5
            service.append(spec)
        else:
            spec["risk"] = risk(spec["data"])
            spec["officer"] = rng.random() < 0.7 and spec["state"] in WITH_OFFICER
            spec["officer_index"] = rng.randint(0, 1)
            bulk.append(spec)
    return {"service": service, "bulk": bulk, "today": today, "risk_evaluations": len(risk.seen)}


def case_row(spec: dict, office, teams: dict, officers: list, creator) -> tuple:
    """The insert_many row of a case that went where spec says, as create_case stores it."""
    from fieldcheck.cases import service

    data = spec["data"]
    team = teams[spec["district"][:5]] if spec["assigned"] else None  # the district's team
    officer = None
    if team is not None and spec["officer"] and team.id == officers[0].team_id:
        officer = officers[spec["officer_index"] % len(officers)].id
    score, level, signals_json, rules_version = spec["risk"]
    values = {
        **data,
        "office": office.id,
        "state": spec["state"],
        "team": team.id if team else None,
        "officer": officer,
        "documents": json.dumps(data["documents"]),
        "referral_reasons": json.dumps(data["referral_reasons"]),
        "search_name": service.search_name(data["applicant_name"]),
        "district_code": spec["district"],
        "risk_score": score,
        "risk_level": level,
        "risk_signals": signals_json,
        "rules_version": rules_version,
        "created_by": creator.id,
        "created_at": spec["created_at"],
        "updated_at": spec["updated_at"],
        "version": spec["version"],
    }
    return tuple(values[c] for c in COLUMNS)


def insert_many(rows: list[tuple]):
    """Case.insert_many, BATCH rows a statement, without peewee building each statement anew.

    Peewee walks every value of every row through its query builder (some 3.7 million values
    here, most of the load's time), so its statement and parameters are built once for each
    batch size, checked, and the later batches reuse that statement with their values converted
    by the same fields' db_value: the database receives what insert_many would send.
    """
    from fieldcheck.db import database
    from fieldcheck.models import Case

    fields = [Case._meta.fields[c] for c in COLUMNS]
    statements = {}
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        params = [f.db_value(v) for row in batch for f, v in zip(fields, row, strict=True)]
        if len(batch) not in statements:
            sql, expected = Case.insert_many(batch, fields=COLUMNS).sql()
            if params != expected:
                raise BenchError("the reused insert_many statement would send other values")
            statements[len(batch)] = sql
        database.execute_sql(statements[len(batch)], params)


def load_cases(plans: dict) -> dict:
    """The demo office, then cases up to CASES: VIA_SERVICE through create_case (half of them
    then assigned), the rest by Case.insert_many. The plan is made on the first call."""
    from fieldcheck import audit
    from fieldcheck.accounts import Actor
    from fieldcheck.cases import service
    from fieldcheck.clock import utcnow
    from fieldcheck.db import database, is_postgres
    from fieldcheck.demo import create_demo
    from fieldcheck.domain import roles
    from fieldcheck.models import Case, Office, Team, User

    timings = {}
    started = time.perf_counter()
    with database.atomic():
        create_demo(Actor(None, utcnow(), "bench"))
    office = Office.get(Office.code == "KANIM-BDG")
    teams = {t.district_code: t for t in Team.select().where(Team.office == office)}
    officers = list(User.select().where(User.role == roles.FIELD).order_by(User.id))
    intake = User.get(User.username == USERNAME)
    if set(teams) != {"32.04", "32.05"} or officers[0].team_id != teams["32.04"].id:
        raise BenchError("the demo no longer has one team for 32.04 and one for 32.05")
    demo_cases = Case.select().count()  # the demo may make a few cases of its own
    timings["create_demo"] = time.perf_counter() - started

    if "plan" not in plans:
        progress(f"planning {CASES - demo_cases:,} cases (once a run)")
        started = time.perf_counter()
        plans["plan"] = plan_cases(CASES - demo_cases, utcnow().date())
        timings["plan (once a run)"] = time.perf_counter() - started
    plan = plans["plan"]
    if len(plan["service"]) + len(plan["bulk"]) + demo_cases != CASES:
        raise BenchError("create_demo made a different number of cases on this backend")

    progress(f"{len(plan['service']):,} cases through service.create_case")
    started = time.perf_counter()
    assigned = 0
    with database.atomic():
        for spec in plan["service"]:
            actor = Actor(intake, spec["created_at"], "10.20.1.15")
            case = service.create_case(actor, office, spec["data"])
            if spec["assign"]:
                later = Actor(intake, spec["created_at"] + timedelta(hours=2), "10.20.1.15")
                service.assign(later, case, teams[spec["district"][:5]], None)
                assigned += 1
    timings["create_case"] = time.perf_counter() - started

    progress(f"{len(plan['bulk']):,} cases by Case.insert_many, {BATCH} a statement")
    started = time.perf_counter()
    rows = [case_row(spec, office, teams, officers, intake) for spec in plan["bulk"]]
    if not is_postgres():
        database.execute_sql("PRAGMA cache_size = -262144")  # this connection only: 256 MiB
    with database.atomic():
        insert_many(rows)
    timings["insert_many"] = time.perf_counter() - started
    audit.seal(limit=10_000_000)
    return {
        "via_service": len(plan["service"]),
        "assigned": assigned,
        "demo_cases": demo_cases,
        "risk_evaluations": plan["risk_evaluations"],
        "timings": timings,
    }


def analyze(postgres: bool):
    from fieldcheck.db import database

    if postgres:
        database.execute_sql("VACUUM ANALYZE")
    else:
        database.execute_sql("ANALYZE")
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def summary() -> dict:
    """What the database holds: for the notes, and to check the load."""
    import peewee

    from fieldcheck.models import AuditEvent, Case, CaseFinding

    def by(field):
        query = Case.select(field, peewee.fn.COUNT(Case.id)).group_by(field).tuples()
        return dict(query)

    return {
        "cases": Case.select().count(),
        "states": by(Case.state),
        "risk": by(Case.risk_level),
        "with_findings": CaseFinding.select(CaseFinding.case).distinct().count(),
        "findings": CaseFinding.select().count(),
        "audit_events": AuditEvent.select().count(),
        "ids": [i for (i,) in Case.select(Case.id).order_by(Case.id).tuples()],
    }


def build_database(url: str, workdir: Path, secret: str, plans: dict) -> dict:
    """The schema, the demo office and the cases, analysed; a summary of what is there.

    `plans` keeps the planned cases from one backend to the next."""
    from fieldcheck import create_app, migrations
    from fieldcheck.db import database, is_postgres

    with bench.instance_path(workdir / "instance"):
        app = create_app(app_config(url, secret))
    started = time.perf_counter()
    with app.app_context():
        try:
            migrations.upgrade(database.obj)
            loaded = load_cases(plans)
            progress("ANALYZE")
            before = time.perf_counter()
            analyze(is_postgres())
            loaded["timings"]["analyze"] = time.perf_counter() - before
            loading = time.perf_counter() - started
            held = summary()
        finally:
            database.close()
    if held["cases"] != CASES:
        raise BenchError(f"the database holds {held['cases']:,} cases, not {CASES:,}")
    if held["with_findings"] == 0:
        raise BenchError("no case made through create_case has a finding")
    return {**loaded, **held, "load_seconds": loading}


# The server -------------------------------------------------------------------------------------


def has_gunicorn() -> bool:
    return importlib.util.find_spec("gunicorn") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its live children (Linux /proc), else None."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0, False
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for candidate in pids:
        try:
            with open(f"/proc/{candidate}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        if candidate == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
            found = True
    return total / tick if found else None


def backends_cpu_seconds(database: str) -> float | None:
    """User + system CPU time of the live PostgreSQL backends connected to a database (Linux
    /proc, where a backend's command line reads "postgres: [cluster:] user database address
    state")."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0, False
    for candidate in os.listdir("/proc"):
        if not candidate.isdigit():
            continue
        try:
            with open(f"/proc/{candidate}/cmdline", "rb") as cmdline:
                words = cmdline.read().decode(errors="replace").split()
            with open(f"/proc/{candidate}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        if words[:1] == ["postgres:"] and database in words[1:4]:
            total += int(fields[11]) + int(fields[12])
            found = True
    return total / tick if found else None


class Server:
    """The app in a child process: gunicorn if installed, else werkzeug, threaded."""

    def __init__(
        self, workdir: Path, url: str, secret: str, worker_class: str = "sync", config=None
    ):
        self.port = free_port()
        self.workdir, self.url = workdir, url
        self.gunicorn = has_gunicorn()
        if self.gunicorn:
            threads = THREADS if worker_class == "gthread" else 1
            self.name = f"gunicorn {worker_class}, {WORKERS} workers" + (
                f" x {threads} threads" if threads > 1 else ""
            )
            command = [
                *(sys.executable, "-m", "gunicorn", "--worker-class", worker_class),
                *("--workers", str(WORKERS), "--threads", str(threads)),
                *("--bind", f"127.0.0.1:{self.port}", "--keep-alive", "300"),
                *("--graceful-timeout", "5", "--log-level", "warning"),
                "bench.cases:served_app()",
            ]
        else:
            self.name = "werkzeug make_server threaded=True, 1 process"
            command = [sys.executable, "-m", "bench.cases", "serve", str(self.port)]
        env = dict(
            os.environ,
            FIELDCHECK_INSTANCE_PATH=str(workdir / "instance"),
            **{APP_ENV: json.dumps({**app_config(url, secret), **(config or {})})},
        )
        self.log_path = workdir / f"server-{self.port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115  (closed by stop())
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise BenchError(f"the server stopped at start: {tail}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise BenchError(f"the server did not answer within {timeout:.0f} s: {tail}")

    def log_tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace").strip()[-2000:]

    def cpu(self) -> float | None:
        return cpu_seconds(self.process.pid)

    def database_cpu(self) -> float | None:
        """CPU time of the PostgreSQL backends serving this database (None on SQLite, which
        runs inside the server's processes)."""
        if not self.url.startswith("postgres"):
            return None
        return backends_cpu_seconds(urlsplit(self.url).path.lstrip("/"))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def serve(port: int):
    """The fallback server: werkzeug's threaded WSGI server, keep-alive on."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    WSGIRequestHandler.protocol_version = "HTTP/1.1"
    make_server("127.0.0.1", port, served_app(), threaded=True).serve_forever()


# The clients ------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(rb'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(rb'value="([^"]*)"')


class Client:
    """One browser's cookies, and a connection per request (as nginx talks to its upstream by
    default) or one kept alive."""

    def __init__(self, port: int, keep_alive: bool = False):
        self.port = port
        self.keep_alive = keep_alive
        self.conn = None
        self.cookies = {}

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, response, body, seconds from sending to the last byte of the body)."""
        headers = {"User-Agent": "fieldcheck-bench", "Accept-Language": "id"}
        if not self.keep_alive:
            headers["Connection"] = "close"
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:  # the server dropped an idle connection
                    continue
                raise
            seconds = time.perf_counter() - start
            break
        for header in response.headers.get_all("Set-Cookie") or ():
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            attributes = attributes.lower()
            if "max-age=0" in attributes or "expires=thu, 01 jan 1970" in attributes:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if response.will_close or not self.keep_alive:
            self.close()
        return response.status, response, data, seconds

    def sign_in(self, username: str, password: str):
        status, _, body, _ = self.request("GET", "/login")
        tag = CSRF_INPUT.search(body)
        token = VALUE.search(tag.group(0)) if tag else None
        if status != 200 or token is None:
            raise BenchError(f"GET /login answered {status} without a CSRF token")
        form = {"csrf_token": token.group(1).decode(), "username": username, "password": password}
        status, response, _, _ = self.request("POST", "/login", form)
        if status != 303 or response.getheader("Location", "").endswith("/login"):
            raise BenchError(f"signing in as {username} answered {status}, not 303")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def spent(before: tuple, after: tuple) -> list:
    """CPU seconds used between two readings of (server, database), None where not known."""
    pairs = zip(before, after, strict=True)
    return [None if b is None or a is None else max(0.0, a - b) for b, a in pairs]


def page_path(template: str, rng: random.Random, ids: list) -> str:
    return template.replace("{id}", str(rng.choice(ids))) if "{id}" in template else template


def python_phase(server: Server, clients: list, page: tuple, ids: list, per_client: int, seed):
    """Every client (a thread here) asks for the page per_client times, all at once."""
    name, template, marker = page
    barrier = threading.Barrier(len(clients) + 1)
    latencies = [[] for _ in clients]
    errors = []

    def work(i: int, client: Client):
        rng = random.Random(seed * 1000 + i)
        paths = [page_path(template, rng, ids) for _ in range(per_client)]
        barrier.wait()
        try:
            for path in paths:
                status, _, body, seconds = client.request("GET", path)
                if status != 200 or marker not in body:
                    errors.append(f"GET {path} answered {status}: {body[:300]!r}")
                    return
                latencies[i].append(seconds)
        except Exception as exc:  # reported below, with the page it failed on
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    before = (server.cpu(), server.database_cpu())
    start, mine = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    wall, after = time.perf_counter() - start, (server.cpu(), server.database_cpu())
    client_cpu = time.process_time() - mine
    if errors:
        raise BenchError(f"{name}: {len(errors)} clients failed, first: {errors[0]}")
    return [s for one in latencies for s in one], wall, *spent(before, after), client_cpu


class Wrk:
    """Debian's wrk as the clients (bench/cases.lua): one wrk thread and connection a client."""

    def __init__(self, workdir: Path, clients: list, ids: list):
        self.workdir = workdir
        self.cookies = workdir / "wrk-cookies.txt"
        self.cookies.write_text(
            "".join("; ".join(f"{k}={v}" for k, v in c.cookies.items()) + "\n" for c in clients)
        )
        if ids == list(range(ids[0], ids[-1] + 1)):
            self.ids = f"{ids[0]}-{ids[-1]}"
        else:
            self.ids = workdir / "wrk-ids.txt"
            self.ids.write_text("".join(f"{i}\n" for i in ids))
        self.out = workdir / "wrk-out.txt"

    def phase(self, server: Server, clients: int, page: tuple, seconds: float, seed: int):
        """`clients` connections ask for the page for `seconds`: latencies, wall, CPU."""
        name, template, marker = page
        env = dict(
            os.environ,
            FIELDCHECK_BENCH_WRK_COOKIES=str(self.cookies),
            FIELDCHECK_BENCH_WRK_IDS=str(self.ids),
            FIELDCHECK_BENCH_WRK_PATH=template,
            FIELDCHECK_BENCH_WRK_MARKER=marker.decode(),
            FIELDCHECK_BENCH_WRK_SEED=str(seed % 1_000_000),
            FIELDCHECK_BENCH_WRK_OUT=str(self.out),
        )
        command = [
            *("wrk", "-t", str(clients), "-c", str(clients), "-d", f"{seconds:g}s"),
            *("--timeout", "60s", "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{server.port}"),
        ]
        self.out.unlink(missing_ok=True)
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = (server.cpu(), server.database_cpu())
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        after = (server.cpu(), server.database_cpu())
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = sum(
            getattr(wrk_after, f) - getattr(wrk_before, f) for f in ("ru_utime", "ru_stime")
        )
        if done.returncode != 0 or not self.out.exists():
            raise BenchError(f"{name}: wrk failed ({done.returncode}): {done.stderr.strip()}")
        lines = self.out.read_text().splitlines()
        counts = dict(line.split(" ", 1) for line in lines[:5])
        if int(counts["bad"]) or int(counts["errors"]):
            raise BenchError(
                f"{name}: {counts['bad']} bad answers and {counts['errors']} socket errors "
                f"out of {counts['requests']}; first: {counts['first']}"
            )
        latencies = [float(line) / 1e6 for line in lines[5:]]
        if not latencies or len(latencies) != int(counts["requests"]):
            raise BenchError(f"{name}: wrk timed {len(latencies)} of {counts['requests']}")
        wall = int(counts["microseconds"]) / 1e6  # the timed run, without wrk's start and end
        return latencies, wall, *spent(before, after), client_cpu


def measure(
    server: Server, ids: list, rounds: int, pages: tuple = PAGES, username: str = USERNAME
) -> dict:
    """Sign the clients in, warm up, then the pages in rounds: per page its pooled figures.
    The first of `pages` is the floor (bench/recruiters.py measures its own pages with it)."""
    from fieldcheck.demo import DEMO_PASSWORD

    PAGES, USERNAME = pages, username  # noqa: N806  (this call's pages and reader)
    clients = [Client(server.port) for _ in range(CLIENTS)]
    progress(f"signing {CLIENTS} clients in as {USERNAME}")
    for client in clients:
        client.sign_in(USERNAME, DEMO_PASSWORD)
    if shutil.which("wrk"):
        wrk = Wrk(server.workdir, clients, ids)
        seconds = PAGE_SECONDS / rounds

        def run_phase(page, n, per_client, seconds, seed):
            return wrk.phase(server, n, page, seconds, seed)

        warmup, solo, per_round = (
            f"{WARMUP_SECONDS:g} s",
            f"{SOLO_SECONDS:g} s",
            f"{seconds:g} s",
        )
    else:

        def run_phase(page, n, per_client, seconds, seed):
            return python_phase(server, clients[:n], page, ids, per_client, seed)

        per_client = math.ceil(REQUESTS / rounds)
        warmup, solo, per_round = (
            f"{WARMUP} requests a client",
            f"{SOLO} requests",
            f"{per_client} requests a client",
        )
    progress(f"warming up: {warmup} a page")
    for n, page in enumerate(PAGES):
        run_phase(page, CLIENTS, WARMUP, WARMUP_SECONDS, seed=-1 - n)
    progress(f"one client alone: {solo} a page")
    figures = {}
    for n, page in enumerate(PAGES):
        alone, *_ = run_phase(page, 1, SOLO, SOLO_SECONDS, seed=100 + n)
        figures[page[0]] = {
            "alone": alone,
            "latencies": [],
            "wall": 0.0,
            "cpu": 0.0,
            "database": 0.0,
            "client": 0.0,
        }
    for r in range(rounds):
        order = PAGES[r % len(PAGES) :] + PAGES[: r % len(PAGES)]
        progress(f"round {r + 1}/{rounds}: {per_round} a page")
        for page in order:
            latencies, wall, cpu, database_cpu, client_cpu = run_phase(
                page, CLIENTS, math.ceil(REQUESTS / rounds), PAGE_SECONDS / rounds, seed=r
            )
            got = figures[page[0]]
            got["latencies"] += latencies
            got["wall"] += wall
            for key, value in (("cpu", cpu), ("database", database_cpu)):
                got[key] = None if value is None or got[key] is None else got[key] + value
            got["client"] += client_cpu
    for client in clients:
        client.close()
    if shutil.which("wrk"):
        how = (
            f"{CLIENTS} clients: Debian's wrk (C, epoll; bench/cases.lua), one thread and one "
            f"connection a client, each signed in as {USERNAME} with its own session cookie, "
            "a new connection a request (Connection: close, as nginx opens to its upstream by "
            f"default), {per_round} a page per round, {rounds} rounds in rotating page order; "
            "latency = making the request (right after connecting) to reading the last byte, "
            "every request's latency kept. "
            f"Warm-up: {warmup} a page, not counted. 1 client: median of one connection alone "
            f"for {solo}, before the others start."
        )
    else:
        how = (
            f"{CLIENTS} clients: Python threads in the bench process (http.client; install wrk "
            f"for a lighter load), each signed in as {USERNAME}, one connection a request (as "
            f"nginx opens to its upstream by default), {per_round} a page per round, {rounds} "
            "rounds in rotating page order; latency = connecting to reading the last byte. "
            f"Warm-up: {warmup} a page, not counted. 1 client: median of {solo} by one client "
            "alone, before the others start."
        )
    return figures, how


# The report -------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISS"


def report(backend: str, figures: dict) -> list[tuple]:
    floor = next(iter(figures.values()))  # the first page measured is the floor
    floor_p95 = p95(floor["latencies"])
    lines = []
    for name, got in figures.items():
        values = got["latencies"]
        n, high = len(values), p95(values)
        is_floor = got is floor
        cpu = f"{got['cpu'] / n * 1000:.1f} ms" if got["cpu"] is not None else "-"
        database_cpu = (
            f"{got['database'] / n * 1000:.1f} ms" if got["database"] is not None else "-"
        )
        client_cpu = f"{got['client'] / n * 1000:.2f} ms"
        lines.append(
            (
                backend,
                name,
                f"{n:,}",
                f"{n / got['wall']:,.0f}",
                cpu,
                database_cpu,
                client_cpu,
                bench.format_seconds(statistics.median(got["alone"])),
                bench.format_seconds(statistics.median(values)),
                bench.format_seconds(high),
                f"{high / floor_p95:.2f}x",
                "-" if is_floor else verdict(high <= TARGET_X_FLOOR * floor_p95),
            )
        )
    return lines


def table(lines: list[tuple]) -> list[str]:
    header = (
        "backend",
        "page",
        "requests",
        "req/s",
        "server CPU/req",
        "PostgreSQL CPU/req",
        "client CPU/req",
        "1 client: median",
        "median",
        "p95",
        "p95 x floor",
        f"p95 <= {TARGET_X_FLOOR:g}x floor",
    )
    rows = [header, *lines]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {2, 3, 4, 5, 6, 7, 8, 9, 10}

    def render(row):
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs]
        return "  ".join(cells).rstrip()

    return [render(header), "  ".join("-" * w for w in widths), *(render(r) for r in lines)]


def describe_data(held: dict) -> str:
    from fieldcheck.domain import signals

    by_count = sorted(held["states"].items(), key=lambda item: -item[1])
    states = ", ".join(f"{state} {n:,}" for state, n in by_count)
    risk = ", ".join(f"{level} {held['risk'].get(level, 0):,}" for level in signals.LEVELS)
    return (
        f"{held['cases']:,} cases ({held['demo_cases']:,} made by create_demo, "
        f"{held['via_service']:,} through create_case, "
        f"{held['assigned']:,} of them assigned through service.assign; "
        f"{held['with_findings']:,} with {held['findings']:,} findings; "
        f"{held['audit_events']:,} audit events); risk: {risk}; states: {states}."
    )


def run(ctx: bench.Context) -> Result:
    result = Result()
    lines, server_name, plans = [], None, {}
    for backend in ctx.backends():
        url = sqlite_url(ctx.sqlite_path("cases")) if backend == "sqlite" else ctx.fresh_postgres()
        secret = secrets.token_hex(32)
        progress(f"{backend}: loading {CASES:,} cases")
        held = build_database(url, ctx.workdir, secret, plans)
        progress(f"{backend}: loaded in {held['load_seconds']:.1f} s; starting the server")
        server = Server(ctx.workdir, url, secret)
        server_name = server.name
        try:
            started, load_before = time.perf_counter(), load_average()
            figures, clients_note = measure(server, held["ids"], ctx.runs)
            took, load_after = time.perf_counter() - started, load_average()
        finally:
            server.stop()
        lines += report(backend, figures)
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in held["timings"].items())
        result.notes.append(
            f"{backend}: loaded in {held['load_seconds']:.1f} s ({timings}); "
            f"{describe_data(held)} Sign-in, warm-up and the timed requests took {took:.1f} s; "
            f"load average {load_before} before, {load_after} after."
        )
    plans.clear()
    result.notes[:0] = [
        *table(lines),
        "",
        f"Server: {server_name}, on 127.0.0.1, in a child process; {os.cpu_count()} CPUs here "
        "shared by the server, the database and the clients (and whatever else runs: see the "
        "load averages below; figures taken on a busy machine are high and noisy).",
        clients_note,
        "Every client asks again as soon as it has its answer (a closed loop), so with all of "
        "them busy the server is saturated: the latency includes the queue at the server, and "
        f"the median is about {CLIENTS} / throughput, so it follows the CPU per request.",
        "Floor: /bench/floor/<random id>, added to the bench's app only: one SELECT by primary "
        "key and a template extending base.html, behind signed_in. The case page opens a "
        "random case and writes its audit read event. Targets are printed, never asserted.",
        "server CPU/req: CPU time of the server processes (Python, and SQLite inside it) per "
        "request. PostgreSQL CPU/req: its backends serving the bench's database (their "
        "connections are the server's pool, kept for the run). client CPU/req: the load "
        "generator's own (wrk, or the bench process's threads).",
    ]
    return result


def load_average() -> str:
    try:
        return "/".join(f"{n:.1f}" for n in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":  # the fallback server: python -m bench.cases serve PORT
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]))
