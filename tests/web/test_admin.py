"""The administrator manages the people and teams of their own office."""

import pytest

from fieldcheck import accounts
from fieldcheck.demo import ensure_demo_regions
from fieldcheck.models import AuditEvent, Team, User, UserRegion
from tests import factories
from tests.helpers import alerts, list_items, list_rows, parse, text_of

EN = {"Accept-Language": "en"}


def usernames(html) -> list[str]:
    """The usernames the user list shows (its second column)."""
    return [row[1] for row in list_rows(html) if len(row) > 1]


def new_user_form(**overrides):
    form = {
        "username": "siti.r",
        "name": "Siti Rahayu",
        "role": "field",
        "team": "",
        "agency": "police",
        "language": "",
        "regions": "",
        "password": "temporary-secret-1",
    }
    form.update(overrides)
    return form


def signed_in_admin(web):
    admin = factories.user("admin", "admin")
    web.login("admin")
    return admin


def test_admin_creates_a_field_officer_in_a_team(app, web):
    signed_in_admin(web)
    team = factories.team()
    response = web.post(
        "/admin/users/new", new_user_form(team=str(team.id)), page="/admin/users/new"
    )
    assert response.status_code == 303
    user = User.get(User.username == "siti.r")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert (user.role, user.team_id, user.agency, user.office_id) == (
        "field",
        team.id,
        "police",
        team.office_id,
    )
    assert user.must_change_password
    event = AuditEvent.get(
        (AuditEvent.action == "user.create") & (AuditEvent.subject_id == str(user.id))
    )
    assert event.actor_name == "admin"
    assert event.details_dict["username"] == "siti.r"
    assert "temporary-secret-1" not in event.details


def test_new_user_must_change_the_temporary_password(app, web):
    signed_in_admin(web)
    team = factories.team()
    web.post("/admin/users/new", new_user_form(team=str(team.id)), page="/admin/users/new")
    web.logout()
    web.login("siti.r", "temporary-secret-1")
    assert web.get("/").headers["Location"] == "/account/password"


def test_create_user_form_errors_are_per_field_and_keep_the_input(app, web):
    signed_in_admin(web)
    factories.user("taken", "intake")
    cases = [
        (new_user_form(username="taken", role="intake"), "This username is taken"),
        (new_user_form(username="Bad Name!"), "lower-case letters"),
        (new_user_form(role="field", team=""), "a field officer must belong to one"),
        (new_user_form(role="registry", regions=""), "needs at least one region"),
        (new_user_form(role="registry", regions="32.04\n99.99"), "Unknown region code: 99.99"),
        (new_user_form(role="intake", password="short"), "At least 12 characters"),
        (new_user_form(name="", role="intake"), "Enter the name"),
    ]
    for form, message in cases:
        response = web.post("/admin/users/new", form, page="/admin/users/new", headers=EN)
        assert response.status_code == 200, message
        assert message in alerts(response.text)
        assert parse(response.text).find(attrs={"aria-invalid": "true"}) is not None
    assert User.select().count() == 2  # admin and "taken": nothing half made


def test_admin_sets_a_registry_clerks_regions(app, web):
    signed_in_admin(web)
    response = web.post(
        "/admin/users/new",
        new_user_form(username="clerk", role="registry", regions="32.04, 32.05.01"),
        page="/admin/users/new",
    )
    assert response.status_code == 303
    clerk = User.get(User.username == "clerk")
    assert clerk.region_codes() == ["32.04", "32.05.01"]
    web.post(
        f"/admin/users/{clerk.id}",
        new_user_form(username="clerk", role="registry", regions="32.05"),
    )
    assert clerk.region_codes() == ["32.05"]
    changed = AuditEvent.get(AuditEvent.action == "user.update").details_dict
    assert changed["regions"] == [["32.04", "32.05.01"], ["32.05"]]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (EN, "Outside your office's area (32.04, 32.05): 33.01, 32."),
        ({"Accept-Language": "id"}, "Di luar wilayah kantor Anda (32.04, 32.05): 33.01, 32."),
    ],
)
def test_a_clerk_is_given_no_region_outside_the_offices_area(app, web, headers, message):
    """The office covers 32.04 and 32.05: Cilacap (33.01) and the whole province (32) are not
    its to give, nor is a district of Cilacap; districts within its regencies are."""
    signed_in_admin(web)
    form = new_user_form(username="clerk", role="registry", regions="32.04.12\n33.01\n32")
    response = web.post("/admin/users/new", form, page="/admin/users/new", headers=headers)
    assert response.status_code == 200
    assert text_of(response.get_data(as_text=True), "regions-error") == message
    assert not User.select().where(User.username == "clerk").exists()
    assert UserRegion.select().count() == 0
    created = AuditEvent.select().where(AuditEvent.action == "user.create")
    assert [e.details_dict["username"] for e in created] == ["admin"]


