"""The statistics dashboard and the partners' exports: who may open them, the office's own
counts only, filters in the URL, exports that match their Data Package, one audit event each."""

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from frictionless import Package

from fieldcheck.models import AuditEvent, Case, RepatriatedVictim
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


# --- the headquarters analyst (every office, small counts hidden) ------------------------------


@pytest.fixture
def analyst(app, clock, web):
    made = factories.statistics_cases(clock)
    factories.victim_record(made["office"], date(2026, 10, 20), made["a"])
    factories.victim_record(made["office"], date(2026, 11, 1), made["b"], flagged=True)
    factories.victim_record(made["other"], date(2026, 10, 3), name="Sri Rahayu")
    factories.user("analyst", "analyst")
    web.login("analyst")
    return made


def _personal(app, made) -> list[str]:
    """What the analyst may never read: applicants' and victims' names, NIKs, addresses, phones."""
    with app.app_context():
        cases = [Case.get_by_id(made[key].id) for key in "abcde"]
        victims = list(RepatriatedVictim.select())
    found = [v for c in cases for v in (c.applicant_name, c.nik, c.address, c.phone) if v]
    return found + [v for r in victims for v in (r.name, r.nik) if v]


def test_the_analyst_opens_statistics_from_the_menu_and_the_start_page(analyst, web):
    start = web.get("/").text
    assert attributes_of(start, "tile-statistics")["href"] == "/statistics/"
    assert "/statistics/" in [a["href"] for a in parse(start).select("nav a")]


def test_the_analyst_sees_every_office_with_small_counts_hidden(analyst, web):
    page = web.get(f"/statistics/?{PERIOD}", headers={"Accept-Language": "en"}).text
    assert texts(page, "p.lead")[0].startswith("All offices")
    offices = _cells(page, "offices")
    assert texts(page, "#panel-offices tbody th") == [
        "Kantor Imigrasi Bandung",
        "Kantor Imigrasi Surabaya",
    ]
    # Bandung referred 4, Surabaya 1: both below 11, and so is their total.
    assert offices[("KANIM-BDG", "referred")] == "<11"
    assert offices[("KANIM-SBY", "referred")] == "<11"
    assert offices[("total", "referred")] == "<11"
    every = [v for panel in ("activity", "regions", "provinces", "repatriation") for v in
             _cells(page, panel).values()]  # fmt: skip
    assert set(every) <= {"<11", "x", "0"}
    assert (text_of(page, "stat-decided"), text_of(page, "stat-median")) == ("<11", "x")
    assert parse(page).find(id="monthly") is None  # an office's own report, not headquarters'


def test_a_count_of_11_or_more_is_shown_to_the_analyst(analyst, web, clock):
    clock.at = datetime(2026, 10, 6, 3, tzinfo=UTC)
    for _ in range(11):
        factories.case()
    clock.at = datetime(2026, 11, 2, 1, tzinfo=UTC)
    page = web.get(f"/statistics/?{PERIOD}").text
    offices = _cells(page, "offices")
    # 15 in Bandung and 1 in Surabaya: the total, 16, is shown; Surabaya's 1 is hidden, and so
    # Bandung's 15, which 16 - 15 would give it away by.
    assert offices[("total", "referred")] == "16"
    assert (offices[("KANIM-SBY", "referred")], offices[("KANIM-BDG", "referred")]) == ("<11", "x")
    # October's 14 would be November's 2 away from the total: hidden too.
    activity = _cells(page, "activity")
    assert (activity[("2026-10-01", "referred")], activity[("2026-11-01", "referred")]) == (
        "x",
        "<11",
    )
    assert activity[("total", "referred")] == "16"


def test_the_analyst_filters_one_office_in_the_url(analyst, web):
    page = web.get(f"/statistics/?{PERIOD}&office=KANIM-SBY", headers={"Accept-Language": "en"})
    assert texts(page.text, "p.lead")[0].startswith("Kantor Imigrasi Surabaya")
    chosen = parse(page.text).find(id="s-office").find("option", selected=True)
    assert chosen["value"] == "KANIM-SBY"
    assert _cells(page.text, "activity")[("total", "refused")] == "<11"
    links = [a["href"] for a in parse(page.text).select("#exports a")]
    assert all("office=KANIM-SBY" in link for link in links)
    wrong = web.get(f"/statistics/?{PERIOD}&office=KANIM-XYZ", headers={"Accept-Language": "en"})
    assert "no such office" in alerts(wrong.text)


def test_the_analyst_reads_no_personal_data_in_any_answer(analyst, web, app):
    secrets = _personal(app, analyst)
    assert len(secrets) >= 12
    answers = [
        web.get(f"/statistics/?{PERIOD}").text,
        web.get(f"/statistics/?{PERIOD}&office=KANIM-BDG&by=week").text,
        _export(web, "json").get_data(as_text=True),
    ]
    archive = zipfile.ZipFile(io.BytesIO(_export(web, "zip").data))
    answers += [archive.read(name).decode() for name in archive.namelist()]
    leaked = [s for s in secrets for answer in answers if s in answer]
    assert leaked == []
    assert web.get("/statistics/monthly.pdf?month=2026-10").status_code == 403


