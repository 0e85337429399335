"""The statistics' pure rules (fieldcheck.domain.statistics): filters from a URL, periods,
percentiles, and the suppression of small counts, against an attacker who subtracts."""

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from fieldcheck.domain import statistics as rules
from fieldcheck.domain.statistics import Filters, Table, publish

TODAY = date(2026, 11, 2)


def test_the_default_filters_are_the_last_twelve_months_by_month():
    filters, errors = rules.parse_filters({}, TODAY)
    assert (filters.start, filters.end, filters.by, errors) == (
        date(2025, 12, 1),
        TODAY,
        "month",
        [],
    )


def test_filters_read_what_parses_and_name_the_rest():
    args = {
        "start": "2026-10-01",
        "end": "2026-10-31",
        "by": "week",
        "team": "7",
        "destination": "kh",
    }
    filters, errors = rules.parse_filters(args, TODAY)
    assert filters == Filters(date(2026, 10, 1), date(2026, 10, 31), "week", 7, "KH")
    assert errors == []
    assert filters.as_args() == {**args, "destination": "KH"}
    bad = {"start": "1 Oct", "by": "day", "team": "x", "destination": "Cambodia"}
    filters, errors = rules.parse_filters(bad, TODAY)
    assert (filters.team, filters.destination, filters.by) == (None, None, "month")
    assert errors == [
        "statistics_start",
        "statistics_by",
        "statistics_team",
        "statistics_destination",
    ]
    _, errors = rules.parse_filters({"start": "2026-10-02", "end": "2026-10-01"}, TODAY)
    assert errors == ["statistics_end_before_start"]
    filters, errors = rules.parse_filters({"start": "2000-01-01"}, TODAY)
    assert (
        errors == ["statistics_period_too_long"] and (TODAY - filters.start).days == rules.MAX_DAYS
    )


def test_a_period_is_counted_in_the_offices_days():
    filters = Filters(date(2026, 10, 1), date(2026, 10, 31))
    assert rules.utc_bounds(filters, "WIB") == (
        datetime(2026, 9, 30, 17, tzinfo=UTC),
        datetime(2026, 10, 31, 17, tzinfo=UTC),
    )
    assert rules.utc_bounds(filters, "WIT")[0] == datetime(2026, 9, 30, 15, tzinfo=UTC)


def test_periods_cover_the_filters_by_month_and_by_iso_week():
    months = Filters(date(2026, 11, 15), date(2027, 1, 3))
    assert rules.periods(months) == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    weeks = Filters(date(2026, 11, 4), date(2026, 11, 16), by="week")
    assert rules.periods(weeks) == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert rules.period_end(date(2026, 12, 1), "month") == date(2026, 12, 31)
    days = [(date(2026, 11, 1), 2), (date(2026, 11, 30), 3), (date(2026, 12, 1), 1)]
    assert rules.count_by_period(days, "month") == {date(2026, 11, 1): 5, date(2026, 12, 1): 1}


def test_percentiles_are_nearest_rank():
    assert rules.percentile([], 0.5) is None
    assert rules.percentile([15, 28], 0.5) == 15
    assert rules.percentile(range(1, 11), 0.9) == 9
    assert rules.percentile(range(1, 11), 0.5) == 5
    t = rules.timeliness([1.0, 2.0, 3.0], 4)
    assert (t.decided, t.median_days, t.p90_days, t.open_overdue) == (3, 2.0, 3.0, 4)
    hidden = t.published(11)
    assert (hidden.decided, hidden.median_days, hidden.p90_days, hidden.open_overdue) == (
        None,
        None,
        None,
        None,
    )
    assert rules.timeliness([1.0] * 11, 0).published(11).median_days == 1.0


def _table(cells: list[list[int]], rows=True, columns=True) -> Table:
    names_r = [f"r{i}" for i in range(len(cells))]
    names_c = [f"c{j}" for j in range(len(cells[0]))]
    return Table(
        "t",
        names_r,
        names_c,
        {(names_r[i], names_c[j]): v for i, line in enumerate(cells) for j, v in enumerate(line)},
        row_totals=rows,
        column_totals=columns,
    )


