"""Kemendagri regions: the real table imports completely, re-imports change nothing, bad files
are refused line by line without loading anything."""

import os
from pathlib import Path

import pytest

from fieldcheck.models import Region
from fieldcheck.regions import (
    count_by_level,
    import_regions,
    normalise_code,
    parent_of,
    read_region_csv,
)
from tests.conftest import REGIONS_CSV


def real_table() -> Path:
    path = Path(os.environ.get("FIELDCHECK_REGIONS_CSV", REGIONS_CSV))
    if not path.exists():
        pytest.fail(f"the real region table is not at {path}: set FIELDCHECK_REGIONS_CSV")
    return path


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("32", "32"),
        ("32.04", "32.04"),
        ("32.04.12", "32.04.12"),
        ("32.04.12.2001", "32.04.12.2001"),
        ("3204", "32.04"),
        ("320412", "32.04.12"),
        ("3204122001", "32.04.12.2001"),
        (" 32.04 ", "32.04"),
        ("32.4", None),
        ("32.04.12.201", None),
        ("abc", None),
        ("", None),
        ("320", None),
    ],
)
def test_normalise_code(raw, code):
    assert normalise_code(raw) == code


def test_parent_and_level():
    assert parent_of("32.04.12.2001") == "32.04.12"
    assert parent_of("32") is None


def test_bad_lines_are_reported_by_number():
    data = (
        b"code,name\n32,Jawa Barat\n32.04,\n32.4,Bad\n32,Again\n32.04.12,A,B\n"
        b"32.04,Kabupaten Bandung\n"
    )
    parsed = read_region_csv(data)
    assert parsed.errors == [
        "line 3: region 32.04 has no name",
        "line 4: '32.4' is not a region code like 32.04.12",
        "line 5: region 32 already given on line 2",
        "line 6: expected 2 columns (code,name), found 3",
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"kode,nama\n32,Jawa Barat\n", "expected the header 'code,name'"),
        ("code,name\n32,Jawa Barat\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_malformed_files_are_refused(data, problem):
    parsed = read_region_csv(data)
    assert problem in parsed.errors[0]
    assert parsed.rows == []


def test_byte_order_mark_and_quoted_names_are_read():
    parsed = read_region_csv('\ufeffcode,name\n32,"Jawa Barat, Provinsi"\n'.encode())
    assert parsed.errors == []
    assert parsed.rows[0]["name"] == "Jawa Barat, Provinsi"


def test_file_with_errors_imports_nothing(app):
    parsed = read_region_csv(b"code,name\n11,Aceh\n11.x,Bad\n")
    with app.app_context(), pytest.raises(ValueError, match="nothing was imported"):
        import_regions(parsed)
    assert Region.select().count() == 0


def test_unknown_parent_imports_nothing(app):
    parsed = read_region_csv(b"code,name\n11,Aceh\n12.01,Orphan\n")
    with app.app_context(), pytest.raises(ValueError, match="unknown parent"):
        import_regions(parsed)
    assert Region.select().count() == 0


def test_renamed_region_is_updated(app):
    with app.app_context():
        import_regions(read_region_csv(b"code,name\n11,Aceh\n11.01,Kab Aceh Selatan\n"))
        result = import_regions(read_region_csv(b"code,name\n11.01,Kabupaten Aceh Selatan\n"))
    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    assert Region.get_by_id("11.01").name == "Kabupaten Aceh Selatan"


def test_the_real_table_imports_completely_and_reimports_idempotently(app):
    parsed = read_region_csv(real_table().read_bytes())
    assert parsed.errors == []
    with app.app_context():
        first = import_regions(parsed)
        assert (first.added, first.updated) == (91_599, 0)
        assert count_by_level() == {1: 38, 2: 514, 3: 7_285, 4: 83_762}
        again = import_regions(parsed)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 91_599)
        assert count_by_level() == {1: 38, 2: 514, 3: 7_285, 4: 83_762}
    assert Region.get_by_id("32.04.12.2002").name == "Dayeuhkolot"
    assert Region.get_by_id("32.04.12").parent_code == "32.04"
