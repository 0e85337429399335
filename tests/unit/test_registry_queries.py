"""The registry queue's filters as a URL gives them, and where a region's codes lie."""

from werkzeug.datastructures import MultiDict

from fieldcheck.registry.queries import MAX_AGE_DAYS, MAX_PAGE, QueueFilter, in_regions


def test_the_queue_filter_reads_what_parses_and_ignores_the_rest():
    args = MultiDict(
        {"status": "answered", "case": " 2026-bdg-1 ", "office": "x", "priority": "urgent"}
    )
    f = QueueFilter.from_args(args)
    assert (f.status, f.number, f.office, f.priority, f.age, f.page) == (
        "answered",
        "2026-BDG-1",
        None,
        "",
        None,
        1,
    )
    assert QueueFilter.from_args(MultiDict({"status": "closed"})).status == "open"


def test_the_queue_filter_bounds_large_numbers():
    f = QueueFilter.from_args(MultiDict({"age": "9" * 30, "page": "9" * 30, "office": "3"}))
    assert (f.age, f.page, f.office) == (MAX_AGE_DAYS, MAX_PAGE, 3)
    assert QueueFilter.from_args(MultiDict({"page": "0"})).page == 1


def test_the_audit_names_the_filters_given_but_not_the_number_typed():
    f = QueueFilter.from_args(
        MultiDict({"case": "2026-BDG-1", "office": "2", "priority": "high", "age": "0"})
    )
    assert f.for_audit() == {
        "status": "open",
        "application_number": "given",
        "office": 2,
        "priority": "high",
        "age": 0,
    }
    assert QueueFilter.from_args(MultiDict(), status="open").for_audit() == {"status": "open"}


def test_a_district_lies_in_the_regions_that_hold_it():
    assert in_regions("32.04.12", ["32.05", "32.04"])
    assert in_regions("32.04.12", ["32"])
    assert not in_regions("32.041", ["32.04"])
    assert not in_regions("", ["32"]) and not in_regions(None, ["32"])
    assert not in_regions("32.04.12", [])
