"""Importing the full Kemendagri region table, FieldCheck's way against the database driver alone.

FieldCheck: `read_region_csv` + `import_regions` (peewee) into a fresh database at the latest
schema (fieldcheck.migrations.upgrade), then the same file again (nothing added).
Baseline: the same rows, parsed by a bare `csv.reader`, inserted by the driver alone into an
equivalent bare table (same columns, primary key and indexes) in a fresh database of the same
kind, in one transaction: sqlite3 `executemany`, psycopg2 `execute_values` (1,000 rows a
statement, as import_regions batches); the re-import baseline is the driver's upsert
(`INSERT ... ON CONFLICT (code) DO UPDATE ... WHERE the name changed`), which adds nothing.
"""

import csv
import io
import os
import sqlite3
import sys
from pathlib import Path

import bench
from bench import (
    BenchError,
    Result,
    Row,
    Skip,
    child_peak_growth,
    median,
    peak_growth,
    progress,
    timed,
)
from fieldcheck import migrations
from fieldcheck.db import SQLITE_PRAGMAS, database, open_database, sqlite_url
from fieldcheck.regions import count_by_level, import_regions, read_region_csv

TITLE = "importing the region table (read_region_csv + import_regions)"

CSV_ENV = "FIELDCHECK_REGIONS_CSV"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_CSV = REPO.parent / "shared" / "data" / "regions" / "wilayah-2025.csv"
BATCH = 1000  # import_regions' default batch, used by the PostgreSQL baseline too

BARE_TABLE = "region_bare"
BARE_SCHEMA = (
    f"CREATE TABLE {BARE_TABLE} (code VARCHAR(13) NOT NULL PRIMARY KEY, "
    "name VARCHAR(200) NOT NULL, level SMALLINT NOT NULL, parent_code VARCHAR(13))",
    f"CREATE INDEX {BARE_TABLE}_level ON {BARE_TABLE} (level)",
    f"CREATE INDEX {BARE_TABLE}_parent_code ON {BARE_TABLE} (parent_code)",
)
COLUMNS = "(code, name, level, parent_code)"
UPSERT_TAIL = (
    "ON CONFLICT (code) DO UPDATE SET name = excluded.name "
    f"WHERE {BARE_TABLE}.name <> excluded.name"
)


def regions_csv() -> Path:
    """The region CSV: $FIELDCHECK_REGIONS_CSV, else ../shared/data/regions beside the repo."""
    given = os.environ.get(CSV_ENV)
    path = Path(given) if given else DEFAULT_CSV
    if not path.is_file():
        where = f"{CSV_ENV}={given}" if given else f"{path} (or set {CSV_ENV})"
        raise Skip(f"the region table is missing: no file at {where}")
    return path


def plain_parse(data: bytes) -> list[tuple]:
    """The baseline parse: csv.reader, no checks, the same four values a row (names stripped,
    as read_region_csv does: the real file has a few trailing spaces)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    next(reader)
    return [(c, n.strip(), c.count(".") + 1, c.rpartition(".")[0] or None) for c, n in reader]


# FieldCheck's way -------------------------------------------------------------------------------


def fieldcheck_database(url: str):
    """A peewee database at the latest schema, bound to fieldcheck.db.database."""
    db = open_database(url)
    migrations.upgrade(db)
    database.initialize(db)
    return db


def fieldcheck_import(data: bytes):
    region_file = read_region_csv(data)
    return import_regions(region_file)


def fieldcheck_run(url: str, data: bytes, expected: int) -> dict:
    """Parse + import into a fresh database, then both again: the seconds of each step."""
    db = fieldcheck_database(url)
    try:
        parse, region_file = timed(read_region_csv, data)
        if region_file.errors or len(region_file.rows) != expected:
            raise BenchError(
                f"read_region_csv: {len(region_file.errors)} errors, first "
                f"{region_file.errors[:1]}, {len(region_file.rows)} rows"
            )
        load, result = timed(import_regions, region_file)
        if result.added != expected:
            raise BenchError(f"import_regions added {result.added} regions, not {expected}")
        del region_file
        reparse, region_file = timed(read_region_csv, data)
        reload, again = timed(import_regions, region_file)
        if again.added or again.updated or again.unchanged != expected:
            raise BenchError(f"the re-import was not idempotent: {again}")
        held = sum(count_by_level().values())
        if held != expected:
            raise BenchError(f"the database holds {held} regions after import, not {expected}")
    finally:
        db.close()
    return {"parse": parse, "import": load, "reparse": reparse, "reimport": reload}


# The driver alone -------------------------------------------------------------------------------


class SqliteDriver:
    """sqlite3 with fieldcheck.db's pragmas, in autocommit mode, one BEGIN ... COMMIT per load."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, isolation_level=None)
        for name, value in SQLITE_PRAGMAS.items():
            self.conn.execute(f"PRAGMA {name} = {value}")

    def create(self):
        for statement in BARE_SCHEMA:
            self.conn.execute(statement)

    def _load(self, rows, tail=""):
        self.conn.execute("BEGIN")
        self.conn.executemany(
            f"INSERT INTO {BARE_TABLE} {COLUMNS} VALUES (?, ?, ?, ?) {tail}", rows
        )
        self.conn.execute("COMMIT")

    def insert(self, rows):
        self._load(rows)

    def upsert(self, rows):
        self._load(rows, UPSERT_TAIL)

    def count(self) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {BARE_TABLE}").fetchone()[0]

    def close(self):
        self.conn.close()


