"""The field officer's phone, measured in Debian's headless Chromium against the app (demo data,
SQLite) on loopback, signed in as the demo officer `field1`:

- Lighthouse (the version pinned in bench/package.json, installed by `make install-test`), mobile
  form factor, on the officer's list (/field/) and the verification form's first step
  (/field/cases/<id>), with the session cookie sent by `--extra-headers`: the performance and
  accessibility scores beside the bar of 95, median of the runs.
- The first load of the list after sign-in: a fresh browser context holding only the session
  cookie opens /field/ with an empty cache; every response until `load`, its body as sent on the
  wire and gzip-compressed (gzip -6 of the body where the app sent it uncompressed: what a proxy
  with `gzip on` sends), beside the bar of 60 KiB.
- What the phone then fetches in the background (service worker shell, device token, pull, the
  case pages), gzip-compressed, as the server saw it.
- An offline reload of the list: the page's requests that the service worker did not answer
  (bar 0), and the requests that reached the server.

Figures only: a benchmark fails only when the work went wrong (Lighthouse could not run, or the
page it measured was not the one asked for: the sign-in page, say).
"""

import gzip
import json
import os
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import BenchError, Result, Row, Skip, progress
from fieldcheck import accounts, create_app, migrations
from fieldcheck.clock import utcnow
from fieldcheck.db import database, open_database, sqlite_url
from fieldcheck.demo import create_demo

TITLE = "the phone: Lighthouse (mobile) on the list and the form, first-load bytes, offline reload"
BENCH_DIR = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
OFFICER = "field1"
BAR_SCORE = 95
TARGET_FIRST_LOAD = 60 * 1024
# A folder to keep each page's last Lighthouse report in (JSON), to read why a score fell.
REPORTS_DIR_ENV = "FIELDCHECK_BENCH_LIGHTHOUSE_DIR"
MOBILE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LIGHTHOUSE_CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CATEGORIES = ("performance", "accessibility")
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)


class Meter:
    """Counts the requests and the gzip size of every response body, by path."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.seen = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        status = []

        def start(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info)

        body = b"".join(self.app(environ, start))
        with self.lock:
            self.seen.append(
                (
                    environ["REQUEST_METHOD"],
                    path,
                    status[0][:3],
                    len(body),
                    len(gzip.compress(body, 6)),
                )
            )
        return [body]

    def take(self):
        with self.lock:
            seen, self.seen = self.seen, []
        return seen


def _wait(page, condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the phone did not finish")
        page.wait_for_timeout(100)


def _lighthouse_user_agent() -> str:
    """The User-Agent Lighthouse's mobile emulation sends: the session must begin with it (a
    session is bound to the browser it began in)."""
    done = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            "import {userAgents} from 'lighthouse/core/config/constants.js';"
            "console.log(userAgents.mobile)",
        ],
        cwd=BENCH_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise BenchError(f"could not read Lighthouse's mobile User-Agent: {done.stderr.strip()}")
    return done.stdout.strip()


def _signed_in(app, user_agent: str) -> tuple[str, str]:
    """(cookie name, value) of a new session of the officer on this browser (loopback, this
    User-Agent), begun by the app's own `security.start_session`, as a sign-in begins it: the
    state of a phone after its officer signed in, whatever the way of signing in."""
    from flask import session

    from fieldcheck.models import User
    from fieldcheck.security import start_session

    request = {"headers": {"User-Agent": user_agent}, "environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    with app.test_request_context("/", **request), database.atomic():
        start_session(User.get(User.username == OFFICER))
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    name = app.config["SESSION_COOKIE_NAME"]
    for header in response.headers.getlist("Set-Cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return name, rest.split(";", 1)[0]
    raise BenchError("starting a session set no session cookie")


def _first_case(app) -> int:
    from fieldcheck.field import queries
    from fieldcheck.models import User

    with app.app_context():
        cases = queries.phone_cases(User.get(User.username == OFFICER))
    if not cases:
        raise BenchError(f"the demo gives {OFFICER} no case")
    return cases[0].id


def _lighthouse(url: str, cookie: str, out: Path) -> dict:
    """One Lighthouse run (mobile) of the page; its JSON report."""
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--only-categories={','.join(CATEGORIES)}",
            "--form-factor=mobile",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            "--no-enable-error-reporting",
            "--extra-headers",
            json.dumps({"Cookie": cookie}),
            f"--chrome-flags={' '.join(LIGHTHOUSE_CHROME_FLAGS)}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        cwd=BENCH_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not out.is_file():
        raise BenchError(f"lighthouse {url} failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise BenchError(f"lighthouse {url}: {report['runtimeError']}")
    final = report.get("finalDisplayedUrl", "")
    if urlsplit(final).path != urlsplit(url).path:
        raise BenchError(f"lighthouse measured {final}, not {url}: the session was not accepted")
    return report


def _report_path(ctx, path: str) -> Path:
    """Where Lighthouse writes a page's report: kept in FIELDCHECK_BENCH_LIGHTHOUSE_DIR when
    that is set (the last run of each page), else in the bench's scratch folder."""
    kept = os.environ.get(REPORTS_DIR_ENV)
    if not kept:
        return ctx.workdir / "lh.json"
    return Path(kept) / f"lighthouse-{path.strip('/').replace('/', '-')}.json"


