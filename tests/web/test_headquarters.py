"""Headquarters (issue 16): an administrator of no office keeps headquarters' accounts and the
national lists, and no office's teams; no office's administrator sees headquarters' accounts;
a supervisor cannot verify a case held by the prevention list until the hit is handled."""

from fieldcheck.models import Case, PreventionHit, User
from tests import factories
from tests.helpers import alerts, list_rows, main_text, parse

EN = {"Accept-Language": "en"}


def test_headquarters_manages_its_own_accounts_and_no_offices_teams(app, web):
    factories.hq_admin()
    factories.user("admin", "admin")
    web.login("hqadmin")
    names = [row[1] for row in list_rows(web.get("/admin/users", headers=EN).text)]
    assert names == ["hqadmin"]
    form = parse(web.get("/admin/users/new", headers=EN).text)
    roles = [o["value"] for o in form.find("select", attrs={"name": "role"}).find_all("option")]
    assert roles == ["admin", "analyst"]
    response = web.post(
        "/admin/users/new",
        {"username": "hq2", "name": "Bambang Pusat", "role": "admin", "team": "", "agency": "",
         "language": "", "regions": "", "password": "tiga-kata-panjang-sekali"},
        page="/admin/users/new",
    )  # fmt: skip
    assert response.status_code == 303
    assert User.get(User.username == "hq2").office_id is None
    teams = web.get("/admin/teams", headers=EN)
    assert teams.status_code == 403
    assert "You are signed in as: Headquarters administrator" in main_text(teams.text)
    nav = [a.get_text() for a in parse(web.get("/", headers=EN).text).find("nav").find_all("a")]
    assert nav == ["Home", "Prevention list", "Repatriated victims", "Users", "Password"]


def test_an_offices_administrator_does_not_see_headquarters_accounts(app, web):
    hq = factories.hq_admin()
    factories.user("admin", "admin")
    web.login("admin")
    names = [row[1] for row in list_rows(web.get("/admin/users", headers=EN).text)]
    assert "hqadmin" not in names
    assert web.get(f"/admin/users/{hq.id}").status_code == 404


def test_only_headquarters_administrator_makes_and_edits_analysts(app, web):
    factories.hq_admin()
    factories.user("admin", "admin")
    analyst = factories.user("analyst", "analyst")
    web.login("admin")
    form = parse(web.get("/admin/users/new", headers=EN).text)
    offered = [o["value"] for o in form.find("select", attrs={"name": "role"}).find_all("option")]
    assert "analyst" not in offered and "supervisor" in offered
    names = [row[1] for row in list_rows(web.get("/admin/users", headers=EN).text)]
    assert "analyst" not in names
    assert web.get(f"/admin/users/{analyst.id}").status_code == 404
    edit = {"username": "analyst", "name": "Renamed", "role": "analyst", "team": "",
            "agency": "", "language": "", "regions": ""}  # fmt: skip
    assert web.post(f"/admin/users/{analyst.id}", edit).status_code == 404
    made = web.post(
        "/admin/users/new",
        {**edit, "username": "analyst2", "password": "tiga-kata-panjang-sekali"},
        page="/admin/users/new",
    )
    assert made.status_code != 303 and User.get_or_none(User.username == "analyst2") is None
    web.logout()
    web.login("hqadmin")
    names = [row[1] for row in list_rows(web.get("/admin/users", headers=EN).text)]
    assert "analyst" in names and "admin" not in names
    saved = web.post(f"/admin/users/{analyst.id}", edit, page=f"/admin/users/{analyst.id}")
    assert saved.status_code == 303
    renamed = User.get_by_id(analyst.id)
    assert renamed.name == "Renamed" and renamed.office_id is None


def test_a_held_case_cannot_be_verified_until_the_hit_is_handled(app, reviewed):
    from fieldcheck.prevention import service as prevention

    factories.prevention_entry(factories.hq_admin())
    case = reviewed["case"]
    with app.app_context():
        prevention.check_case(factories.actor(), Case.get_by_id(case.id), "field")
    web, page = reviewed["web"], f"/review/cases/{case.id}"
    response = web.post(f"{page}/verify", {"note": ""}, page=page, headers=EN)
    shown = web.get(response.headers["Location"], headers=EN).text
    assert "This case is on hold" in alerts(shown)
    assert "On hold: someone this case names is on the prevention list." in alerts(shown)
    assert Case.get_by_id(case.id).state == "under_review"
    hit = PreventionHit.get()
    web.post(f"/prevention/hits/{hit.id}", {"note": "Polri: bukan orang yang sama."})
    web.post(f"{page}/verify", {"note": ""}, page=page)
    assert Case.get_by_id(case.id).state == "verified"
