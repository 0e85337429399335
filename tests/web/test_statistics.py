"""The statistics dashboard and the partners' exports: who may open them, the office's own
counts only, filters in the URL, exports that match their Data Package, one audit event each."""

import csv
import io
import json
import zipfile

import pytest
from frictionless import Package

from fieldcheck.models import AuditEvent
from tests import factories
from tests.helpers import alerts, attributes_of, list_rows, parse, text_of, texts

PERIOD = "start=2026-10-01&end=2026-11-30&by=month"


@pytest.fixture(autouse=True)
def csv_limit_kept():
    """frictionless sets the csv module's field size limit for the whole process as its CSV
    parser loads; the app's CSV readers rely on the default (a cell past 128 K is an error
    they explain), so the limit is put back after each test here."""
    limit = csv.field_size_limit()
    yield
    csv.field_size_limit(limit)


@pytest.fixture
def history(app, clock, web):
    made = factories.statistics_cases(clock)
    web.login("supervisor")
    return made


def _cells(html, panel: str) -> dict:
    """The numbers of a panel's table, by (row key, column key)."""
    section = parse(html).find(id=f"panel-{panel}")
    return {
        (td["data-row"], td["data-column"]): td.get_text(strip=True)
        for td in section.select("td[data-row]")
    }


def _chart_numbers(html, panel: str) -> dict:
    section = parse(html).find(id=f"panel-{panel}")
    return {
        (t["data-row"], t["data-column"]): t.get_text(strip=True)
        for t in section.select("svg text[data-row]")
    }


@pytest.mark.parametrize("role", ["intake", "field", "registry", "passport"])
def test_only_supervisors_and_administrators_see_statistics(app, web, role):
    factories.user(role, role)
    web.login(role)
    assert web.get("/statistics/").status_code == 403
    assert web.get("/statistics/export.json").status_code == 403
    assert web.get("/statistics/export.zip").status_code == 403
    start = web.get("/", follow_redirects=True).text
    assert attributes_of(start, "tile-statistics") is None


def test_an_administrator_opens_the_dashboard_from_the_menu_and_the_start_page(app, web):
    factories.user("admin", "admin")
    web.login("admin")
    start = web.get("/").text
    assert attributes_of(start, "tile-statistics")["href"] == "/statistics/"
    assert "/statistics/" in [a["href"] for a in parse(start).select("nav a")]
    assert web.get("/statistics/").status_code == 200


def test_the_dashboard_counts_the_offices_own_cases_exactly(history, web):
    page = web.get(f"/statistics/?{PERIOD}", headers={"Accept-Language": "en"}).text
    activity = _cells(page, "activity")
    assert activity[("2026-10-01", "referred")] == "3"
    assert activity[("2026-11-01", "referred")] == "1"
    assert activity[("total", "referred")] == "4"  # not KANIM-SBY's fifth case
    assert activity[("total", "refused")] == "1"  # nor its refusal
    assert _cells(page, "teams") == {
        ("Timpora Kabupaten Bandung", "visits"): "3",
        ("total", "visits"): "3",
    }
    assert _cells(page, "destinations")[("KH", "total")] == "3"
    assert (text_of(page, "stat-decided"), text_of(page, "stat-overdue")) == ("2", "1")
    assert text_of(page, "stat-median") == "15"
    rows = [row for row in list_rows(parse(page).find(id="panel-regions")) if row]
    assert rows == [["3"], ["1"]]
    assert texts(page, "#panel-regions tbody th") == [
        "Kabupaten Bandung (Jawa Barat)",
        "Kabupaten Garut (Jawa Barat)",
    ]


def test_the_charts_hold_the_tables_numbers(history, web):
    page = web.get(f"/statistics/?{PERIOD}").text
    for panel in ("activity", "regions", "destinations", "signals", "teams", "registry"):
        chart, table = _chart_numbers(page, panel), _cells(page, panel)
        assert chart, panel
        assert all(table[key] == value for key, value in chart.items()), panel


def test_filters_travel_in_the_url_and_narrow_the_counts(history, web):
    team = history["team"].id
    page = web.get(f"/statistics/?{PERIOD}&team={team}&destination=KH").text
    form = parse(page).find("form", class_="stat-filters")
    assert (form["method"], form["action"]) == ("get", "/statistics/")
    assert parse(page).find(id="s-team").find("option", selected=True)["value"] == str(team)
    assert _cells(page, "activity")[("total", "referred")] == "2"
    assert _cells(page, "destinations")[("total", "total")] == "2"
    links = [a["href"] for a in parse(page).select("#exports a")]
    assert all(f"team={team}" in link and "destination=KH" in link for link in links)