def _scores(report: dict) -> dict:
    return {name: report["categories"][name]["score"] * 100 for name in CATEGORIES}


def _lighthouse_notes(label: str, report: dict) -> list[str]:
    """The run's metrics, the weighted accessibility audits that fail, and the performance audits
    scoring below 0.9 (with what Lighthouse says they would save)."""
    audits = report["audits"]
    metrics = ", ".join(
        f"{m.replace('-', ' ')} {audits[m].get('displayValue', '-')}"
        for m in METRICS
        if m in audits
    )
    notes = [f"{label} (last run): {metrics}."]
    for category, below in (("accessibility", 1), ("performance", 0.9)):
        for ref in report["categories"][category]["auditRefs"]:
            audit = audits[ref["id"]]
            score = audit.get("score")
            if score is None or score >= below:
                continue
            if category == "accessibility" and not ref.get("weight"):
                continue
            shown = audit.get("displayValue") or ""
            notes.append(f"  {label}, {category}: {ref['id']} {score:.2f} {shown}".rstrip())
    return notes


def _body_sizes(response) -> tuple[int, int, bool]:
    """(body bytes on the wire, the body gzip-compressed, whether the app compressed it)."""
    response.finished()
    wire = max(0, response.request.sizes().get("responseBodySize", 0))
    encoded = bool(response.headers.get("content-encoding"))
    if encoded:
        return wire, wire, True
    try:
        body = response.body()
    except Exception:  # a redirect has no body to read
        return wire, wire, False
    return max(wire, len(body)), len(gzip.compress(body, 6)), False