def test_the_analysts_export_holds_every_office_suppressed_and_is_audited(analyst, web):
    descriptor = _export(web, "json").json
    report = Package(descriptor).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert descriptor["fieldcheck"]["offices"] == ["KANIM-BDG", "KANIM-SBY"]
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert resources["repatriated_victims_records"]["data"] == [
        ["office", "hte_Country", "year", "prs_Gender", "age_band", "field_check"]
    ]  # 3 victims: fewer than 11, none released
    assert descriptor["fieldcheck"]["records_privacy"]["suppressed_records"] == 3
    victims = resources["repatriated_victims"]["data"]
    assert {(r["office"], r["hte_Country"], r["prs_Gender"]) for r in victims} >= {
        ("KANIM-BDG", "KH", "Feminine"),
        ("KANIM-SBY", "KH", "Feminine"),
    }
    assert {r["field_check"] for r in victims} <= {"<11", "x", 0}
    (event,) = AuditEvent.select().where(AuditEvent.action == "statistics.export")
    assert event.actor_name == "analyst"
    assert event.details_dict == {
        "format": "json",
        "offices": ["KANIM-BDG", "KANIM-SBY"],
        "filters": {"start": "2026-10-01", "end": "2026-11-30", "by": "month"},
        "k": 11,
        "records": 0,
    }


def test_an_office_sees_only_itself_whatever_office_the_url_names(history, web):
    page = web.get(f"/statistics/?{PERIOD}&office=KANIM-SBY").text
    assert texts(page, "p.lead")[0].startswith("Kantor Imigrasi Bandung")
    assert parse(page).find(id="s-office") is None and parse(page).find(id="panel-offices") is None
    assert _cells(page, "activity")[("total", "referred")] == "4"
    links = [a["href"] for a in parse(page).select("#exports a")]
    assert not any("office=" in link for link in links)
    descriptor = _export(web, "json", f"{PERIOD}&office=KANIM-SBY").json
    assert descriptor["fieldcheck"]["offices"] == ["KANIM-BDG"]


def test_provinces_and_repatriated_victims_traced_and_flagged_on_the_offices_dashboard(
    history, web
):
    factories.victim_record(history["office"], date(2026, 10, 20), history["a"])
    factories.victim_record(history["office"], date(2026, 11, 1), history["b"], flagged=True)
    factories.victim_record(history["office"], date(2026, 11, 3))
    factories.victim_record(history["other"], date(2026, 10, 3))
    page = web.get(f"/statistics/?{PERIOD}", headers={"Accept-Language": "en"}).text
    assert _cells(page, "provinces") == {("32", "cases"): "4", ("total", "cases"): "4"}
    assert texts(page, "#panel-provinces tbody th") == ["Jawa Barat"]
    assert _cells(page, "repatriation") == {
        ("2026-10-01", "received"): "1",
        ("2026-10-01", "traced"): "1",
        ("2026-10-01", "flagged"): "0",
        ("2026-11-01", "received"): "2",
        ("2026-11-01", "traced"): "1",
        ("2026-11-01", "flagged"): "1",
        ("total", "received"): "3",
        ("total", "traced"): "2",
        ("total", "flagged"): "1",
    }
    chart, table = _chart_numbers(page, "repatriation"), _cells(page, "repatriation")
    assert chart and all(table[key] == value for key, value in chart.items())
    team = web.get(f"/statistics/?{PERIOD}&team={history['team'].id}").text
    assert _cells(team, "repatriation")[("total", "received")] == "2"  # only A's and B's


def test_the_dashboard_says_as_of_when_its_counts_were_made(history, web):
    page = web.get(f"/statistics/?{PERIOD}", headers={"Accept-Language": "en"}).text
    assert text_of(page, "stat-as-of").startswith("Counted as of")


def _table_lines(html, panel: str) -> list[str]:
    """A panel's table as lines of words: its row's heading, then its numbers."""
    section = parse(html).find(id=f"panel-{panel}")
    lines = []
    for row in section.select("tbody tr, tfoot tr"):
        words = [row.find("th").get_text(" ", strip=True)]
        words += [td.get_text(strip=True) for td in row.find_all("td")]
        lines.append(" ".join(words))
    return lines


def test_the_monthly_pdf_shows_the_dashboards_numbers_for_that_month(history, web):
    import pypdfium2

    english = {"Accept-Language": "en"}
    month = "start=2026-10-01&end=2026-10-31&by=week"  # the month as the PDF counts it
    page = web.get(f"/statistics/?{month}", headers=english).text
    response = web.get("/statistics/monthly.pdf?month=2026-10", headers=english)
    pdf = pypdfium2.PdfDocument(io.BytesIO(response.data))
    lines = {
        " ".join(line.split())
        for i in range(len(pdf))
        for line in pdf[i].get_textpage().get_text_range().splitlines()
    }
    for panel in ("activity", "regions", "provinces", "destinations", "teams", "registry"):
        expected = _table_lines(page, panel)
        assert expected, panel
        assert [line for line in expected if line not in lines] == [], panel
    assert "Total 3 1 0 1 1" in lines  # October: 3 referred, 1 checked, 1 refused, 1 returned
    assert f"Cases decided {text_of(page, 'stat-decided')}" in lines
