"""The second factor (TOTP, RFC 6238) for those who decide or administer (OWASP ASVS V2.8)."""

import re

import pyotp
import pytest

from fieldcheck.models import AuditEvent, RecoveryCode, User
from tests import factories
from tests.helpers import Web, alerts, input_values, list_items, parse, texts


@pytest.fixture
def required(app):
    """The default rule: administrators and supervisors must have a second factor."""
    app.config["SECOND_FACTOR_ROLES"] = ("admin", "supervisor")
    return app


def secret_of(username: str) -> str:
    return User.get(User.username == username).totp_secret


def code_at(secret: str, clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now().timestamp() + 30 * steps)


def enrol(web: Web, clock, username: str) -> list[str]:
    """Sign in a user who must enrol, enrol them; returns their recovery codes."""
    assert web.login(username).headers["Location"] == "/login/enrol"
    assert parse(web.get("/login/enrol").text).select_one("figure.enrol-figure svg") is not None
    response = web.post("/login/enrol", {"code": code_at(secret_of(username), clock)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [c for c in _codes(html)]


def _codes(html: str) -> list[str]:
    codes = list_items(html, "recovery-codes")
    return [c for c in codes if re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c)]


def test_a_supervisor_without_a_second_factor_is_taken_to_enrolment(required, web, clock):
    factories.user("supervisor", "supervisor")
    response = web.login("supervisor")
    assert response.status_code == 303 and response.headers["Location"] == "/login/enrol"
    assert web.get("/review/").status_code == 302  # not signed in yet
    page = web.get("/login/enrol", headers={"Accept-Language": "en"})
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = secret_of("supervisor")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert texts(html, "figure.enrol-figure code.enrol-key") == [grouped]
    assert parse(html).select_one("figure.enrol-figure svg.enrol-qr") is not None
    wrong = web.post("/login/enrol", {"code": "000000"}, headers={"Accept-Language": "en"})
    assert wrong.status_code == 401 and "not right" in alerts(wrong.text)
    assert User.get(User.username == "supervisor").totp_enrolled_at is None
    done = web.post("/login/enrol", {"code": code_at(secret, clock)})
    assert done.status_code == 200
    codes = _codes(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert RecoveryCode.select().count() == 10
    assert all(c not in {r.code_hash for r in RecoveryCode.select()} for c in codes)
    assert web.get("/review/").status_code == 200
    assert AuditEvent.select().where(AuditEvent.action == "user.second_factor_enrol").count() == 1
    login = AuditEvent.get(AuditEvent.action == "user.login")
    assert login.details_dict == {"second_factor": "enrol"}


def test_an_enrolled_user_signs_in_with_a_code_that_counts_once(required, web, clock, app):
    factories.user("supervisor", "supervisor")
    enrol(web, clock, "supervisor")
    web.logout()
    clock.advance(seconds=60)
    assert web.login("supervisor").headers["Location"] == "/login/code"
    wrong = web.post("/login/code", {"code": "123456"}, headers={"Accept-Language": "en"})
    assert wrong.status_code == 401 and "not right" in alerts(wrong.text)
    code = code_at(secret_of("supervisor"), clock)
    assert web.post("/login/code", {"code": code}).status_code == 303
    assert web.get("/review/").status_code == 200
    web.logout()
    # The same code again, within its 30 seconds, from another browser: refused.
    other = Web(app.test_client())
    other.login("supervisor")
    replayed = other.post("/login/code", {"code": code})
    assert replayed.status_code == 401
    assert other.get("/review/").status_code == 302
    failed = AuditEvent.select().where(AuditEvent.action == "user.login_failed")
    assert [e.details_dict for e in failed] == [
        {"username": "supervisor", "second_factor": True}
    ] * 2


def test_wrong_codes_count_toward_the_per_username_limit(required, web, clock, app):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per 15 minutes"
    factories.user("supervisor", "supervisor")
    enrol(web, clock, "supervisor")
    web.logout()
    clock.advance(seconds=60)
    web.login("supervisor")
    for guess in ("111111", "222222", "333333"):
        assert web.post("/login/code", {"code": guess}).status_code == 401
    right = web.post("/login/code", {"code": code_at(secret_of("supervisor"), clock)})
    assert right.status_code == 429
    assert Web(app.test_client()).login("supervisor").status_code == 429


def test_a_recovery_code_works_once_and_only_once(required, web, clock, app):
    factories.user("supervisor", "supervisor")
    codes = enrol(web, clock, "supervisor")
    web.logout()
    web.login("supervisor")
    used = web.post("/login/code", {"code": codes[3].upper()}, headers={"Accept-Language": "en"})
    assert used.status_code == 303
    assert "9 are left" in web.get("/review/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    web.logout()
    web.login("supervisor")
    assert web.post("/login/code", {"code": codes[3]}).status_code == 401
    assert AuditEvent.get(AuditEvent.action == "user.recovery_code_use").details_dict == {"left": 9}


def test_the_code_must_follow_the_password_within_five_minutes(required, web, clock):
    factories.user("supervisor", "supervisor")
    enrol(web, clock, "supervisor")
    web.logout()
    web.login("supervisor")
    token = web.csrf_token("/login/code")
    clock.advance(minutes=6)
    code = code_at(secret_of("supervisor"), clock)
    late = web.post("/login/code", {"code": code, "csrf_token": token})
    assert late.status_code == 303 and late.headers["Location"] == "/login"
    assert web.get("/review/").status_code == 302


def test_the_code_page_needs_a_right_password_first(required, web):
    response = web.get("/login/code")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert web.get("/login/enrol").headers["Location"] == "/login"


def test_another_administrator_resets_a_second_factor_and_it_is_audited(required, web, clock, app):
    factories.user("supervisor", "supervisor")
    factories.user("admin", "admin")
    enrol(web, clock, "supervisor")
    web.logout()
    admin = Web(app.test_client())
    enrol(admin, clock, "admin")
    supervisor = User.get(User.username == "supervisor")
    page = f"/admin/users/{supervisor.id}"
    response = admin.post(f"/admin/users/{supervisor.id}/second-factor/reset", page=page)
    assert response.status_code == 303
    supervisor = User.get_by_id(supervisor.id)
    assert supervisor.totp_secret is None and not supervisor.has_second_factor
    assert RecoveryCode.select().where(RecoveryCode.user == supervisor).count() == 0
    reset = AuditEvent.get(AuditEvent.action == "user.second_factor_reset")
    assert (reset.actor_name, reset.subject_id) == ("admin", str(supervisor.id))
    assert web.login("supervisor").headers["Location"] == "/login/enrol"
    # An administrator cannot reset their own.
    me = User.get(User.username == "admin")
    admin.post(f"/admin/users/{me.id}/second-factor/reset", page=f"/admin/users/{me.id}")
    assert User.get_by_id(me.id).has_second_factor


def test_roles_that_need_no_second_factor_sign_in_with_the_password(required, web):
    factories.user("intake1", "intake")
    assert web.login("intake1").headers["Location"] == "/"


def test_anyone_enrolled_is_asked_and_a_device_token_needs_the_code(required, client, clock, app):
    factories.user("passport", "passport", office_=None)
    web = Web(app.test_client())
    web.login("passport")
    form = input_values(web.get("/account/second-factor").get_data(as_text=True))
    assert "csrf_token" in form
    done = web.post("/account/second-factor", {"code": code_at(secret_of("passport"), clock)})
    assert done.status_code == 200 and len(_codes(done.get_data(as_text=True))) == 10
    clock.advance(seconds=60)
    body = {"username": "passport", "password": Web.PASSWORD}
    missing = client.post("/api/v1/auth/token", json=body)
    assert missing.status_code == 401
    assert missing.json["error"]["code"] == "second_factor_required"
    wrong = client.post("/api/v1/auth/token", json={**body, "code": "000000"})
    assert wrong.json["error"]["code"] == "second_factor_invalid"
    code = code_at(secret_of("passport"), clock)
    assert client.post("/api/v1/auth/token", json={**body, "code": code}).status_code == 201
    again = client.post("/api/v1/auth/token", json={**body, "code": code})
    assert again.json["error"]["code"] == "second_factor_invalid"


def test_field_officers_get_no_second_factor_here(app, web):
    factories.user("field1", "field")
    web.login("field1")
    assert web.get("/account/second-factor").status_code == 403