def test_an_edit_gives_a_clerk_no_region_outside_the_offices_area(app, web):
    signed_in_admin(web)
    clerk = factories.user("clerk", "registry", regions=["32.04"])
    page = f"/admin/users/{clerk.id}"
    form = new_user_form(username="clerk", name="Renamed", role="registry", regions="33.01.14")
    response = web.post(page, form, page=page, headers=EN)
    assert response.status_code == 200
    error = text_of(response.get_data(as_text=True), "regions-error")
    assert error == "Outside your office's area (32.04, 32.05): 33.01.14."
    clerk = User.get_by_id(clerk.id)
    assert (clerk.name, clerk.region_codes()) == ("Clerk", ["32.04"])
    assert not AuditEvent.select().where(AuditEvent.action == "user.update").exists()


def test_an_office_without_an_area_can_give_a_clerk_no_region(app, web):
    with app.app_context():
        ensure_demo_regions()
        office = accounts.create_office(
            factories.actor(), code="KANIM-NEW", name="Kantor Baru", time_zone="WIB"
        )
    factories.user("admin", "admin", office_=office)
    web.login("admin")
    form = new_user_form(username="clerk", role="registry", regions="32.04")
    response = web.post("/admin/users/new", form, page="/admin/users/new", headers=EN)
    assert "Your office covers no regions yet" in text_of(
        response.get_data(as_text=True), "regions-error"
    )
    assert not User.select().where(User.username == "clerk").exists()


def test_accounts_refuse_a_clerks_region_outside_the_office_and_save_nothing(app):
    """The rule holds below the screens too (the CLI and any other caller use these)."""
    clerk = factories.user("clerk", "registry", regions=["32.04"])
    with app.app_context():
        with pytest.raises(accounts.RegionsOutsideOffice) as refused:
            accounts.create_user(
                factories.actor(),
                username="clerk2",
                name="Nur Aini",
                role="registry",
                password="a-long-password",
                office=clerk.office_id,
                regions=["32.05.01", "33.01"],
            )
        assert (refused.value.codes, refused.value.area) == (["33.01"], ["32.04", "32.05"])
        with pytest.raises(accounts.RegionsOutsideOffice):
            accounts.update_user(factories.actor(), clerk, name="Renamed", regions=["33.01"])
        assert not User.select().where(User.username == "clerk2").exists()
        clerk = User.get_by_id(clerk.id)
        assert (clerk.name, clerk.region_codes()) == ("Clerk", ["32.04"])
        # Another role keeps no regions, so none is judged.
        accounts.update_user(factories.actor(), clerk, role="supervisor", regions=["33.01"])
        assert User.get_by_id(clerk.id).region_codes() == []


def test_admin_edits_a_user_and_the_change_is_audited(app, web):
    signed_in_admin(web)
    user = factories.user("field1", "field")
    other = factories.team(name="Timpora Garut", district_code="32.05")
    response = web.post(
        f"/admin/users/{user.id}",
        new_user_form(username="ignored", name="Agus S.", team=str(other.id), language="en"),
    )
    assert response.status_code == 303
    user = User.get_by_id(user.id)
    assert (user.username, user.name, user.team_id, user.language) == (
        "field1",
        "Agus S.",
        other.id,
        "en",
    )
    details = AuditEvent.get(AuditEvent.action == "user.update").details_dict
    assert details["name"] == ["Field1", "Agus S."]


def test_changing_a_role_away_from_clerk_drops_the_regions(app, web):
    signed_in_admin(web)
    clerk = factories.user("clerk", "registry")
    web.post(f"/admin/users/{clerk.id}", new_user_form(role="supervisor", regions="32.04"))
    assert User.get_by_id(clerk.id).role == "supervisor"
    assert UserRegion.select().where(UserRegion.user == clerk.id).count() == 0


def test_deactivated_user_cannot_sign_in_and_can_be_reactivated(app, web):
    signed_in_admin(web)
    user = factories.user("field1", "field")
    page = f"/admin/users/{user.id}"
    assert web.post(f"{page}/active", {"active": "0"}, page=page).status_code == 303
    assert not User.get_by_id(user.id).active
    web.logout()
    assert web.login("field1").status_code == 401
    web.login("admin")
    web.post(f"{page}/active", {"active": "1"}, page=page)
    web.logout()
    assert web.login("field1").status_code == 303
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert "user.deactivate" in actions and "user.activate" in actions


def test_deactivating_signs_the_user_out_of_open_sessions(app, client):
    from tests.helpers import Web

    admin_web, field_web = Web(client), Web(app.test_client())
    signed_in_admin(admin_web)
    user = factories.user("field1", "field")
    field_web.login("field1")
    assert field_web.get("/field/").status_code == 200
    page = f"/admin/users/{user.id}"
    admin_web.post(f"{page}/active", {"active": "0"}, page=page)
    assert field_web.get("/field/").status_code == 302


