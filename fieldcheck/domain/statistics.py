"""Statistics an office can look at and share (issue 17): the filters, periods, percentiles, the
small-count suppression partners need (k-anonymity with k = 11, as IOM's Counter-Trafficking
Data Collaborative publishes), and the geometry of the bar charts the dashboard draws.

A table of counts is published either exact (an office's own dashboard) or suppressed: every
count from 1 to k-1 is hidden, and more cells are hidden until no row or column with a
published total has exactly one hidden cell, so no hidden count can be recovered by
subtracting the others from a total. A zero is published: it counts nobody.
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

K_ANONYMITY = 11  # IOM CTDC: no published count describes fewer than 11 people
GRANULARITIES = ("month", "week")
MAX_DAYS = 3 * 366  # the longest period one view counts over
# The offices' zones (fieldcheck.domain.roles.TIME_ZONES) are fixed offsets: Indonesia keeps
# no daylight saving time. A day is counted where the office is.
OFFSET_HOURS = {"WIB": 7, "WITA": 8, "WIT": 9}
COUNTRY = re.compile(r"^[A-Z]{2}$")
OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")  # as offices are coded: KANIM-BDG

# What the timeline counts each period: the day a case was referred, its first field visit
# reached the office, a supervisor verified or refused it, or returned it for correction.
MEASURES = ("referred", "checked", "verified", "refused", "returned")
REGISTRY_ANSWERS = ("match", "mismatch", "not_found")


# What a hidden entry shows: "<11" for a count from 1 to 10; "x" for one hidden only so that
# no "<11" can be worked out from a total (it may be any number), and for a median drawn from
# fewer than 11 cases. Writing "<11" there would tell partners something false.
COMPLEMENTARY = "x"


def suppressed_text(k: int = K_ANONYMITY) -> str:
    """What a hidden small count shows: "<11"."""
    return f"<{k}"


@dataclass(frozen=True)
class Filters:
    """What a statistics view counts: the office's days from `start` to `end` (both included),
    by month or ISO week, perhaps for one team or one destination country, and (for the
    headquarters analyst, who reads every office) one office by its code. Only codes and dates:
    nothing personal, so the filters can travel in a URL and an audit event."""

    start: date
    end: date
    by: str = "month"
    team: int | None = None
    destination: str | None = None
    office: str | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as URL query arguments (those set)."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat(), "by": self.by}
        if self.team is not None:
            args["team"] = str(self.team)
        if self.destination:
            args["destination"] = self.destination
        if self.office:
            args["office"] = self.office
        return args


def default_filters(today: date) -> Filters:
    """The last twelve months, this one included, by month."""
    first = today.replace(day=1)
    year, month = divmod(first.year * 12 + first.month - 1 - 11, 12)
    return Filters(start=date(year, month + 1, 1), end=today)


def parse_filters(args: Mapping[str, str], today: date) -> tuple[Filters, list[str]]:
    """The filters a URL asks for, and the error codes of those it gets wrong (each wrong one
    falls back to its default, so the page still shows something true)."""
    base = default_filters(today)
    errors = []
    start = _date(args.get("start"), base.start, "start", errors)
    end = _date(args.get("end"), base.end, "end", errors)
    if end < start:
        errors.append("statistics_end_before_start")
        start, end = base.start, base.end
    elif (end - start).days > MAX_DAYS:
        errors.append("statistics_period_too_long")
        start = end - timedelta(days=MAX_DAYS)
    by = args.get("by") or base.by
    if by not in GRANULARITIES:
        errors.append("statistics_by")
        by = base.by
    team = args.get("team") or None
    if team is not None:
        if team.isdigit() and len(team) < 10:
            team = int(team)
        else:
            errors.append("statistics_team")
            team = None
    destination = (args.get("destination") or "").strip().upper() or None
    if destination is not None and not COUNTRY.match(destination):
        errors.append("statistics_destination")
        destination = None
    office = (args.get("office") or "").strip().upper() or None
    if office is not None and not OFFICE_CODE.match(office):
        errors.append("statistics_office")
        office = None
    return Filters(start, end, by, team, destination, office), errors


def _date(raw: str | None, default: date, name: str, errors: list[str]) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"statistics_{name}")
        return default


def parse_month(raw: str | None, today: date) -> date:
    """The first day of the month a URL names ("2026-11"), else of last month (the month a
    monthly report is usually made for)."""
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_filters(first: date) -> Filters:
    """A month's filters, counted by week."""
    return Filters(start=first, end=period_end(first, "month"), by="week")


def utc_bounds(filters: Filters, zone: str) -> tuple[datetime, datetime]:
    """The filters' days in the office's zone as UTC moments: from the start's midnight (included)
    to the midnight after the end (excluded)."""
    offset = timedelta(hours=OFFSET_HOURS[zone])
    start = datetime.combine(filters.start, time(), UTC) - offset
    end = datetime.combine(filters.end + timedelta(days=1), time(), UTC) - offset
    return start, end


