"""What the field officer's phone downloads: the first load of the officer's list, and an
offline reload, in real headless Chromium against the app on loopback.

Sizes are the gzip-compressed bodies (what nginx sends with `gzip on`), counted by a WSGI
middleware in front of the app; the phone is a fresh browser context (no HTTP cache).
"""

import gzip
import secrets
import tempfile
import threading
import time
from pathlib import Path

from bench import Result, Row, progress
from fieldcheck import accounts, create_app, migrations
from fieldcheck.clock import utcnow
from fieldcheck.db import database, open_database, sqlite_url
from fieldcheck.demo import DEMO_PASSWORD, create_demo

TITLE = "the phone: bytes of the first load of the officer's list, and of an offline reload"
TARGET_FIRST_LOAD = 60 * 1024
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


def run(ctx) -> Result:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        """Keeps the bench's table readable: no line per request (errors are still logged)."""

        def log_request(self, code="-", size="-"):
            pass

    folder = Path(tempfile.mkdtemp(prefix="fieldcheck-bench-pwa-"))
    url = sqlite_url(folder / "fieldcheck.db")
    db = open_database(url)
    migrations.upgrade(db)
    db.close()
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(16),
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
        }
    )
    with app.app_context(), database.atomic():
        create_demo(accounts.Actor(None, utcnow(), "bench"))
    meter = Meter(app)
    server = make_server("127.0.0.1", 0, meter, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    result = Result()
    progress("first load of field1's list in Chromium")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740})
            page = context.new_page()
            meter.take()
            page.goto("/login")  # the first load starts here, with an empty browser cache
            page.fill("#username", "field1")
            page.fill("#password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            page.wait_for_load_state("load")
            list_load = meter.take()
            _wait(
                page,
                lambda: page.evaluate(
                    "Number(document.documentElement.dataset.syncCount || 0) > 0"
                ),
            )
            _wait(page, lambda: page.evaluate("Boolean(navigator.serviceWorker.controller)"))
            page.wait_for_timeout(500)
            background = meter.take()
            context.set_offline(True)
            page.reload()
            page.goto(page.url)
            offline = meter.take()
            browser.close()
    finally:
        server.shutdown()
    page_bytes = sum(gz for *_, gz in list_load)
    page_raw = sum(raw for *_, raw, _ in list_load)
    extra = sum(gz for *_, gz in background)
    result.rows += [
        Row(
            "sqlite",
            "first load: sign-in page, the list, assets (gzip)",
            page_bytes,
            "target",
            TARGET_FIRST_LOAD,
            unit="B",
        ),
        Row("sqlite", "  the same uncompressed", page_raw, "target", TARGET_FIRST_LOAD, unit="B"),
        Row("sqlite", "then in the background: shell, pull, case pages (gzip)", extra, unit="B"),
        Row(
            "sqlite",
            "offline reload: bytes from the server",
            sum(gz for *_, gz in offline),
            "target",
            0,
            unit="B",
        ),
    ]
    verdict = "OK" if page_bytes <= TARGET_FIRST_LOAD else "MISS"
    result.notes += [
        f"First load {page_bytes / 1024:.1f} KiB compressed in {len(list_load)} requests: "
        f"{verdict} against {TARGET_FIRST_LOAD // 1024} KiB.",
        "Requests of the first load: "
        + ", ".join(f"{path} {gz / 1024:.1f} KiB" for _, path, _, _, gz in list_load),
        f"Background after the list showed: {len(background)} requests (service worker shell, "
        f"device token, pull, the pages the pull named).",
        f"Offline reload: {len(offline)} requests reached the server "
        f"({'OK' if not offline else 'MISS'}: target 0).",
    ]
    return result