def test_admin_cannot_deactivate_themselves(app, web):
    admin = signed_in_admin(web)
    page = f"/admin/users/{admin.id}"
    web.post(f"{page}/active", {"active": "0"}, page=page)
    assert User.get_by_id(admin.id).active


def test_admin_resets_a_password(app, web):
    signed_in_admin(web)
    user = factories.user("field1", "field")
    page = f"/admin/users/{user.id}"
    response = web.post(f"{page}/password", {"reset-password": "temporary-secret-2"}, page=page)
    assert response.status_code == 303
    user = User.get_by_id(user.id)
    assert user.must_change_password and user.check_password("temporary-secret-2")
    assert AuditEvent.select().where(AuditEvent.action == "user.password_reset").count() == 1


def test_password_reset_with_a_weak_password_is_refused(app, web):
    signed_in_admin(web)
    user = factories.user("field1", "field")
    page = f"/admin/users/{user.id}"
    response = web.post(f"{page}/password", {"reset-password": "short"}, page=page, headers=EN)
    assert response.status_code == 422
    assert "At least 12 characters" in alerts(response.text)
    assert User.get_by_id(user.id).check_password(web.PASSWORD)


def test_users_of_another_office_are_not_found(app, web):
    signed_in_admin(web)
    elsewhere = factories.office(code="KANIM-JKT", name="Kantor Imigrasi Jakarta")
    stranger = factories.user("stranger", "intake", office_=elsewhere)
    page = f"/admin/users/{stranger.id}"
    assert web.get(page).status_code == 404
    assert web.post(f"{page}/active", {"active": "0"}, page="/admin/users").status_code == 404
    assert (
        web.post(
            f"{page}/password", {"reset-password": "temporary-secret-3"}, page="/admin/users"
        ).status_code
        == 404
    )
    assert "stranger" not in usernames(web.get("/admin/users").text)


def test_user_list_filters_by_role_and_hides_inactive(app, web):
    signed_in_admin(web)
    factories.user("intake1", "intake")
    gone = factories.user("gone", "intake")
    gone.active = False
    gone.save()
    listed = usernames(web.get("/admin/users?role=intake").text)
    assert "intake1" in listed and "admin" not in listed and "gone" not in listed
    assert "gone" in usernames(web.get("/admin/users?role=intake&inactive=1").text)


def test_admin_creates_and_renames_a_team(app, web):
    signed_in_admin(web)
    response = web.post(
        "/admin/teams/new", {"name": "Timpora Garut", "district_code": "32.05", "active": "y"}
    )
    assert response.status_code == 303
    team = Team.get(Team.name == "Timpora Garut")
    web.post(
        f"/admin/teams/{team.id}",
        {"name": "Timpora Kabupaten Garut", "district_code": "32.05", "active": "y"},
    )
    assert Team.get_by_id(team.id).name == "Timpora Kabupaten Garut"
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions.count("team.create") == 1 and actions.count("team.update") == 1


def test_team_form_refuses_unknown_district_and_duplicate_name(app, web):
    signed_in_admin(web)
    factories.team(name="Timpora Kabupaten Bandung")
    response = web.post("/admin/teams/new", {"name": "X", "district_code": "99.99"}, headers=EN)
    assert "known regency/city or district" in alerts(response.text)
    response = web.post(
        "/admin/teams/new",
        {"name": "Timpora Kabupaten Bandung", "district_code": "32.04"},
        headers=EN,
    )
    assert "already has a team of this name" in alerts(response.text)
    assert Team.select().count() == 1


def test_team_page_lists_members_with_their_agencies(app, web):
    signed_in_admin(web)
    team = factories.team()
    factories.user("field1", "field", team_=team, agency="police")
    text = web.get(f"/admin/teams/{team.id}", headers=EN).text
    assert list_items(text, "plain") == ["Field1 — Police"]


def test_teams_of_another_office_are_not_found(app, web):
    signed_in_admin(web)
    elsewhere = factories.office(code="KANIM-JKT", name="Kantor Imigrasi Jakarta")
    team = factories.team(office_=elsewhere, name="Timpora Jakarta")
    assert web.get(f"/admin/teams/{team.id}").status_code == 404


def test_teams_page_lists_each_teams_work_area_and_member_count(app, web):
    signed_in_admin(web)
    ensure_demo_regions()
    bandung = factories.team(name="Timpora Kabupaten Bandung")
    factories.team(name="Timpora Unknown", district_code="32.99")
    factories.user("field1", "field", team_=bandung)
    gone = factories.user("field2", "field", team_=bandung)
    with app.app_context():
        accounts.set_active(factories.actor(gone), gone, False)
    rows = list_rows(web.get("/admin/teams", headers=EN).text)
    area = Team.get(Team.name == "Timpora Kabupaten Bandung").district.name
    assert [row[:3] for row in rows] == [
        ["Timpora Kabupaten Bandung", area, "2"],
        ["Timpora Unknown", "32.99", "0"],
    ]
