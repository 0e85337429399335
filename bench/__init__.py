"""FieldCheck's benchmarks: `make bench` (`python -m bench`) runs each one and prints figures.

A benchmark is a module named in BENCHMARKS with a `TITLE` and a `run(ctx) -> Result`. It raises
`Skip(reason)` when what it needs is missing (a data file, say). Each figure stands beside a
baseline measured in the same run on the same machine, so the ratio means something where the
absolute time depends on the machine. Nothing here asserts on time; a benchmark only fails when
the work it timed went wrong (rows missing, say).

To add one: write `bench/<name>.py` with TITLE and run(ctx), and add "<name>" to BENCHMARKS.
"""

import gc
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Bound by name: once `bench.statistics` is imported, it is this package's `statistics` attribute.
from statistics import median as _median
from urllib.parse import parse_qsl, urlsplit, urlunsplit

BENCHMARKS = (
    "regions",  # importing the region table
    "cases",  # the case list and case page at 100,000 cases, beside a floor page
    "registry",  # pre-answering registry questions against an extract
    "repatriation",  # matching repatriated victims' records to cases (issue 16)
    "faults",  # 1,000 randomized sync fault schedules
    "reports",  # the field report's rendering and QR
    "phone",  # the phone: Lighthouse scores, first-load bytes, offline reload
    "sync",  # pushing, replaying and pulling
    "recruiters",  # linking 100,000 interview records; the recruiter page beside a floor page
    "statistics",  # the statistics dashboard and export at 100,000 cases, beside a floor page
    "monday",  # 1,000 phones sync at once through nginx to two app nodes, beside one node
)

DEFAULT_RUNS = 3
POSTGRES_ENV = ("FIELDCHECK_BENCH_POSTGRES_URL", "FIELDCHECK_TEST_POSTGRES_URL")


class Skip(Exception):
    """The benchmark cannot run here (say why); the bench goes on and still exits 0."""


class BenchError(Exception):
    """The timed work went wrong: the figures would be meaningless."""


@dataclass
class Row:
    """One figure beside its baseline. unit is "s" (time; rows/s shown when rows), "B" (bytes),
    "score" (a score out of 100, e.g. Lighthouse's) or "n" (a count, e.g. of requests).

    `what` and `baseline_what` say what was measured; `ratio` is value / baseline.
    """

    backend: str
    what: str
    value: float
    baseline_what: str = ""
    baseline: float | None = None
    unit: str = "s"
    rows: int | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.value / self.baseline


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def progress(message: str):
    """A line on stderr while a benchmark runs (stdout keeps only the tables)."""
    print(f"  ... {message}", file=sys.stderr, flush=True)


def timed(fn: Callable, *args, **kwargs):
    """(seconds, result) of one call, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def rss_bytes() -> int | None:
    """The process's resident set size now (Linux), else None."""
    return _proc_status_bytes("VmRSS")


def peak_growth(fn: Callable, *args, **kwargs):
    """(bytes the process's peak RSS rose above its RSS before the call, result).

    Meant for a fresh child process (see child_peak_growth), where nothing earlier has set the
    peak higher. Counts every allocation, Python's and C's (SQLite's page cache, libpq's
    buffers), unlike tracemalloc, and costs no time, so big imports can be measured.
    """
    gc.collect()
    before = rss_bytes() or max_rss_bytes() or 0
    result = fn(*args, **kwargs)
    return max(0, (max_rss_bytes() or 0) - before), result


