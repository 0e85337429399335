"""Browser fixtures: one live FieldCheck server on SQLite for the whole run, driven by Debian's
headless Chromium through Playwright (sync API).

Browser tests run once, on SQLite only: nothing here depends on the `database_url` or `app`
fixtures of tests/conftest.py, which are parametrised over the backends.

The peewee `database` in fieldcheck.db is one global proxy that every `create_app` rebinds. Web
tests make an app per test, so when they run in the same session as the browser tests the proxy
may point at their database; the `live_server` fixture checks before each browser test and, if
the proxy was rebound, builds the live app again on the same database (same secret key, so
nothing else changes) and swaps it in behind the running server.
"""

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from fieldcheck import accounts, create_app, migrations
from fieldcheck.clock import utcnow
from fieldcheck.db import database, open_database, sqlite_url
from fieldcheck.demo import DEMO_PASSWORD, create_demo
from fieldcheck.models import Office, Team
from tests.browser.helpers import DESKTOP

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


class RequestCounter:
    """WSGI middleware that counts the requests the server received, by method and path.

    The wrapped app can be swapped (see LiveServer.ensure_bound) without restarting the server.
    """

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self._seen: list[tuple[str, str]] = []

    def __call__(self, environ, start_response):
        with self._lock:
            self._seen.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return self.app(environ, start_response)

    def reset(self):
        with self._lock:
            self._seen.clear()

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request since the last reset, in arrival order."""
        with self._lock:
            return list(self._seen)

    def by_path(self) -> Counter:
        """How many requests each path received (any method)."""
        return Counter(path for _, path in self.requests)

    def count(
        self, path: str | None = None, method: str | None = None, prefix: bool = False
    ) -> int:
        """Requests received for a path (or a path prefix), optionally of one method only."""
        return sum(
            1
            for m, p in self.requests
            if (method is None or m == method.upper())
            and (path is None or (p.startswith(path) if prefix else p == path))
        )


@dataclass
class LiveServer:
    url: str
    config: dict
    counter: RequestCounter
    app: object = None
    db: object = None
    _server: object = field(default=None, repr=False)
    _thread: object = field(default=None, repr=False)

    def build_app(self):
        """(Re)create the live app; this binds the global database proxy to our database."""
        self.app = create_app(dict(self.config))
        self.db = database.obj
        self.counter.app = self.app

    def ensure_bound(self):
        """Rebuild the app if another app (a web test) rebound the global database proxy."""
        if database.obj is not self.db:
            old = self.db
            self.build_app()
            if old is not None and not old.is_closed():
                old.close()

    def create_user(self, username, role, name=None, team="Timpora Kabupaten Bandung", **extra):
        """An account in the demo office, made directly in the live database (no password change
        asked at first sign-in); the password is the demo one unless given."""
        self.ensure_bound()
        with self.app.app_context():
            office = Office.get(Office.code == "KANIM-BDG")
            team_ = Team.get((Team.office == office) & (Team.name == team)) if team else None
            extra.setdefault("password", DEMO_PASSWORD)
            extra.setdefault("must_change_password", False)
            with database.atomic():
                return accounts.create_user(
                    accounts.Actor(None, utcnow(), "test"),
                    username=username,
                    name=name or username.title(),
                    role=role,
                    office=office,
                    team=team_,
                    **extra,
                )


@pytest.fixture(scope="session")
def _live_server(tmp_path_factory):
    url = sqlite_url(tmp_path_factory.mktemp("browser") / "fieldcheck.db")
    db = open_database(url)
    migrations.upgrade(db)
    db.close()

    config = {
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),  # keys and photos stay out
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "LOGIN_LIMIT_PER_USERNAME": "1000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
        "TOKEN_LIMIT_PER_USER": "1000 per minute",
        "TOKEN_LIMIT_PER_ADDRESS": "1000 per minute",
        "SECOND_FACTOR_ROLES": (),  # asked only in the second factor's own test
    }
    counter = RequestCounter(None)
    server = make_server("127.0.0.1", 0, counter, threaded=True)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", config=config, counter=counter)
    live.build_app()
    with live.app.app_context(), database.atomic():
        create_demo(accounts.Actor(None, utcnow(), "test"))

    thread = threading.Thread(target=server.serve_forever, name="fieldcheck-live", daemon=True)
    thread.start()
    live._server, live._thread = server, thread
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        if live.db is not None and not live.db.is_closed():
            live.db.close()


@pytest.fixture
def live_server(_live_server):
    """The running server (url, app, counter), its app bound to the global database proxy."""
    _live_server.ensure_bound()
    return _live_server


@pytest.fixture
def server_requests(live_server):
    """The requests the server receives from now on: `.count("/path")`, `.by_path()`, ..."""
    live_server.counter.reset()
    return live_server.counter


@pytest.fixture(scope="session")
def _playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def locale():
    """The browser's language (Accept-Language); override with
    `@pytest.mark.parametrize("locale", ["id-ID"])`."""
    return "en-US"


@pytest.fixture
def viewport():
    """The window size; override with `@pytest.mark.parametrize("viewport", [MOBILE])`."""
    return DESKTOP


@pytest.fixture
def open_page(browser, live_server):
    """Open a page in a fresh context (no cookies, no storage): `open_page(locale="id-ID")`.

    Every context made is closed at the end of the test."""
    contexts = []

    def open_(locale="en-US", viewport=DESKTOP, **options):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport=viewport, **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page, locale, viewport):
    """A page in a fresh browser context, in the `locale` and at the `viewport` of the test."""
    return open_page(locale=locale, viewport=viewport)