class PostgresDriver:
    """psycopg2, one transaction per load, execute_values in pages of BATCH rows."""

    def __init__(self, url: str):
        import psycopg2

        self.conn = psycopg2.connect(url)

    def create(self):
        with self.conn, self.conn.cursor() as cur:
            for statement in BARE_SCHEMA:
                cur.execute(statement)

    def _load(self, rows, tail=""):
        from psycopg2.extras import execute_values

        with self.conn, self.conn.cursor() as cur:
            sql = f"INSERT INTO {BARE_TABLE} {COLUMNS} VALUES %s {tail}"
            execute_values(cur, sql, rows, page_size=BATCH)

    def insert(self, rows):
        self._load(rows)

    def upsert(self, rows):
        self._load(rows, UPSERT_TAIL)

    def analyze(self):
        with self.conn, self.conn.cursor() as cur:
            cur.execute(f"ANALYZE {BARE_TABLE}")

    def count(self) -> int:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {BARE_TABLE}")
            return cur.fetchone()[0]

    def close(self):
        self.conn.close()


def baseline_run(driver, data: bytes, expected: int) -> dict:
    try:
        driver.create()
        parse, rows = timed(plain_parse, data)
        load, _ = timed(driver.insert, rows)
        if driver.count() != expected:
            raise BenchError(f"the baseline table holds {driver.count()} rows, not {expected}")
        reload, _ = timed(driver.upsert, rows)
        if driver.count() != expected:
            raise BenchError("the baseline upsert added rows")
        figures = {"parse": parse, "import": load, "reimport": reload}
        if isinstance(driver, PostgresDriver):
            figures["analyze"], _ = timed(driver.analyze)
    finally:
        driver.close()
    return figures


def memory_child(which: str, target: str, csv_path: str) -> int:
    """In a fresh process: how far one parse + import raises the peak RSS (bytes).

    which is "fieldcheck" (target a database URL) or "baseline" (a SQLite path or a
    PostgreSQL URL, for the driver).
    """
    data = Path(csv_path).read_bytes()
    if which == "fieldcheck":
        db = fieldcheck_database(target)
        try:
            growth, result = peak_growth(fieldcheck_import, data)
        finally:
            db.close()
        added = result.added
    else:
        postgres = target.startswith(("postgres://", "postgresql://"))
        driver = PostgresDriver(target) if postgres else SqliteDriver(Path(target))
        try:
            driver.create()
            growth, _ = peak_growth(lambda: driver.insert(plain_parse(data)))
            added = driver.count()
        finally:
            driver.close()
    print(f"{which}: {added} rows added", file=sys.stderr)
    return growth


# The benchmark ----------------------------------------------------------------------------------


