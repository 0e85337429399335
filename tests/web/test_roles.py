"""Every role reaches only its pages; every view declares who may open it."""

import pytest

from fieldcheck.security import PUBLIC
from tests import factories
from tests.helpers import main_text, parse

ROLES = ["admin", "intake", "field", "registry", "supervisor", "passport", "analyst"]
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
    # (a field officer's start page sends them on to the phone's own list)
    outcomes = {page: web.get(page, follow_redirects=True).status_code for page in PAGES}
    expected = {page: 200 if role in allowed else 403 for page, allowed in PAGES.items()}
    assert outcomes == expected


def test_forbidden_page_says_what_is_missing(app, web):
    factories.user("field1", "field")
    web.login("field1")
    response = web.get("/admin/users", headers={"Accept-Language": "en"})
    said = main_text(response.text)
    assert "This page is for: Administrator" in said
    assert "You are signed in as: Field officer" in said


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
        "api.enrolment_check",  # a one-time code from the desk, limited per address
        "api.enrolment_token",  # likewise
        "api.health",
        "api.openapi_json",
        "api.token",
        "auth.enrol_at_sign_in",  # only for a user whose password was right a moment ago
        "auth.language",
        "auth.login",
        "auth.second_factor",  # likewise
        "field.enrol",  # the phone's enrolment page: it holds nobody's data
        "field.offline",
        "manifest",
        "reports.public_keys",
        "reports.revocations",
        "service_worker",
    ]


# The main menu of each role (links in order, by their English words).
MENUS = {
    "admin": ["Home", "Cases", "Users", "Teams", "Phones", "Statistics", "Password"],
    "intake": ["Home", "Cases", "Password"],
    "field": ["My cases", "Password"],  # their start page is the phone's list
    "registry": ["Home", "Registry questions", "Password"],
    "supervisor": ["Home", "Review", "Cases", "Phones", "Statistics", "Password"],
    "passport": ["Home", "Verify", "My verifications", "Password"],
    "analyst": ["Home", "Recruiters", "Statistics", "Password"],
}


def menu(web, page, language):
    """The main menu's links as (words, href, whether it is marked as the current page)."""
    nav = parse(web.get(page, headers={"Accept-Language": language}).text).find("nav")
    return [(a.get_text(), a["href"], a.has_attr("aria-current")) for a in nav.find_all("a")]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_its_menu_with_the_current_page_marked(app, web, role):
    """Each role gets its own menu, the page it is on marked, in the reader's language."""
    factories.user(role, role)
    start = web.login(role).headers["Location"]
    home = menu(web, start, "en")
    assert [words for words, _, _ in home] == MENUS[role]
    assert [words for words, _, current in home if current] == MENUS[role][:1]
    password = menu(web, "/account/password", "en")
    assert [words for words, _, current in password if current] == ["Password"]
    assert [href for _, href, _ in password] == [href for _, href, _ in home]
    first = {"Home": "Beranda", "My cases": "Kasus saya"}[MENUS[role][0]]
    assert [words for words, _, _ in menu(web, start, "id")][0] == first


def test_a_user_whose_role_changes_gets_the_new_roles_menu(app, web):
    user = factories.user("someone", "intake")
    web.login("someone")
    assert [words for words, _, _ in menu(web, "/", "en")] == MENUS["intake"]
    user.role = "supervisor"
    user.save()
    assert [words for words, _, _ in menu(web, "/", "en")] == MENUS["supervisor"]
