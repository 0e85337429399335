"""Signing in and out, idle timeout, rate limits, CSRF and one's own password."""

from fieldcheck.models import AuditEvent, User, UserSession
from tests import factories
from tests.helpers import alerts, main_text, texts


def test_login_with_right_password_lands_on_start_page(app, web):
    factories.user("intake1", "intake")
    factories.user("field1", "field")
    response = web.login("intake1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    web.logout()
    response = web.login("field1")  # a field officer lands on the phone's case list
    assert response.headers["Location"] == "/field/"
    page = web.get("/field/").get_data(as_text=True)
    assert texts(page, "header .who span")[0].startswith("Field1 · ")
    logins = AuditEvent.select().where(AuditEvent.action == "user.login").order_by(AuditEvent.id)
    assert [e.actor_name for e in logins] == ["intake1", "field1"]


def test_login_follows_next_only_to_this_site(app, web):
    factories.user("admin", "admin")
    response = web.post("/login?next=/admin/users", {"username": "admin", "password": web.PASSWORD})
    assert response.headers["Location"] == "/admin/users"
    web.logout()
    response = web.post(
        "/login?next=https://evil.example/x", {"username": "admin", "password": web.PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_with_a_message_and_audited(app, web):
    factories.user("field1", "field")
    response = web.login("field1", "not-the-password", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "Wrong username or password" in alerts(response.text)
    assert web.get("/").status_code == 302
    failed = AuditEvent.get(AuditEvent.action == "user.login_failed")
    assert failed.details_dict == {"username": "field1"}


def test_unknown_username_gets_the_same_message(app, web):
    response = web.login("nobody", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "Wrong username or password" in alerts(response.text)


def test_inactive_account_cannot_sign_in(app, web):
    user = factories.user("field1", "field")
    user.active = False
    user.save()
    assert web.login("field1").status_code == 401


def test_logout_ends_the_session(app, web):
    factories.user("field1", "field")
    web.login("field1")
    response = web.logout()
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert web.get("/").status_code == 302
    assert AuditEvent.select().where(AuditEvent.action == "user.logout").count() == 1


def test_logout_needs_a_post(app, web):
    factories.user("field1", "field")
    web.login("field1")
    assert web.get("/logout").status_code == 405
    assert web.get("/field/").status_code == 200


def test_idle_session_expires_and_is_audited(app, web, clock):
    factories.user("field1", "field")
    web.login("field1")
    clock.advance(minutes=29)
    assert web.get("/field/").status_code == 200  # activity restarts the idle timer
    clock.advance(minutes=29)
    assert web.get("/field/").status_code == 200
    clock.advance(minutes=31)
    response = web.get("/field/", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert AuditEvent.select().where(AuditEvent.action == "user.timeout").count() == 1
    page = web.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "without activity" in alerts(page)


def test_a_busy_session_is_noted_on_the_server_at_most_once_a_minute(app, web, clock):
    """Activity is written to the session's record at most once a minute, never to the cookie
    (which is not signed and sent again by use); the idle limit counts from the activity noted."""
    factories.user("field1", "field")
    web.login("field1")
    web.get("/field/")
    record = UserSession.get()
    clock.advance(seconds=61)
    assert "Set-Cookie" not in web.get("/field/").headers
    noted = UserSession.get_by_id(record.id).last_seen_at
    assert noted > record.last_seen_at
    clock.advance(seconds=20)
    web.get("/field/")
    assert UserSession.get_by_id(record.id).last_seen_at == noted  # too soon to note again
    clock.advance(minutes=29, seconds=30)  # 29:50 after the noted activity: still within
    assert web.get("/field/").status_code == 200


def test_idle_api_session_answers_json_401(app, web, clock):
    factories.user("field1", "field")
    web.login("field1")
    clock.advance(hours=1)
    response = web.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "session_expired"


def test_login_rate_limited_per_username(app, web):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per 15 minutes"
    factories.user("field1", "field")
    for _ in range(3):
        assert web.login("field1", "wrong-password").status_code == 401
    response = web.login("field1", headers={"Accept-Language": "en"})  # right password, too late
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in alerts(response.text)
    assert web.get("/").status_code == 302


def test_login_rate_limit_per_username_spares_other_users(app, web):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "2 per 15 minutes"
    factories.user("field1", "field")
    factories.user("field2", "field")
    for _ in range(2):
        web.login("field1", "wrong-password")
    assert web.login("field2").status_code == 303


def test_login_rate_limited_per_address(app, web):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    factories.user("field2", "field")
    for name in ("a", "b", "c", "d"):
        assert web.login(name, "wrong-password").status_code == 401
    assert web.login("field2").status_code == 429


def test_a_limited_address_still_gets_the_sign_in_page(app, web):
    """Only attempts are limited: the page itself, and any other page, still opens."""
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    for name in ("a", "b"):
        assert web.login(name, "wrong-password").status_code == 401
    assert web.login("c", "wrong-password").status_code == 429
    assert web.get("/login").status_code == 200
    assert web.client.head("/login").status_code == 200
    assert web.login("c", "wrong-password").status_code == 429


def test_successful_logins_do_not_count_against_the_limit(app, web):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "2 per 15 minutes"
    factories.user("field1", "field")
    for _ in range(4):
        assert web.login("field1").status_code == 303
        web.logout()


def test_form_without_csrf_token_is_refused(app, client):
    factories.user("field1", "field")
    response = client.post(
        "/login",
        data={"username": "field1", "password": "fieldcheck-demo"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "nothing was saved" in main_text(response.text)


def test_form_with_forged_csrf_token_is_refused(app, web):
    factories.user("field1", "field")
    web.login("field1")
    response = web.post("/account/password", {"csrf_token": "forged", "current": "x"})
    assert response.status_code == 400


def session_value(web, key):
    with web.client.session_transaction() as session:
        return session[key]


def test_password_change(app, web):
    factories.user("field1", "field")
    web.login("field1")
    response = web.post(
        "/account/password",
        {"current": web.PASSWORD, "new": "a much better secret", "confirm": "a much better secret"},
    )
    assert response.status_code == 303
    web.logout()
    assert web.login("field1").status_code == 401
    assert web.login("field1", "a much better secret").status_code == 303
    assert AuditEvent.select().where(AuditEvent.action == "user.password_change").count() == 1


def test_password_change_refuses_wrong_current_short_or_mismatched(app, web):
    factories.user("field1", "field")
    web.login("field1")
    en = {"Accept-Language": "en"}
    cases = [
        (
            {"current": "wrong", "new": "a much better secret", "confirm": "a much better secret"},
            "not your current password",
        ),
        ({"current": web.PASSWORD, "new": "short", "confirm": "short"}, "At least 12 characters"),
        (
            {"current": web.PASSWORD, "new": "a much better secret", "confirm": "something else"},
            "differ",
        ),
        (
            {"current": web.PASSWORD, "new": "field1-is-my-name", "confirm": "field1-is-my-name"},
            "built from the username",
        ),
    ]
    for form, message in cases:
        response = web.post("/account/password", form, headers=en)
        assert response.status_code == 200
        assert message in alerts(response.text)
    assert User.get(User.username == "field1").check_password(web.PASSWORD)


def test_reset_password_forces_a_change_before_anything_else(app, web):
    user = factories.user("field1", "field")
    user.must_change_password = True
    user.save()
    web.login("field1")
    response = web.get("/field/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    web.post(
        "/account/password",
        {"current": web.PASSWORD, "new": "a much better secret", "confirm": "a much better secret"},
    )
    assert web.get("/field/").status_code == 200