class Backend:
    """Fresh databases of one kind: a URL for FieldCheck, a driver for the baseline."""

    def __init__(self, ctx: bench.Context, name: str):
        self.ctx, self.name = ctx, name

    def fieldcheck_url(self) -> str:
        if self.name == "sqlite":
            return sqlite_url(self.ctx.sqlite_path("fieldcheck"))
        return self.ctx.fresh_postgres()

    def driver_target(self) -> str:
        if self.name == "sqlite":
            return str(self.ctx.sqlite_path("baseline"))
        return self.ctx.fresh_postgres()

    def driver(self):
        target = self.driver_target()
        return SqliteDriver(Path(target)) if self.name == "sqlite" else PostgresDriver(target)

    def peak_growth(self, which: str, csv_path: Path) -> int:
        target = self.fieldcheck_url() if which == "fieldcheck" else self.driver_target()
        return child_peak_growth(__name__, which, target, str(csv_path))


def measure(backend: Backend, data: bytes, expected: int, runs: int) -> tuple[dict, dict]:
    """Median seconds of each step, FieldCheck's and the baseline's, runs interleaved."""
    ours, theirs = [], []
    for n in range(1, runs + 1):
        progress(f"{backend.name}: run {n}/{runs}")
        theirs.append(baseline_run(backend.driver(), data, expected))
        ours.append(fieldcheck_run(backend.fieldcheck_url(), data, expected))

    def medians(runs_):
        return {key: median([run[key] for run in runs_]) for key in runs_[0]}

    return medians(ours), medians(theirs)


def run(ctx: bench.Context) -> Result:
    path = regions_csv()
    data = path.read_bytes()
    region_file = read_region_csv(data)
    if region_file.errors:
        raise BenchError(f"{path} has {len(region_file.errors)} errors: {region_file.errors[0]}")
    n = len(region_file.rows)
    same = [(r["code"], r["name"], r["level"], r["parent_code"]) for r in region_file.rows]
    if plain_parse(data) != same:
        raise BenchError("the baseline parse does not give the rows read_region_csv gives")
    del region_file, same

    result = Result()
    result.notes.append(f"{n:,} regions from {path} ({len(data) / 1024 / 1024:.1f} MiB).")
    parse_rows = []
    for name in ctx.backends():
        backend = Backend(ctx, name)
        ours, theirs = measure(backend, data, n, ctx.runs)
        if not parse_rows:
            parse_rows.append(
                Row(
                    "-",
                    "parse: read_region_csv",
                    ours["parse"],
                    "csv.reader",
                    theirs["parse"],
                    rows=n,
                )
            )
        driver = "executemany" if name == "sqlite" else "execute_values"
        result.rows += [
            Row(
                name,
                "import: read_region_csv + import_regions",
                ours["parse"] + ours["import"],
                f"csv.reader + {driver}",
                theirs["parse"] + theirs["import"],
                rows=n,
            ),
            Row(
                name, "  of which import_regions", ours["import"], driver, theirs["import"], rows=n
            ),
            Row(
                name,
                "re-import, 0 added: parse + import",
                ours["reparse"] + ours["reimport"],
                f"csv.reader + {driver} upsert",
                theirs["parse"] + theirs["reimport"],
                rows=n,
            ),
            Row(
                name,
                "  of which import_regions",
                ours["reimport"],
                f"{driver} upsert",
                theirs["reimport"],
                rows=n,
            ),
        ]
        progress(f"{name}: peak memory, in child processes")
        result.rows.append(
            Row(
                name,
                "peak memory: parse + import",
                backend.peak_growth("fieldcheck", path),
                f"csv.reader + {driver}",
                backend.peak_growth("baseline", path),
                unit="B",
            )
        )
        if "analyze" in theirs:
            analyze = bench.format_seconds(theirs["analyze"])
            result.notes.append(
                "PostgreSQL: import_regions also runs ANALYZE in its transaction; the baseline "
                f"does not (ANALYZE of the bare table took {analyze})."
            )
    result.rows[:0] = parse_rows
    result.notes.append(
        "Each time is the median of the runs, each into a fresh database; x baseline is "
        "FieldCheck's figure / the baseline's. Peak memory: how far one parse + import, "
        "alone in a fresh process, raises its peak RSS (Python's and C's allocations)."
    )
    return result


if __name__ == "__main__":  # the memory child: python -m bench.regions WHICH TARGET CSV
    print(memory_child(*sys.argv[1:4]))
