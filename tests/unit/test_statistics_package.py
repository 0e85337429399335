"""The partners' export as a Frictionless Tabular Data Package (fieldcheck.statistics.package),
built from hand-made tables and checked by the frictionless library itself."""

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from frictionless import Package

from fieldcheck.domain import repatriation_statistics as victims
from fieldcheck.domain.statistics import Filters, Statistics, Table, timeliness
from fieldcheck.statistics import package

FILTERS = Filters(date(2026, 10, 1), date(2026, 11, 30))
MADE = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
NAMES = {"32": "Jawa Barat", "32.04": "Kabupaten Bandung", "32.05": "Kabupaten Garut"}
TITLES = {"high_risk_destination": "High-risk destination"}
# 14 victims: 12 women of 21-23 back from Cambodia in 2026 after a field check, 2 others.
VICTIMS = [victims.VictimRecord("KANIM-BDG", "KH", "2026", "Feminine", "21-23", True)] * 12 + [
    victims.VictimRecord("KANIM-BDG", "MY", "2026", "Masculine", "30-38", False),
    victims.VictimRecord("KANIM-BDG", "KH", "2025", "Feminine", "18-20", False),
]


@pytest.fixture(autouse=True)
def csv_limit_kept():
    """frictionless sets the csv module's field size limit for the whole process as its CSV
    parser loads; the app's CSV readers rely on the default (a cell past 128 K is an error
    they explain), so the limit is put back after each test here."""
    limit = csv.field_size_limit()
    yield
    csv.field_size_limit(limit)


def _statistics(office="KANIM-BDG") -> Statistics:
    def table(name, rows, columns, cells, **totals):
        return Table(name, rows, columns, cells, **totals)

    periods = ["2026-10-01", "2026-11-01"]
    measures = ["referred", "checked", "verified", "refused", "returned"]
    return Statistics(
        office=office,
        filters=FILTERS,
        tables={
            "activity": table(
                "activity",
                periods,
                measures,
                {
                    ("2026-10-01", "referred"): 40,
                    ("2026-11-01", "referred"): 35,
                    ("2026-10-01", "refused"): 4,
                    ("2026-11-01", "refused"): 12,
                },
                column_totals=True,
            ),
            "regions": table(
                "regions",
                ["32.04", "32.05", "unknown"],
                ["cases"],
                {("32.04", "cases"): 60, ("32.05", "cases"): 13, ("unknown", "cases"): 2},
                column_totals=True,
            ),
            "provinces": table(
                "provinces",
                ["32", "unknown"],
                ["cases"],
                {("32", "cases"): 73, ("unknown", "cases"): 2},
                column_totals=True,
            ),
            "destinations": table(
                "destinations",
                ["KH", "MY"],
                ["work", "tourism"],
                {
                    ("KH", "work"): 30,
                    ("KH", "tourism"): 5,
                    ("MY", "work"): 25,
                    ("MY", "tourism"): 15,
                },
                row_totals=True,
                column_totals=True,
            ),
            "signals": table(
                "signals",
                ["high_risk_destination"],
                ["refused", "not_refused"],
                {
                    ("high_risk_destination", "refused"): 9,
                    ("high_risk_destination", "not_refused"): 26,
                },
                row_totals=True,
            ),
            "teams": table(
                "teams",
                ["Timpora A"],
                ["visits"],
                {("Timpora A", "visits"): 50},
                column_totals=True,
            ),
            "registry": table(
                "registry",
                ["nik_identity"],
                ["match", "mismatch", "not_found"],
                {("nik_identity", "match"): 40, ("nik_identity", "mismatch"): 3},
                row_totals=True,
                column_totals=True,
            ),
            "repatriation": table(
                "repatriation",
                periods,
                ["received", "traced", "flagged"],
                {("2026-10-01", "received"): 14, ("2026-10-01", "traced"): 12},
                column_totals=True,
            ),
            "repatriated_victims": victims.table(VICTIMS),
        },
        timeliness=timeliness([float(d) for d in range(1, 21)], 7),
    )