def recover_by_subtraction(published) -> dict:
    """What an attacker works out from a published table: in a row or a column whose entries
    add up to a total (the row and column of totals too, to the grand total), one hidden entry
    is the total minus the others, or the others' sum; repeated while it finds more."""
    rows, columns = published.rows, published.columns
    known = {key: v for key, v in published.values.items() if v is not None}
    lines = []
    if published.row_total is not None:
        known.update({(r, "T"): v for r, v in published.row_total.items() if v is not None})
        lines += [[*((r, c) for c in columns), (r, "T")] for r in rows]
    if published.column_total is not None:
        known.update({("T", c): v for c, v in published.column_total.items() if v is not None})
        lines += [[*((r, c) for r in rows), ("T", c)] for c in columns]
    if published.row_total is not None and published.column_total is not None:
        if published.grand_total is not None:
            known[("T", "T")] = published.grand_total
        lines += [[*(("T", c) for c in columns), ("T", "T")]]
        lines += [[*((r, "T") for r in rows), ("T", "T")]]
    found = {}
    progress = True
    while progress:
        progress = False
        for *parts, total in lines:
            unknown = [key for key in (*parts, total) if key not in known]
            if len(unknown) != 1:
                continue
            key = unknown[0]
            if key == total:
                known[key] = sum(known[p] for p in parts)
            else:
                known[key] = known[total] - sum(known[p] for p in parts if p != key)
            found[key] = known[key]
            progress = True
    return found


def test_small_counts_are_hidden_and_a_zero_is_shown():
    published = publish(_table([[25, 3], [40, 0]]), 11)
    assert published.value("r0", "c1") is None
    assert published.value("r1", "c1") == 0
    assert all(v is None or v == 0 or v >= 11 for v in published.values.values())


def test_a_hidden_cell_cannot_be_recovered_from_its_row_or_column_total():
    # Primary: 3. Its row (25 + 3 = 28) and column (3 + 0 + 12 = 15) would give it away.
    table = _table([[25, 3, 30], [40, 0, 50], [12, 12, 20]])
    naive = Table(**{**vars(table)})
    exposed = publish(naive, None)
    exposed.values[("r0", "c1")] = None  # hiding only the small count
    assert recover_by_subtraction(exposed) == {("r0", "c1"): 3}
    published = publish(table, 11)
    assert published.value("r0", "c1") is None
    assert published.text("r0", "c1") == "<11"  # a small count says so
    others = [
        key for key in published.values if published.value(*key) is None and key != ("r0", "c1")
    ]
    assert others and all(published.text(*key) == "x" for key in others)  # "x": any number
    assert published.hidden >= 4  # a rectangle at least: two in its row, two in its column
    assert recover_by_subtraction(published) == {}


def test_a_small_total_is_hidden_and_the_grand_total_protects_it():
    published = publish(_table([[2, 3], [40, 50]]), 11)
    assert published.row_total["r0"] is None
    assert published.column_total["c0"] is not None or published.value("r1", "c0") is None
    assert recover_by_subtraction(published) == {}


def test_exact_tables_hide_nothing():
    published = publish(_table([[2, 3], [40, 50]]), None)
    assert published.hidden == 0
    assert (published.row_total, published.grand_total) == ({"r0": 5, "r1": 90}, 95)


@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=5),
        min_size=1,
        max_size=6,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1),
    st.booleans(),
    st.booleans(),
)
def test_no_table_ever_gives_away_a_small_count(cells, rows, columns):
    published = publish(_table(cells, rows, columns), 11)
    values = [*published.values.values(), *(published.row_total or {}).values()]
    values += [*(published.column_total or {}).values(), published.grand_total]
    assert all(v is None or v == 0 or v >= 11 for v in values)
    assert recover_by_subtraction(published) == {}


def test_a_bar_chart_holds_the_tables_numbers():
    published = publish(_table([[5, 0], [12, 7]], rows=False, columns=False), None)
    chart = rules.bar_chart(published)
    assert [(b.row, b.column, b.value) for b in chart.bars] == [
        ("r0", "c0", 5),
        ("r0", "c1", 0),
        ("r1", "c0", 12),
        ("r1", "c1", 7),
    ]
    longest = max(b.width for b in chart.bars)
    assert longest <= chart.plot_width and chart.ticks[-1][0] >= 12
    assert abs(chart.bars[2].width * 5 - chart.bars[0].width * 12) < 1e-9
    zeros = rules.bar_chart(publish(_table([[0, 0], [3, 0]], rows=False, columns=False), None))
    assert [(b.row, b.column, b.value) for b in zeros.bars] == [
        ("r0", "c0", 0),
        ("r1", "c0", 3),
        ("r1", "c1", 0),
    ]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_bar_colour_stands_out_on_white_and_carries_no_text_it_must_contrast_with():
    # WCAG 1.4.11: a graphical object at least 3:1 against what is beside it (white).
    ratios = [1.05 / (_luminance(c) + 0.05) for c in rules.SERIES_COLOURS]
    assert min(ratios) >= 4.5
