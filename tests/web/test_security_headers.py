"""Security headers and cookie flags."""

from tests import factories
from tests.helpers import parse


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_no_inline_script_in_pages(client):
    page = parse(client.get("/login").text)
    inline = [s for s in page.find_all("script") if not s.get("src")]
    assert all(s.get("type") == "application/json" for s in inline)  # data, never code
    handlers = [(e.name, a) for e in page.find_all(True) for a in e.attrs if a.startswith("on")]
    assert handlers == []


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_hsts_and_secure_cookies_behind_https(app, web):
    app.config["HTTPS"] = True
    factories.user("field1", "field")
    response = web.client.get("/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_lax(app, web):
    factories.user("field1", "field")
    response = web.login("field1")
    [cookie] = [
        c for c in response.headers.get_all("Set-Cookie") if c.startswith("fieldcheck_session=")
    ]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_configured_for_https(migrated_url, tmp_path):
    from fieldcheck import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": migrated_url, "HTTPS": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_signed_in_pages_are_not_cached(app, web):
    factories.user("field1", "field")
    web.login("field1")
    assert web.get("/").headers["Cache-Control"] == "no-store"


def test_a_views_own_header_stays_and_every_header_comes_once(app, web):
    """Security headers are added only where the view set none of its own (the service
    worker's Cache-Control, even for a signed-in user), each once; Vary keeps what Flask put
    there (Cookie) beside HX-Request."""
    factories.user("field1", "field")
    web.login("field1")
    response = web.get("/sw.js")
    assert response.headers.get_all("Cache-Control") == ["no-cache"]
    page = web.get("/")
    for name in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control", "Vary"):
        assert len(page.headers.get_all(name)) == 1, name
    vary = {v.strip() for v in page.headers["Vary"].split(",")}
    assert {"Cookie", "HX-Request"} <= vary