def test_another_offices_team_is_not_a_filter(history, web, app):
    theirs = factories.team(history["other"], "Timpora Surabaya", "35.78")
    page = web.get(f"/statistics/?{PERIOD}&team={theirs.id}", headers={"Accept-Language": "en"})
    assert "not one of your office's" in alerts(page.text)
    assert _cells(page.text, "activity")[("total", "referred")] == "4"


def test_a_wrong_filter_is_said_and_the_default_shown(history, web):
    page = web.get("/statistics/?start=yesterday&by=day", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    said = alerts(page.text)
    assert "not a date" in said and "by month" in said


def _export(web, fmt, query=PERIOD):
    response = web.get(f"/statistics/export.{fmt}?{query}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def test_the_csv_export_is_a_valid_data_package_with_small_counts_hidden(history, web, tmp_path):
    response = _export(web, "zip")
    assert response.mimetype == "application/zip"
    zipfile.ZipFile(io.BytesIO(response.data)).extractall(tmp_path)
    package = Package(str(tmp_path / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["temporal"] == {"start": "2026-10-01", "end": "2026-11-30"}
    assert descriptor["fieldcheck"]["privacy"]["k"] == 11
    assert descriptor["fieldcheck"]["offices"] == ["KANIM-BDG"]
    with open(tmp_path / "data" / "activity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    # Every count of this small office is below 11: all hidden, zeros shown.
    october = rows[0]
    assert (october["period"], october["referred"], october["verified"]) == (
        "2026-10-01",
        "<11",
        "0",
    )
    assert rows[-1]["period"] == "TOTAL" and rows[-1]["referred"] == "<11"
    every = [v for r in rows for k, v in r.items() if k in ("referred", "checked", "refused")]
    assert set(every) <= {"<11", "0"}
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        with open(tmp_path / resource["path"], newline="") as f:
            assert next(csv.reader(f)) == names


def test_the_json_export_holds_the_same_rows_inline(history, web):
    response = _export(web, "json")
    descriptor = response.json
    report = Package(descriptor).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    regions = next(r for r in descriptor["resources"] if r["name"] == "regions")["data"]
    assert [(r["regency_code"], r["regency"], r["province"], r["cases"]) for r in regions] == [
        ("32.04", "Kabupaten Bandung", "Jawa Barat", "<11"),
        ("32.05", "Kabupaten Garut", "Jawa Barat", "<11"),
        ("TOTAL", "", "", "<11"),
    ]
    timeliness = next(r for r in descriptor["resources"] if r["name"] == "timeliness")["data"]
    assert timeliness[0]["median_days_to_decision"] == "x"  # from 2 decided cases: withheld
    text = json.dumps(descriptor)
    assert "Siti" not in text and history["a"].nik not in text


def test_each_export_writes_one_audit_event_with_its_filters(history, web, app):
    team = history["team"].id
    before = AuditEvent.select().where(AuditEvent.action == "statistics.export").count()
    _export(web, "json", f"{PERIOD}&team={team}")
    _export(web, "zip", PERIOD)
    events = list(
        AuditEvent.select().where(AuditEvent.action == "statistics.export").order_by(AuditEvent.id)
    )
    assert before == 0 and len(events) == 2
    first, second = (e.details_dict for e in events)
    assert events[0].actor_name == "supervisor"
    assert first == {
        "format": "json",
        "offices": ["KANIM-BDG"],
        "filters": {"start": "2026-10-01", "end": "2026-11-30", "by": "month", "team": str(team)},
        "k": 11,
        "records": 0,  # repatriated victims' records released (none here)
    }
    assert second["format"] == "zip" and "team" not in second["filters"]


def test_the_monthly_report_is_a_pdf_of_the_offices_month_and_is_audited(history, web):
    import pypdfium2

    page = web.get("/statistics/").text
    form = parse(page).find(id="monthly").find("form")
    assert (form["method"], form["action"]) == ("get", "/statistics/monthly.pdf")
    assert parse(page).find(id="m-month")["value"] == "2026-10"  # last month, on 2 November
    response = web.get("/statistics/monthly.pdf?month=2026-10", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "2026-10" in response.headers["Content-Disposition"]
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.data))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    words = " ".join(text.split())
    assert "Kantor Imigrasi Bandung" in words and "Monthly statistics: October 2026" in words
    assert "Kabupaten Garut (Jawa Barat)" in words
    events = list(AuditEvent.select().where(AuditEvent.action == "statistics.export"))
    assert [e.details_dict for e in events] == [
        {
            "format": "pdf",
            "offices": ["KANIM-BDG"],
            "filters": {"start": "2026-10-01", "end": "2026-10-31", "by": "week"},
            "k": None,
        }
    ]