def child_peak_growth(module: str, *args: str) -> int:
    """Run `python -m <module> <args>` from the repository in a fresh process; return the
    integer on the last line of its stdout (the child prints peak_growth's figure)."""
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].isdigit():
        raise BenchError(
            f"python -m {module} {' '.join(args[:1])} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )
    return int(lines[-1])


def median(values: list[float]) -> float:
    return _median(values)


def _proc_status_bytes(key: str) -> int | None:
    """A `kB` figure of /proc/self/status (Linux), in bytes, else None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{key}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def max_rss_bytes() -> int | None:
    """The process's peak resident set size so far.

    Linux: VmHWM, the peak of this process image. Not ru_maxrss, which a child started by
    subprocess inherits from its parent across fork and exec. Elsewhere ru_maxrss (macOS reports
    bytes, the BSDs KiB).
    """
    peak = _proc_status_bytes("VmHWM")
    if peak is not None:
        return peak
    try:
        import resource
    except ImportError:  # Windows
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def describe_server(url: str) -> str:
    """Where a PostgreSQL URL connects (host:port, or the Unix socket), never its password."""
    parts = urlsplit(url)
    socket_dir = dict(parse_qsl(parts.query)).get("host", "")
    if socket_dir.startswith("/"):
        return f"the Unix socket in {socket_dir} (port {parts.port or 5432})"
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


class Context:
    """What every benchmark shares: run count, a scratch directory, and the PostgreSQL database.

    The PostgreSQL database (fieldcheck_bench_<pid>) is created on first use and dropped by
    close(). `postgres_error` is set when a server was named but could not be reached.
    """

    def __init__(self, runs: int = DEFAULT_RUNS):
        self.runs = runs
        self._tmp = tempfile.TemporaryDirectory(prefix="fieldcheck-bench-")
        self.workdir = Path(self._tmp.name)
        self.postgres_server = None
        self.postgres_error = None
        self.postgres_database = None
        for name in POSTGRES_ENV:
            if os.environ.get(name):
                self.postgres_server = os.environ[name]
                self.postgres_env = name
                break
        if self.postgres_server:
            self._check_postgres()

    def _check_postgres(self):
        import psycopg2

        try:
            psycopg2.connect(self.postgres_server, connect_timeout=5).close()
        except psycopg2.Error as exc:
            self.postgres_error = (
                f"{self.postgres_env} names PostgreSQL at {describe_server(self.postgres_server)}"
                f" but it cannot be reached: {' '.join(str(exc).split())}"
            )

    @property
    def has_postgres(self) -> bool:
        return bool(self.postgres_server) and not self.postgres_error

    def backends(self) -> list[str]:
        return ["sqlite", "postgresql"] if self.has_postgres else ["sqlite"]

    def sqlite_path(self, stem: str) -> Path:
        """A new SQLite file path in the scratch directory (the file does not exist yet)."""
        return self.workdir / f"{stem}-{secrets.token_hex(4)}.db"

    def _admin(self):
        import psycopg2

        conn = psycopg2.connect(self.postgres_server)
        conn.autocommit = True
        return conn

    def postgres_url(self) -> str:
        """The URL of the bench's own PostgreSQL database, created on first call."""
        if not self.has_postgres:
            raise Skip(self.postgres_error or "no PostgreSQL server named")
        if self.postgres_database is None:
            name = f"fieldcheck_bench_{os.getpid()}"
            conn = self._admin()
            try:
                with conn.cursor() as cur:
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}"')  # a crashed run's leftover
                    cur.execute(f'CREATE DATABASE "{name}"')
            finally:
                conn.close()
            self.postgres_database = name
        return _with_database(self.postgres_server, self.postgres_database)

    def fresh_postgres(self) -> str:
        """The bench database emptied (schema `public` dropped and made again); its URL.

        Close every connection to it first.
        """
        import psycopg2

        url = self.postgres_url()
        conn = psycopg2.connect(url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("DROP SCHEMA public CASCADE")
                cur.execute("CREATE SCHEMA public")
        finally:
            conn.close()
        return url

    def close(self):
        """Drop the PostgreSQL database (if made) and remove the scratch directory."""
        try:
            if self.postgres_database:
                name, self.postgres_database = self.postgres_database, None
                conn = self._admin()
                try:
                    with conn.cursor() as cur:
                        cur.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()",
                            (name,),
                        )
                        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                finally:
                    conn.close()
                print(f"PostgreSQL database {name} dropped.")
        finally:
            self._tmp.cleanup()


def format_seconds(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def format_bytes(n: float) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def _value(unit: str, value: float | None) -> str:
    if value is None:
        return "-"
    if unit in ("score", "n"):
        return f"{value:g}"
    return format_seconds(value) if unit == "s" else format_bytes(value)


def _rate(row: Row, value: float | None) -> str:
    if row.unit != "s" or not row.rows or not value:
        return ""
    return f"{row.rows / value:,.0f}/s"


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table: figure, rate, baseline, its rate, ratio."""
    header = (
        "backend",
        "measure",
        "FieldCheck",
        "rows/s",
        "baseline is",
        "baseline",
        "rows/s",
        "x baseline",
    )
    lines = [header]
    for row in rows:
        ratio = row.ratio
        lines.append(
            (
                row.backend,
                row.what,
                _value(row.unit, row.value),
                _rate(row, row.value),
                row.baseline_what or "-",
                _value(row.unit, row.baseline),
                _rate(row, row.baseline),
                f"{ratio:.2f}x" if ratio is not None else "-",
            )
        )
    right = {2, 3, 5, 6, 7}
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(line):
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(lines[0]), rule, *(render(line) for line in lines[1:])])


@contextmanager
def instance_path(path: Path):
    """create_app reads FIELDCHECK_INSTANCE_PATH: point it at the scratch directory meanwhile."""
    key = "FIELDCHECK_INSTANCE_PATH"
    before = os.environ.get(key)
    os.environ[key] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before