def period_of(day: date, by: str) -> date:
    """The first day of the month or ISO week (Monday) a day falls in."""
    if by == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def periods(filters: Filters) -> list[date]:
    """Every period the filters cover, first days in order (empty ones too: a chart shows 0)."""
    found, day = [], period_of(filters.start, filters.by)
    while day <= filters.end:
        found.append(day)
        day = day + timedelta(days=7) if filters.by == "week" else _next_month(day)
    return found


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_end(first: date, by: str) -> date:
    """The last day of the period starting on `first`."""
    if by == "week":
        return first + timedelta(days=6)
    return _next_month(first) - timedelta(days=1)


def count_by_period(day_counts: Iterable[tuple[date, int]], by: str) -> dict[date, int]:
    """Counts per day summed into their periods."""
    totals: dict[date, int] = {}
    for day, count in day_counts:
        key = period_of(day, by)
        totals[key] = totals.get(key, 0) + int(count)
    return totals


def percentile(values: Iterable[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.5: the median, 0.9: the 90th); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


# -- tables and their suppression --------------------------------------------------------------


@dataclass
class Table:
    """Counts by row and column. `row_totals`: each row's cells add up to something worth
    publishing (the columns split one whole); `column_totals` likewise down each column."""

    name: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    row_totals: bool = False
    column_totals: bool = False

    def value(self, row: str, column: str) -> int:
        return self.cells.get((row, column), 0)


@dataclass
class Published:
    """A table as shown or exported: a hidden count is None, and so is a hidden total."""

    name: str
    rows: list[str]
    columns: list[str]
    values: dict[tuple[str, str], int | None]
    row_total: dict[str, int | None] | None
    column_total: dict[str, int | None] | None
    grand_total: int | None
    k: int | None  # None: exact counts, nothing hidden
    complementary: frozenset = frozenset()  # hidden entries that are not small counts

    def value(self, row: str, column: str) -> int | None:
        return self.values[(row, column)]

    def text(self, row: str, column: str) -> int | str:
        """An entry as shown: its count, "<k" or "x"; TOTAL as the row or column: a total."""
        if row == TOTAL and column == TOTAL:
            value = self.grand_total
        elif column == TOTAL:
            value = self.row_total[row]
        elif row == TOTAL:
            value = self.column_total[column]
        else:
            value = self.values[(row, column)]
        if value is not None:
            return value
        if (row, column) in self.complementary:
            return COMPLEMENTARY
        return suppressed_text(self.k or K_ANONYMITY)

    @property
    def hidden(self) -> int:
        """How many counts (cells and totals) are hidden."""
        totals = [*(self.row_total or {}).values(), *(self.column_total or {}).values()]
        if self.row_total is not None and self.column_total is not None:
            totals.append(self.grand_total)
        return sum(v is None for v in [*self.values.values(), *totals])


TOTAL = "__total__"  # the key of the totals' row and column in the grid `publish` works on


def publish(table: Table, k: int | None) -> Published:
    """The table with its totals; with `k`, every count from 1 to k-1 hidden and enough other
    counts hidden that none of them can be worked out from a row's or a column's total."""
    grid = {(r, c): table.value(r, c) for r in table.rows for c in table.columns}
    lines = []
    if table.row_totals:
        for r in table.rows:
            grid[(r, TOTAL)] = sum(table.value(r, c) for c in table.columns)
            lines.append([*((r, c) for c in table.columns), (r, TOTAL)])
    if table.column_totals:
        for c in table.columns:
            grid[(TOTAL, c)] = sum(table.value(r, c) for r in table.rows)
            lines.append([*((r, c) for r in table.rows), (TOTAL, c)])
    if table.row_totals and table.column_totals:
        grid[(TOTAL, TOTAL)] = sum(grid[(r, TOTAL)] for r in table.rows)
        lines.append([*((TOTAL, c) for c in table.columns), (TOTAL, TOTAL)])
        lines.append([*((r, TOTAL) for r in table.rows), (TOTAL, TOTAL)])
    hidden = set() if k is None else suppressed_cells(grid, lines, k)
    shown = {key: (None if key in hidden else value) for key, value in grid.items()}
    return Published(
        name=table.name,
        rows=list(table.rows),
        columns=list(table.columns),
        values={(r, c): shown[(r, c)] for r in table.rows for c in table.columns},
        row_total={r: shown[(r, TOTAL)] for r in table.rows} if table.row_totals else None,
        column_total=(
            {c: shown[(TOTAL, c)] for c in table.columns} if table.column_totals else None
        ),
        grand_total=shown.get((TOTAL, TOTAL)),
        k=k,
        complementary=frozenset(key for key in hidden if not 0 < grid[key] < (k or 0)),
    )


def suppressed_cells(grid: dict, lines: list[list], k: int) -> set:
    """Which entries of `grid` to hide: those from 1 to k-1 (primary suppression), then, while
    a line (entries that add up to the line's last entry, its total) has exactly one hidden
    entry, one more of it (secondary suppression): its smallest non-zero cell, else its total,
    else a zero cell. Hiding only ever grows, so this ends."""
    hidden = {key for key, value in grid.items() if 0 < value < k}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(key in hidden for key in line) != 1:
                continue
            *cells, total = line
            open_cells = [key for key in cells if key not in hidden]
            nonzero = sorted((grid[key], i, key) for i, key in enumerate(open_cells) if grid[key])
            if nonzero:
                hidden.add(nonzero[0][2])
            elif total not in hidden:
                hidden.add(total)
            else:  # only zeros left beside the one hidden cell: hide one of them
                hidden.add(open_cells[0])
            changed = True
    return hidden


# -- the statistics of one office ----------------------------------------------------------------


@dataclass
class Timeliness:
    """How long checks take: days from referral to decision for the cases decided in the period,
    and how many open cases are past their due date on the office's day."""

    decided: int
    median_days: float | None
    p90_days: float | None
    open_overdue: int

    def published(self, k: int | None) -> "Timeliness":
        """With `k`: a count below k hidden, and a median or percentile drawn from fewer than k
        cases (None)."""
        if k is None:
            return self
        few = self.decided < k
        return Timeliness(
            decided=None if 0 < self.decided < k else self.decided,
            median_days=None if few else self.median_days,
            p90_days=None if few else self.p90_days,
            open_overdue=None if 0 < self.open_overdue < k else self.open_overdue,
        )


def timeliness(durations_days: list[float], open_overdue: int) -> Timeliness:
    """The timeliness figures from each decided case's days from referral to decision."""
    return Timeliness(
        decided=len(durations_days),
        median_days=_round(percentile(durations_days, 0.5)),
        p90_days=_round(percentile(durations_days, 0.9)),
        open_overdue=open_overdue,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class Statistics:
    """All the tables of one office over one set of filters."""

    office: str  # the office's code
    filters: Filters
    tables: dict[str, Table]
    timeliness: Timeliness

    def published(self, k: int | None) -> "PublishedStatistics":
        return PublishedStatistics(
            office=self.office,
            filters=self.filters,
            tables={name: publish(table, k) for name, table in self.tables.items()},
            timeliness=self.timeliness.published(k),
            k=k,
        )


@dataclass
class PublishedStatistics:
    office: str
    filters: Filters
    tables: dict[str, Published]
    timeliness: Timeliness
    k: int | None


# -- charts ------------------------------------------------------------------------------------


# Each series' colour, at least 3:1 against white (WCAG non-text contrast); app.css names them
# .chart-series-N too, for the legend's swatches.
SERIES_COLOURS = ("#0b4f8a", "#a11b1b", "#1d6b36", "#7a4b00", "#5b3c99", "#1b2430", "#8a1a6b")


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart, in the chart's own units (its viewBox)."""

    row: str
    column: str
    value: int | None  # None: hidden (no bar, "<11" written)
    x: float
    y: float
    width: float
    height: float
    series: int  # which colour (app.css .chart-series-N)

    @property
    def colour(self) -> str:
        return SERIES_COLOURS[self.series % len(SERIES_COLOURS)]


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_left: int
    plot_width: int
    rows: list[tuple[str, float]]  # each row's key and the y of its label
    bars: list[Bar]
    ticks: list[tuple[int, float]]  # axis values and their x
    axis_y: float


def bar_chart(
    table: Published,
    columns: list[str] | None = None,
    *,
    width: int = 360,
    bar_height: int = 14,
    gap: int = 4,
    label_height: int = 18,
) -> BarChart:
    """Horizontal bars, one group per row (its label above it), one bar per column (a row of
    zeros: one). The label sits above the bars so that a long name needs no left margin on a
    360 px screen."""
    columns = columns or table.columns
    plot_left, plot_width = 4, width - 64  # room on the right for the number beside a bar
    biggest = max([v for v in table.values.values() if v is not None] + [1])
    scale = _nice_top(biggest)
    y = 0.0
    rows, bars = [], []
    for row in table.rows:
        rows.append((row, y + label_height - 5))
        y += label_height
        drawn = [(s, c) for s, c in enumerate(table.columns) if c in columns]
        if all(table.value(row, c) == 0 for _, c in drawn):
            drawn = drawn[:1]  # a row of zeros: one "0", not a column of them
        for series, column in drawn:
            value = table.value(row, column)
            length = 0.0 if value is None else plot_width * value / scale
            bars.append(Bar(row, column, value, plot_left, y, length, bar_height, series))
            y += bar_height + 2
        y += gap
    ticks = [(round(scale * i / 4), plot_left + plot_width * i / 4) for i in range(5)]
    axis_y = y + 2
    return BarChart(width, int(axis_y + 34), plot_left, plot_width, rows, bars, ticks, axis_y)


def _nice_top(value: int) -> int:
    """A round number at least `value`, whose quarters are whole (the axis' last tick)."""
    for step in (4, 8, 20, 40, 80, 200, 400, 800, 2000, 4000, 8000, 20000, 40000, 80000):
        if value <= step:
            return step
    return 4 * math.ceil(value / 4)