def _serve(folder: Path):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        """Keeps the bench's table readable: no line per request (errors are still logged)."""

        def log_request(self, code="-", size="-"):
            pass

    url = sqlite_url(folder / "fieldcheck.db")
    db = open_database(url)
    migrations.upgrade(db)
    db.close()
    app = create_app(
        {"SECRET_KEY": secrets.token_hex(16), "DATABASE_URL": url, "INSTANCE_PATH": str(folder)}
    )
    with app.app_context(), database.atomic():
        create_demo(accounts.Actor(None, utcnow(), "bench"))
    meter = Meter(app)
    server = make_server("127.0.0.1", 0, meter, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, meter, server, f"http://127.0.0.1:{server.server_port}"


def _downloads(browser, app, meter, base, user_agent) -> dict:
    """The first load of the list in a fresh context, the background after it, an offline
    reload."""
    name, value = _signed_in(app, user_agent)
    context = browser.new_context(
        base_url=base, viewport=MOBILE, user_agent=user_agent, locale="id-ID"
    )
    context.add_cookies([{"name": name, "value": value, "url": base}])
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    meter.take()
    page.goto("/field/", wait_until="load")
    if urlsplit(page.url).path != "/field/":
        raise BenchError(f"the list's first load ended on {page.url}: the session was refused")
    loaded = list(responses)  # what came before `load`; reading sizes lets more events in
    meter.take()
    first = [(urlsplit(r.url).path, r.status, *_body_sizes(r)) for r in loaded]
    _wait(page, lambda: page.evaluate("Number(document.documentElement.dataset.syncCount || 0)"))
    _wait(page, lambda: page.evaluate("Boolean(navigator.serviceWorker.controller)"))
    page.wait_for_timeout(500)
    background = meter.take()
    requests = []
    page.on("request", lambda request: requests.append(request))
    context.set_offline(True)
    page.reload(wait_until="load")
    page.wait_for_timeout(500)
    offline_server = meter.take()
    answered = [
        r for r in requests if r.response() is not None and r.response().from_service_worker
    ]
    shown = page.locator("[data-case-id]").count()
    context.close()
    return {
        "first": first,
        "background": background,
        "offline_requests": requests,
        "offline_answered": answered,
        "offline_server": offline_server,
        "offline_cases_shown": shown,
    }


def run(ctx) -> Result:
    if not LIGHTHOUSE.exists():
        raise Skip("Lighthouse is not installed in bench/node_modules: run `make install-test`")
    if not Path(CHROMIUM).exists():
        raise Skip(f"no Chromium at {CHROMIUM}: `make browser` installs Debian's")
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="fieldcheck-bench-phone-"))
    app, meter, server, base = _serve(folder)
    user_agent = _lighthouse_user_agent()
    case_id = _first_case(app)
    pages = {"list": "/field/", "form, first step": f"/field/cases/{case_id}"}
    result = Result()
    scores = {label: {name: [] for name in CATEGORIES} for label in pages}
    last = {}
    try:
        for run_no in range(ctx.runs):
            for label, path in pages.items():
                progress(f"Lighthouse {run_no + 1}/{ctx.runs}: {label} ({path})")
                name, value = _signed_in(app, user_agent)
                report = _lighthouse(base + path, f"{name}={value}", _report_path(ctx, path))
                for category, score in _scores(report).items():
                    scores[label][category].append(score)
                last[label] = report
        progress("first load of the list in a fresh Chromium context, then offline")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                seen = _downloads(browser, app, meter, base, user_agent)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()

    for label in pages:
        for category in CATEGORIES:
            result.rows.append(
                Row(
                    "sqlite",
                    f"Lighthouse {category}: {label}",
                    statistics.median(scores[label][category]),
                    "bar",
                    BAR_SCORE,
                    unit="score",
                )
            )
    first = seen["first"]
    gz_total = sum(gz for _, _, _, gz, _ in first)
    wire_total = sum(wire for _, _, wire, _, _ in first)
    compressed_by_app = [path for path, _, _, _, enc in first if enc]
    background = sum(gz for *_, gz in seen["background"])
    not_answered = len(seen["offline_requests"]) - len(seen["offline_answered"])
    result.rows += [
        Row(
            "sqlite",
            "first load of the list after sign-in (gzip)",
            gz_total,
            "bar",
            TARGET_FIRST_LOAD,
            unit="B",
        ),
        Row(
            "sqlite",
            "  the same as the app sends it",
            wire_total,
            "bar",
            TARGET_FIRST_LOAD,
            unit="B",
        ),
        Row("sqlite", "then in the background (gzip)", background, unit="B"),
        Row(
            "sqlite",
            "offline reload: requests not served by the SW",
            not_answered,
            "bar",
            0,
            unit="n",
        ),
        Row(
            "sqlite",
            "offline reload: requests reaching the server",
            len(seen["offline_server"]),
            "bar",
            0,
            unit="n",
        ),
    ]
    for label in pages:
        result.notes += _lighthouse_notes(f"{label}", last[label])
    verdicts = {
        label: all(statistics.median(scores[label][c]) >= BAR_SCORE for c in CATEGORIES)
        for label in pages
    }
    result.notes.append(
        "Lighthouse against the bar of 95: "
        + ", ".join(f"{label} {'OK' if ok else 'MISS'}" for label, ok in verdicts.items())
        + f" (Lighthouse's simulated slow 4G and 4x CPU slowdown; median of {ctx.runs})."
    )
    result.notes.append(
        f"First load {gz_total / 1024:.1f} KiB gzip-compressed in {len(first)} responses: "
        f"{'OK' if gz_total <= TARGET_FIRST_LOAD else 'MISS'} against "
        f"{TARGET_FIRST_LOAD // 1024} KiB; "
        + ", ".join(f"{path} {gz / 1024:.1f} KiB" for path, _, _, gz, _ in first)
        + "."
    )
    if compressed_by_app:
        result.notes.append(f"The app compressed: {', '.join(compressed_by_app)}.")
    else:
        result.notes.append(
            f"The app compresses none of these responses (no Content-Encoding): as served the "
            f"first load is {wire_total / 1024:.1f} KiB "
            f"({'OK' if wire_total <= TARGET_FIRST_LOAD else 'MISS'} against "
            f"{TARGET_FIRST_LOAD // 1024} KiB); the gzip figure is what a proxy with gzip on sends."
        )
    result.notes.append(
        f"Background after the list showed: {len(seen['background'])} requests (service worker "
        "shell, device token, pull, the pages the pull named)."
    )
    result.notes.append(
        f"Offline reload: {len(seen['offline_requests'])} requests by the page, "
        f"{len(seen['offline_answered'])} answered by the service worker, "
        f"{len(seen['offline_server'])} reached the server; {seen['offline_cases_shown']} cases "
        f"shown ({'OK' if not not_answered and not seen['offline_server'] else 'MISS'}: target 0)."
    )
    return result