def test_the_zip_is_a_valid_tabular_data_package(tmp_path):
    stats = [_statistics().published(11), _statistics("KANIM-SBY").published(11)]
    release = victims.release(VICTIMS, 11)
    body = package.as_zip(stats, MADE, NAMES, TITLES, release)
    zipfile.ZipFile(io.BytesIO(body)).extractall(tmp_path)
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["fieldcheck"]["offices"] == ["KANIM-BDG", "KANIM-SBY"]
    assert descriptor["fieldcheck"]["privacy"]["suppressed_as"] == "<11"
    assert {r["name"] for r in descriptor["resources"]} == {
        "activity",
        "regions",
        "provinces",
        "destinations",
        "signals",
        "teams",
        "registry",
        "repatriation",
        "repatriated_victims",
        "timeliness",
        "repatriated_victims_records",
    }
    # The 12 alike are released as they are; the 2 others are left out (each alone).
    privacy = descriptor["fieldcheck"]["records_privacy"]
    assert (privacy["k"], privacy["suppressed_records"]) == (11, 2)
    with open(tmp_path / "data" / "repatriated_victims_records.csv", newline="") as f:
        records = list(csv.reader(f))
    assert records[0] == ["office", "hte_Country", "year", "prs_Gender", "age_band", "field_check"]
    assert records[1:] == [["KANIM-BDG", "KH", "2026", "Feminine", "21-23", "True"]] * 12
    units = {
        f["name"]: f.get("unit") for r in descriptor["resources"] for f in r["schema"]["fields"]
    }
    assert (units["visits"], units["match"], units["median_days_to_decision"]) == (
        "visits",
        "answers",
        "days",
    )


def test_small_counts_are_suppressed_in_the_files_and_totals_protect_them(tmp_path):
    body = package.as_zip([_statistics().published(11)], MADE, NAMES, TITLES)
    archive = zipfile.ZipFile(io.BytesIO(body))
    destinations = archive.read("data/destinations.csv").decode().splitlines()
    assert destinations[0] == "office,period_start,period_end,destination,work,tourism,total"
    # KH tourism (5) is below 11; a second cell of its row and of its column is hidden too
    # (as "x": any number), and then a second of the column that made.
    assert destinations[1:] == [
        "KANIM-BDG,2026-10-01,2026-11-30,KH,x,<11,35",
        "KANIM-BDG,2026-10-01,2026-11-30,MY,x,x,40",
        "KANIM-BDG,2026-10-01,2026-11-30,TOTAL,55,20,75",
    ]
    regions = archive.read("data/regions.csv").decode().splitlines()
    assert regions[1:] == [
        "KANIM-BDG,2026-10-01,2026-11-30,32.04,Kabupaten Bandung,32,Jawa Barat,60",
        "KANIM-BDG,2026-10-01,2026-11-30,32.05,Kabupaten Garut,32,Jawa Barat,x",
        "KANIM-BDG,2026-10-01,2026-11-30,unknown,,,,<11",
        "KANIM-BDG,2026-10-01,2026-11-30,TOTAL,,,,75",
    ]
    timeliness_rows = archive.read("data/timeliness.csv").decode().splitlines()
    assert timeliness_rows[1] == "KANIM-BDG,2026-10-01,2026-11-30,20,10.0,18.0,<11"


def test_the_json_export_holds_the_rows_inline_and_is_valid():
    descriptor = json.loads(package.as_json([_statistics().published(11)], MADE, NAMES, TITLES))
    report = Package(descriptor).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    signals = next(r for r in descriptor["resources"] if r["name"] == "signals")
    assert signals["data"] == [
        {
            "office": "KANIM-BDG",
            "period_start": "2026-10-01",
            "period_end": "2026-11-30",
            "signal": "high_risk_destination",
            "signal_title": "High-risk destination",
            "refused": "<11",
            "not_refused": "x",
            "fired": 35,
        }
    ]


def test_the_repatriated_victims_carry_htcds_names_and_their_small_counts_are_hidden():
    body = package.as_zip([_statistics().published(11)], MADE, NAMES, TITLES)
    archive = zipfile.ZipFile(io.BytesIO(body))
    rows = archive.read("data/repatriated_victims.csv").decode().splitlines()
    assert rows[0] == (
        "office,period_start,period_end,hte_Country,year,prs_Gender,age_band,"
        "field_check,no_field_check,total"
    )
    # Each lone victim is "<11"; the unchecked column's total (2) too; then the checked total
    # (14 - 12 would give it), the 12 (its column's total would give it) and its row's total.
    assert rows[1:] == [
        "KANIM-BDG,2026-10-01,2026-11-30,KH,2025,Feminine,18-20,0,<11,<11",
        "KANIM-BDG,2026-10-01,2026-11-30,KH,2026,Feminine,21-23,x,0,x",
        "KANIM-BDG,2026-10-01,2026-11-30,MY,2026,Masculine,30-38,0,<11,<11",
        "KANIM-BDG,2026-10-01,2026-11-30,TOTAL,,,,x,<11,14",
    ]
    provinces = archive.read("data/provinces.csv").decode().splitlines()
    assert provinces[1:] == [
        "KANIM-BDG,2026-10-01,2026-11-30,32,Jawa Barat,x",
        "KANIM-BDG,2026-10-01,2026-11-30,unknown,,<11",
        "KANIM-BDG,2026-10-01,2026-11-30,TOTAL,,75",
    ]
