"""Sessions kept on the server, device tokens that open only their scope's routes, and sign-in
that tells nothing by its work (issue: trust; OWASP ASVS V2, V3)."""

from datetime import timedelta

import pytest

from fieldcheck import devices
from fieldcheck.models import AuditEvent, DeviceToken, User, UserSession
from tests import factories
from tests.helpers import Web, alerts, input_values, main_text, texts

SESSION_COOKIE = "fieldcheck_session"
STRONG = "kunang-kunang di sawah malam"
ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/120.0 Mobile"


def cookie_of(web: Web) -> str:
    return web.client.get_cookie(SESSION_COOKIE).value


def replay(app, cookie: str, url: str):
    """The request a thief holding a copy of the cookie would make, from another browser."""
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, cookie)
    return thief.get(url)


def signed_in(app, username: str) -> Web:
    web = Web(app.test_client())
    assert web.login(username).status_code == 303
    return web


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, web):
    factories.user("field1", "field")
    web.login("field1")
    copied = cookie_of(web)
    assert replay(app, copied, "/field/").status_code == 200
    web.logout()
    response = replay(app, copied, "/field/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert UserSession.get().end_reason == "logout"


def test_a_password_change_ends_the_users_other_sessions_but_not_this_one(app, web):
    factories.user("field1", "field")
    elsewhere = signed_in(app, "field1")
    web.login("field1")
    new = "kunang-kunang di sawah malam"
    response = web.post("/account/password", {"current": web.PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 303
    assert elsewhere.get("/field/").status_code == 302
    assert web.get("/field/").status_code == 200
    event = AuditEvent.get(AuditEvent.action == "user.password_change")
    assert event.details_dict == {"sessions_ended": 1}


def test_sign_out_everywhere_ends_every_session_and_revokes_every_device(app, client):
    factories.user("admin", "admin")
    factories.user("field1", "field")
    phone = client.post(
        "/api/v1/auth/token",
        json={"username": "field1", "password": Web.PASSWORD, "label": "Android"},
    ).json["token"]
    browser = signed_in(app, "field1")
    copied = cookie_of(browser)
    admin = signed_in(app, "admin")
    user = User.get(User.username == "field1")
    response = admin.post(
        f"/admin/users/{user.id}/sign-out-everywhere",
        page=f"/admin/users/{user.id}",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 303
    assert replay(app, copied, "/field/").status_code == 302
    pull = client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {phone}"})
    assert pull.status_code == 401 and pull.json["error"]["code"] == "token_revoked"
    event = AuditEvent.get(AuditEvent.action == "user.sign_out_everywhere")
    assert event.details_dict == {"sessions_ended": 1, "tokens_revoked": 1}
    assert event.actor_name == "admin"


def test_deactivation_ends_the_accounts_sessions(app):
    factories.user("admin", "admin")
    factories.user("intake1", "intake")
    browser = signed_in(app, "intake1")
    copied = cookie_of(browser)
    admin = signed_in(app, "admin")
    user = User.get(User.username == "intake1")
    admin.post(f"/admin/users/{user.id}/active", {"active": "0"}, page=f"/admin/users/{user.id}")
    assert replay(app, copied, "/cases").status_code == 302
    assert UserSession.get(UserSession.user == user).end_reason == "deactivated"
    # Reactivated, the old session stays ended: a new sign-in is needed.
    admin.post(f"/admin/users/{user.id}/active", {"active": "1"}, page=f"/admin/users/{user.id}")
    assert replay(app, copied, "/cases").status_code == 302


def test_an_administrators_password_reset_ends_the_users_sessions(app):
    factories.user("admin", "admin")
    factories.user("intake1", "intake")
    copied = cookie_of(signed_in(app, "intake1"))
    admin = signed_in(app, "admin")
    user = User.get(User.username == "intake1")
    temporary = "pohon-mangga-di-tepi-kali"
    admin.post(
        f"/admin/users/{user.id}/password",
        {"reset-password": temporary, "reset-confirm": temporary},
        page=f"/admin/users/{user.id}",
    )
    assert replay(app, copied, "/cases").status_code == 302


def test_a_busy_session_ends_at_its_absolute_lifetime(app, web, clock):
    app.config["SESSION_LIFETIME"] = timedelta(hours=12)
    factories.user("intake1", "intake")
    web.login("intake1")
    for _ in range(71):  # active every ten minutes for 11 h 50 min
        clock.advance(minutes=10)
        assert web.get("/cases").status_code == 200
    clock.advance(minutes=10)
    response = web.get("/cases", headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = web.get("/login", headers={"Accept-Language": "en"}).text
    assert "a session lasts at most 12 hours" in alerts(page)
    assert UserSession.get().end_reason == "expired"
    timeout = AuditEvent.get(AuditEvent.action == "user.timeout")
    assert timeout.details_dict == {"why": "expired"}


def test_signing_in_gives_a_new_session_id_and_a_new_csrf_token(app, web):
    factories.user("intake1", "intake")
    before_token = web.csrf_token("/login")
    before_cookie = cookie_of(web)
    web.login("intake1")
    after_token = input_values(web.get("/cases").get_data(as_text=True))["csrf_token"]
    assert after_token != before_token
    assert cookie_of(web) != before_cookie
    # The token of the page shown before signing in no longer passes a form.
    stale = web.post("/account/password", {"csrf_token": before_token})
    assert stale.status_code == 400
    # A fixed session id planted before sign-in is not the one signed in with.
    web.logout()
    web.client.set_cookie(SESSION_COOKIE, before_cookie)
    web.login("intake1")
    assert UserSession.select().count() == 2
    assert replay(app, before_cookie, "/cases").status_code == 302


def test_the_sessions_and_devices_page_lists_and_ends_the_users_sessions(app, web):
    factories.user("field1", "field")
    other = signed_in(app, "field1")
    web.client.environ_base["HTTP_USER_AGENT"] = ANDROID_CHROME
    web.login("field1")
    page = web.get("/account/devices", headers={"Accept-Language": "en"}).text
    assert texts(page, "h1") == ["Sessions and devices"]
    assert "Chrome / Android this session" in texts(page, "#browser-sessions .session-item h3")
    theirs = UserSession.get(UserSession.user_agent != ANDROID_CHROME)
    response = web.post(f"/account/sessions/{theirs.id}/end", page="/account/devices")
    assert response.status_code == 303
    assert other.get("/field/").status_code == 302
    assert web.get("/field/").status_code == 200
    assert AuditEvent.get(AuditEvent.action == "session.end").details_dict == {"session": theirs.id}
    someone = factories.user("field2", "field")
    stranger = signed_in(app, "field2")
    mine = UserSession.get(UserSession.user == someone)
    assert web.post(f"/account/sessions/{mine.id}/end", page="/account/devices").status_code == 404
    assert stranger.get("/field/").status_code == 200


# -- device tokens ---------------------------------------------------------------------------


def token_for(client, username, **extra):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": Web.PASSWORD, "label": "Android", **extra},
    )


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


@factories.in_app
def legacy_token(user: User, raw: str) -> DeviceToken:
    """A token issued before tokens had scopes, as migration 12 leaves a desk role's."""
    from fieldcheck.clock import utcnow

    now = utcnow()
    return DeviceToken.create(
        user=user,
        token_hash=devices.token_hash(raw),
        label="old",
        scope="",
        created_at=now,
        expires_at=now + timedelta(days=30),
    )


@pytest.mark.parametrize("role", ["intake", "supervisor", "registry", "admin"])
def test_desk_roles_get_no_device_token(app, client, role):
    factories.user(role, role)
    response = token_for(client, role)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "no_token_for_role"
    assert response.headers["Cache-Control"] == "no-store"
    assert DeviceToken.select().count() == 0


def test_a_field_officer_gets_a_sync_token_and_a_passport_officer_a_verify_token(app, client):
    factories.user("field1", "field")
    factories.user("passport", "passport", office_=None)
    sync = token_for(client, "field1")
    verify = token_for(client, "passport")
    assert (sync.status_code, sync.json["scope"]) == (201, "sync")
    assert (verify.status_code, verify.json["scope"]) == (201, "verify")
    for response in (sync, verify):
        assert response.headers["Cache-Control"] == "no-store"
    assert [t.label for t in DeviceToken.select().order_by(DeviceToken.id)] == [
        "Android",
        "Android",
    ]


def test_a_token_without_a_device_name_is_named_by_its_browser(app, client):
    factories.user("field1", "field")
    response = client.post(
        "/api/v1/auth/token",
        json={"username": "field1", "password": Web.PASSWORD},
        headers={"User-Agent": "python -m sync"},
    )
    assert response.status_code == 201
    assert DeviceToken.get().label == "python -m sync"


def test_a_bearer_token_opens_no_desk_page(app, client):
    people = factories.one_per_role()
    case = factories.case()
    desk_pages = [
        f"/cases/{case.id}",
        "/cases",
        f"/review/cases/{case.id}",
        "/review/",
        "/admin/users",
        f"/admin/users/{people['intake'].id}",
        "/registry/",
        "/account/devices",
        "/verify",
        "/api/v1/me",
        "/api/v1/auth/tokens",
    ]
    legacy_token(people["intake"], "fc1_old-intake-token")
    legacy_token(people["admin"], "fc1_old-admin-token")
    field = token_for(client, "field").json["token"]
    for raw in ("fc1_old-intake-token", "fc1_old-admin-token", field):
        for url in desk_pages:
            response = client.get(url, headers=bearer(raw))
            assert response.status_code in (302, 401), (url, response.status_code)
            assert case.nik not in response.get_data(as_text=True)


def test_a_verify_token_opens_the_verify_route_and_nothing_else(app, client):
    factories.user("passport", "passport", office_=None)
    raw = token_for(client, "passport").json["token"]
    verify = client.post("/api/v1/reports/verify", json={"qr": "hello"}, headers=bearer(raw))
    assert verify.status_code == 200 and verify.json["status"] == "INVALID"
    for method, url in [
        ("GET", "/api/v1/sync/pull"),
        ("POST", "/api/v1/sync/push"),
        ("GET", "/api/v1/me"),
        ("GET", "/field/"),
        ("GET", "/verify"),
        ("GET", "/verify/log"),
        ("GET", "/"),
    ]:
        response = client.open(url, method=method, headers=bearer(raw), json={})
        assert response.status_code in (302, 401), (method, url, response.status_code)
    refused = client.get("/api/v1/sync/pull", headers=bearer(raw))
    assert refused.json["error"]["code"] == "token_scope"


def test_a_sync_token_opens_its_officers_phone_pages_for_get_only(app, client):
    team = factories.team()
    factories.user("field1", "field", team_=team)
    intake = factories.user("intake1", "intake")
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team)
    raw = token_for(client, "field1").json["token"]
    phone = app.test_client()  # no cookie at all
    listed = phone.get("/field/", headers=bearer(raw))
    assert listed.status_code == 200
    assert texts(listed.text, "#case-list li strong") == [case.applicant_name]
    assert phone.get(f"/field/cases/{case.id}", headers=bearer(raw)).status_code == 200
    # No route gives a phone a token for its web session or its token (enrolment does).
    assert phone.post("/field/device-token", headers=bearer(raw)).status_code == 404
    assert DeviceToken.select().count() == 1
    other = factories.case(applicant_name="Rina Marlina")  # not assigned to the team
    assert phone.get(f"/field/cases/{other.id}", headers=bearer(raw)).status_code == 404


def test_token_issuance_is_limited_per_user(app, client):
    app.config["TOKEN_LIMIT_PER_USER"] = "3 per day"
    factories.user("field1", "field")
    for _ in range(3):
        assert token_for(client, "field1").status_code == 201
    refused = token_for(client, "field1", label="one more")
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert DeviceToken.select().count() == 3


def test_token_issuance_is_limited_per_address(app, client):
    app.config["TOKEN_LIMIT_PER_ADDRESS"] = "2 per hour"
    for name in ("field1", "field2", "field3"):
        factories.user(name, "field")
    assert token_for(client, "field1").status_code == 201
    assert token_for(client, "field2").status_code == 201
    assert token_for(client, "field3").status_code == 429


# -- sign-in that gives nothing away ---------------------------------------------------------


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash check the app makes (a spy on werkzeug's check, as models call it)."""
    import fieldcheck.models

    calls = []
    real = fieldcheck.models.check_password_hash

    def spy(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(fieldcheck.models, "check_password_hash", spy)
    return calls


@pytest.mark.parametrize("username", ["field1", "nobody", "gone"])
def test_a_sign_in_checks_exactly_one_password_hash_whoever_is_named(
    app, web, client, hash_checks, username
):
    factories.user("field1", "field")
    gone = factories.user("gone", "field")
    gone.active = False
    gone.save()
    assert web.login(username, "not the password").status_code == 401
    assert len(hash_checks) == 1
    hash_checks.clear()
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": "not the password"}
    )
    assert response.status_code == 401 and len(hash_checks) == 1
    # The hash checked for an unknown name costs what a real one does (same method).
    method = User.get(User.username == "field1").password_hash.split("$")[0]
    assert hash_checks[0].split("$")[0] == method


def test_the_per_username_limit_is_one_across_every_route_that_checks_a_password(app, web):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per 15 minutes"
    factories.user("field1", "field")
    for _ in range(3):
        assert web.login("field1", "wrong-password").status_code == 401
    assert web.login("field1").status_code == 429
    token = web.client.post(
        "/api/v1/auth/token", json={"username": "field1", "password": Web.PASSWORD}
    )
    assert token.status_code == 429
    assert DeviceToken.select().count() == 0


def test_wrong_current_passwords_count_toward_the_sign_in_limit(app, web):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per 15 minutes"
    factories.user("field1", "field")
    web.login("field1")
    for _ in range(3):
        response = web.post(
            "/account/password",
            {"current": "a guess", "new": STRONG, "confirm": STRONG},
        )
        assert response.status_code == 200
    page = web.post(
        "/account/password",
        {"current": "another guess", "new": STRONG, "confirm": STRONG},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 429
    assert "Too many failed sign-in attempts" in main_text(page.text)
    other = Web(app.test_client())
    assert other.login("field1").status_code == 429


def test_a_cookie_used_from_another_browser_ends_the_session(app, web):
    factories.user("intake1", "intake")
    web.client.environ_base["HTTP_USER_AGENT"] = ANDROID_CHROME
    web.login("intake1")
    copied = cookie_of(web)
    response = replay(app, copied, "/cases")  # the thief's browser says something else
    assert response.status_code == 302
    assert web.get("/cases").status_code == 302  # the session itself has ended
    assert UserSession.get().end_reason == "moved"
    assert AuditEvent.get(AuditEvent.action == "session.end").details_dict == {"why": "moved"}
