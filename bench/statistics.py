"""The statistics dashboard and its partners' export at 100,000 cases, beside the floor page.

Data: the case benchmark's database (bench/cases.py build_database: the demo office and
100,000 cases, planned the same way, ANALYZEd). Those cases carry no field visits, decisions or
registry answers beyond the demo's, so the dashboard's timeline, region, destination and signal
counts read every case of the year while the visit, decision and registry counts read few rows.

Server: bench/cases.py's (gunicorn sync workers, or werkzeug), with its floor page
(/bench/floor/<id>: one SELECT by primary key and a template extending base.html, behind the
sign-in). Two clients, signed in as the demo's supervisor and its headquarters analyst, ask in
turn for the floor page, the office's dashboard with its default filters (the last twelve
months by month: all filters off), by week, the analyst's dashboard of every office and of one
office (?office=KANIM-BDG), and the JSON export (each export writes its audit event); REQUESTS
of each, interleaved, after WARMUP. The figures: median and p95 of each page's latencies, and
the p95 as a multiple of the floor's. A page that answers other than 200 fails the bench.

The dashboard counts from the statistics' summary (fieldcheck.statistics.summary), rebuilt when
older than STATISTICS_MAX_AGE_SECONDS (300 s): the first request of the warmup rebuilds it
(its time is printed); a rebuild inside the timed requests would be one request of many.
Between rebuilds a dashboard asked for again is served as drawn (fieldcheck.statistics.
snapshots); the "new filters" page starts its period on a random day of the year each time,
so it is counted and drawn from the summary every time: the figure of a first look.
"""

import random
import secrets
import statistics
import time
from datetime import date, timedelta

import bench
from bench import BenchError, Result, Row, progress
from bench import cases as case_bench
from fieldcheck.db import sqlite_url

TITLE = "statistics dashboards (office, analyst) and export, 100,000 cases, beside a floor page"

REQUESTS = 30  # a page, a run
WARMUP = 3
USERS = ("supervisor", "analyst")
PANEL = b'id="panel-activity"'
PAGES = (  # (name, who asks, path, what the answer holds)
    ("floor: /bench/floor/<id>", "supervisor", "/bench/floor/{id}", b"<h1>"),
    ("office: GET /statistics/", "supervisor", "/statistics/", PANEL),
    ("office: GET /statistics/?by=week", "supervisor", "/statistics/?by=week", PANEL),
    ("analyst: GET /statistics/", "analyst", "/statistics/", b'id="panel-offices"'),
    ("analyst: ?office=KANIM-BDG", "analyst", "/statistics/?office=KANIM-BDG", PANEL),
    ("office: new filters (?start=<day>)", "supervisor", "/statistics/?start={day}", PANEL),
    (
        "office: GET /statistics/export.json",
        "supervisor",
        "/statistics/export.json",
        b'"tabular-data-package"',
    ),
)


def measure(port: int, ids: list, runs: int) -> tuple[dict, float]:
    """Each page's latencies, the pages asked for in turn by the signed-in clients; and the
    first request's time (the summary's rebuild)."""
    from fieldcheck.demo import DEMO_PASSWORD

    clients = {}
    for user in USERS:
        clients[user] = case_bench.Client(port, keep_alive=True)
        clients[user].sign_in(user, DEMO_PASSWORD)
    rng = random.Random(case_bench.SEED)
    latencies = {name: [] for name, _, _, _ in PAGES}
    first = None
    for n in range(WARMUP + REQUESTS * runs):
        for name, user, template, marker in PAGES:
            path = case_bench.page_path(template, rng, ids)
            if "{day}" in path:  # a start the kept dashboards have not seen (one of 330 days)
                day = date.today() - timedelta(days=rng.randint(30, 360))
                path = path.replace("{day}", day.isoformat())
            status, _, body, seconds = clients[user].request("GET", path)
            if status != 200 or marker not in body:
                raise BenchError(f"GET {path} answered {status} without {marker!r}")
            if first is None and path.startswith("/statistics/"):
                first = seconds
            if n >= WARMUP:
                latencies[name].append(seconds)
    for client in clients.values():
        client.close()
    return latencies, first


def run(ctx: bench.Context) -> Result:
    result = Result()
    plans = {}
    for backend in ctx.backends():
        url = sqlite_url(ctx.sqlite_path("statistics")) if backend == "sqlite" else None
        url = url or ctx.fresh_postgres()
        secret = secrets.token_hex(32)
        progress(f"{backend}: loading {case_bench.CASES:,} cases")
        held = case_bench.build_database(url, ctx.workdir, secret, plans)
        # The supervisor signs in without the second factor: the pages are measured, not that.
        server = case_bench.Server(ctx.workdir, url, secret, config={"SECOND_FACTOR_ROLES": []})
        try:
            started = time.perf_counter()
            progress(f"{backend}: {REQUESTS * ctx.runs} requests a page, one client")
            latencies, first = measure(server.port, held["ids"], ctx.runs)
            took = time.perf_counter() - started
        finally:
            server.stop()
        floor_name = PAGES[0][0]
        result.notes.append(
            f"{backend}: the first dashboard (rebuilding the summary) took "
            f"{bench.format_seconds(first)}"
        )
        floor = case_bench.p95(latencies[floor_name])
        for name, values in latencies.items():
            high = case_bench.p95(values)
            result.rows.append(
                Row(backend, f"{name}: p95", high, f"{floor_name}: p95", floor, rows=None)
            )
            result.notes.append(
                f"{backend}: {name}: median {bench.format_seconds(statistics.median(values))}, "
                f"p95 {bench.format_seconds(high)} ({high / floor:.1f}x the floor's p95)"
            )
        result.notes.append(
            f"{backend}: {case_bench.describe_data(held)} Timed requests took {took:.1f} s "
            f"on {server.name}."
        )
    plans.clear()
    return result
