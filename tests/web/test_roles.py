"""Every role reaches only its pages; every view declares who may open it."""

import pytest

from fieldcheck.security import PUBLIC
from tests import factories

ROLES = ["admin", "intake", "field", "registry", "supervisor", "passport"]
EVERYONE = set(ROLES)

# page -> roles that may open it (everyone else: 403)
PAGES = {
    "/": EVERYONE,
    "/account/password": EVERYONE,
    "/admin/users": {"admin"},
    "/admin/users/new": {"admin"},
    "/admin/teams": {"admin"},
    "/admin/teams/new": {"admin"},
    "/api/v1/me": EVERYONE,
    "/api/v1/audit/verify": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_its_pages(app, web, role):
    factories.user(role, role)
    web.login(role)
    outcomes = {page: web.get(page).status_code for page in PAGES}
    expected = {page: 200 if role in allowed else 403 for page, allowed in PAGES.items()}
    assert outcomes == expected


def test_forbidden_page_says_what_is_missing(app, web):
    factories.user("field1", "field")
    web.login("field1")
    response = web.get("/admin/users", headers={"Accept-Language": "en"})
    text = response.get_data(as_text=True)
    assert "This page is for: Administrator" in text
    assert "You are signed in as: Field officer" in text


def test_forbidden_json_route_answers_json(app, web):
    factories.user("field1", "field")
    web.login("field1")
    response = web.get("/api/v1/audit/verify")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("page", [p for p in PAGES if not p.startswith("/api/")])
def test_anonymous_pages_redirect_to_sign_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("page", [p for p in PAGES if p.startswith("/api/")])
def test_anonymous_json_routes_answer_401_not_a_redirect(client, page):
    response = client.get(page)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"


def test_unknown_api_route_answers_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["message"]


def test_every_view_declares_who_may_open_it(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access")
    ]
    assert undeclared == []


def test_public_views_are_only_the_expected_ones(app):
    public = sorted(
        e for e, v in app.view_functions.items() if getattr(v, "access", None) == PUBLIC
    )
    assert public == [
        "api.health",
        "api.openapi_json",
        "api.token",
        "auth.language",
        "auth.login",
        "field.offline",
        "manifest",
        "reports.public_keys",
        "reports.revocations",
        "service_worker",
    ]
