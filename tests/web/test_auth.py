"""Signing in and out, idle timeout, rate limits, CSRF and one's own password."""

import pytest

from fieldcheck import security
from fieldcheck.models import AuditEvent, User
from tests import factories


def test_login_with_right_password_lands_on_start_page(app, web):
    factories.user("intake1", "intake")
    factories.user("field1", "field")
    response = web.login("intake1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    web.logout()
    response = web.login("field1")  # a field officer lands on the phone's case list
    assert response.headers["Location"] == "/field/"
    page = web.get("/").get_data(as_text=True)
    assert "Field1" in page
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
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert web.get("/").status_code == 302
    failed = AuditEvent.get(AuditEvent.action == "user.login_failed")
    assert failed.details_dict == {"username": "field1"}


def test_unknown_username_gets_the_same_message(app, web):
    response = web.login("nobody", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


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
    assert web.get("/").status_code == 200


def test_idle_session_expires_and_is_audited(app, web, clock):
    factories.user("field1", "field")
    web.login("field1")
    clock.advance(minutes=29)
    assert web.get("/").status_code == 200  # activity restarts the idle timer
    clock.advance(minutes=29)
    assert web.get("/").status_code == 200
    clock.advance(minutes=31)
    response = web.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert AuditEvent.select().where(AuditEvent.action == "user.timeout").count() == 1
    page = web.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "without activity" in page


def test_a_busy_session_is_not_signed_again_on_every_request(app, web, clock):
    """Activity is noted at most once a minute: between, the session cookie is not re-signed
    and sent again; the idle limit still counts from the activity noted."""
    factories.user("field1", "field")
    web.login("field1")
    clock.advance(seconds=61)
    assert "Set-Cookie" in web.get("/").headers  # noted
    clock.advance(seconds=20)
    assert "Set-Cookie" not in web.get("/").headers  # too soon to note again
    clock.advance(minutes=29, seconds=30)  # 29:50 after the noted activity: still within
    assert web.get("/").status_code == 200


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
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
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
    assert "nothing was saved" in response.get_data(as_text=True)


def test_form_with_forged_csrf_token_is_refused(app, web):
    factories.user("field1", "field")
    web.login("field1")
    response = web.post("/account/password", {"csrf_token": "forged", "current": "x"})
    assert response.status_code == 400


def test_a_sessions_signed_csrf_token_is_reused_and_still_checked(app, web):
    """Each process signs a session's CSRF token once (fieldcheck.security._signed_csrf): the
    next pages show the same token, forms with it pass, others still fail, and a new session
    gets its own."""
    factories.user("field1", "field")
    web.login("field1")
    first, again = web.csrf_token("/"), web.csrf_token("/account/password")
    assert first == again
    assert (app.secret_key, session_value(web, "csrf_token")) in security._signed_csrf
    response = web.post("/account/password", {"csrf_token": first, "current": "x"})
    assert response.status_code == 200  # past the CSRF check: the form again, with its errors
    assert (
        web.post("/account/password", {"csrf_token": first[:-2], "current": "x"}).status_code == 400
    )
    web.logout()
    web.login("field1")
    assert web.csrf_token("/") != first


def test_signed_csrf_tokens_are_not_reused_when_they_expire(app, web):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    security._signed_csrf.clear()
    factories.user("field1", "field")
    web.login("field1")
    token = web.csrf_token("/")
    assert security._signed_csrf == {}
    response = web.post("/account/password", {"csrf_token": token, "current": "x"})
    assert response.status_code == 200


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
        assert message in response.get_data(as_text=True)
    assert User.get(User.username == "field1").check_password(web.PASSWORD)


def test_reset_password_forces_a_change_before_anything_else(app, web):
    user = factories.user("field1", "field")
    user.must_change_password = True
    user.save()
    web.login("field1")
    response = web.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    web.post(
        "/account/password",
        {"current": web.PASSWORD, "new": "a much better secret", "confirm": "a much better secret"},
    )
    assert web.get("/").status_code == 200


def test_a_session_cookie_checked_once_is_still_checked_for_age_and_kept_apart(app, web, clock):
    """fieldcheck.security.RememberingSessionInterface: a cookie that was good is taken again
    without its signature checked, but never past the session lifetime; a cookie changed by
    one byte is refused; each request has its own copy of the session."""
    from datetime import UTC, datetime, timedelta

    factories.user("field1", "field")
    web.login("field1")
    assert web.get("/account/password").status_code == 200
    cookie = web.client.get_cookie("fieldcheck_session").value
    opened = app.session_interface._opened
    key = next(k for k in opened if k[-1] == cookie)
    signed_at, data = opened[key]
    assert data["_user_id"] and web.get("/account/password").status_code == 200
    assert opened[key][1] is data and "seen" in data  # the same entry, not changed by use

    # One byte of the payload changed (the signature's last character may only hold padding).
    forged = cookie[:10] + ("A" if cookie[10] != "A" else "B") + cookie[11:]
    web.client.set_cookie("fieldcheck_session", forged)
    assert web.get("/account/password").status_code == 302  # to sign in
    web.client.set_cookie("fieldcheck_session", cookie)
    assert web.get("/account/password").status_code == 200

    with app.test_request_context(headers={"Cookie": f"fieldcheck_session={cookie}"}) as ctx:
        session = app.session_interface.open_session(app, ctx.request)
        session["_flashes"] = [("info", "one")]
        session["_flashes"].append(("info", "two"))
        again = app.session_interface.open_session(app, ctx.request)
    assert "_flashes" not in data and "_flashes" not in again

    opened[key] = (datetime.now(UTC) - app.permanent_session_lifetime - timedelta(seconds=1), data)
    assert web.get("/account/password").status_code == 302  # too old, remembered or not


def test_the_limiter_works_only_around_requests_of_blueprints_with_limits(app, web, monkeypatch):
    """Sign-in limits are on the auth and api blueprints' routes: the limiter's hooks run for
    their requests (the limit tests above and the token's in test_sync_api show they still
    count), never for a page of another blueprint."""
    from fieldcheck.security import LIMITED_BLUEPRINTS, limiter

    calls = []
    check = limiter._check_request_limit
    monkeypatch.setattr(
        limiter, "_check_request_limit", lambda *a, **k: calls.append(1) or check(*a, **k)
    )
    factories.user("intake1", "intake")
    web.login("intake1")
    calls.clear()
    assert web.get("/cases").status_code == 200 and calls == []
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        owners = [
            getattr(h, "__self__", None) or (h.args[0] if hasattr(h, "args") else None)
            for h in hooks[None]
        ]
        assert limiter not in owners
        for blueprint in LIMITED_BLUEPRINTS:
            assert len(hooks[blueprint]) == 1


def test_limits_for_every_route_are_refused_at_start(app):
    from fieldcheck import create_app
    from fieldcheck.security import limiter

    try:
        with pytest.raises(RuntimeError, match="every route"):
            create_app({**app.config, "RATELIMIT_DEFAULT": "100 per minute"})
    finally:  # the limiter is one for all apps: it keeps what an app configured
        limiter.limit_manager.set_default_limits([])
