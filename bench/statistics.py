"""The statistics dashboard and its partners' export at 100,000 cases, beside the floor page.

Data: the case benchmark's database (bench/cases.py build_database: the demo office and
100,000 cases, planned the same way, ANALYZEd). Those cases carry no field visits, decisions or
registry answers beyond the demo's, so the dashboard's timeline, region, destination and signal
counts read every case of the year while the visit, decision and registry counts read few rows.

Server: bench/cases.py's (gunicorn sync workers, or werkzeug), with its floor page
(/bench/floor/<id>: one SELECT by primary key and a template extending base.html, behind the
sign-in). One client, signed in as the demo's supervisor, asks in turn for the floor page, the
dashboard with its default filters (the last twelve months by month), by week, and the JSON
export (each export writes its audit event); REQUESTS of each, interleaved, after WARMUP. The
figures: median and p95 of each page's latencies, and the p95 as a multiple of the floor's.
A page that answers other than 200 fails the bench.
"""

import random
import secrets
import statistics
import time

import bench
from bench import BenchError, Result, Row, progress
from bench import cases as case_bench
from fieldcheck.db import sqlite_url

TITLE = "statistics dashboard and export, 100,000 cases, one client, beside a floor page"

REQUESTS = 30  # a page, a run
WARMUP = 3
USERNAME = "supervisor"
PAGES = (
    ("floor: /bench/floor/<id>", "/bench/floor/{id}", b"<h1>"),
    ("GET /statistics/", "/statistics/", b'id="panel-activity"'),
    ("GET /statistics/?by=week", "/statistics/?by=week", b'id="panel-activity"'),
    ("GET /statistics/export.json", "/statistics/export.json", b'"tabular-data-package"'),
)


def measure(port: int, ids: list, runs: int) -> dict:
    """Each page's latencies, the pages asked for in turn by one signed-in client."""
    from fieldcheck.demo import DEMO_PASSWORD

    client = case_bench.Client(port, keep_alive=True)
    client.sign_in(USERNAME, DEMO_PASSWORD)
    rng = random.Random(case_bench.SEED)
    latencies = {name: [] for name, _, _ in PAGES}
    for n in range(WARMUP + REQUESTS * runs):
        for name, template, marker in PAGES:
            path = case_bench.page_path(template, rng, ids)
            status, _, body, seconds = client.request("GET", path)
            if status != 200 or marker not in body:
                raise BenchError(f"GET {path} answered {status} without {marker!r}")
            if n >= WARMUP:
                latencies[name].append(seconds)
    client.close()
    return latencies


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
            latencies = measure(server.port, held["ids"], ctx.runs)
            took = time.perf_counter() - started
        finally:
            server.stop()
        floor_name = PAGES[0][0]
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
