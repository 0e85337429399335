"""Bahasa Indonesia by default, English on request: by the user's choice, else the browser's."""

from datetime import UTC, datetime

import pytest

from fieldcheck.models import User
from tests import factories
from tests.helpers import parse, texts


def sign_in_button(html: str) -> str:
    [label] = texts(html, 'main form button.primary[type="submit"]')
    return label


def sign_out_button(html: str) -> str:
    [label] = texts(html, "header .who form button")
    return label


def test_indonesian_is_the_default(client):
    assert sign_in_button(client.get("/login").get_data(as_text=True)) == "Masuk"


def test_browser_language_decides_for_anonymous_visitors(client):
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert sign_in_button(english.get_data(as_text=True)) == "Sign in"
    assert parse(english.text).html["lang"] == "en"
    indonesian = client.get("/login", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"})
    assert sign_in_button(indonesian.get_data(as_text=True)) == "Masuk"
    other = client.get("/login", headers={"Accept-Language": "fr-FR"})
    assert sign_in_button(other.get_data(as_text=True)) == "Masuk"


def test_language_switch_before_sign_in_is_kept_in_the_session(web):
    response = web.post("/language", {"language": "en", "next": "/login"}, page="/login")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    html = web.get("/login", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert sign_in_button(html) == "Sign in"


def test_users_choice_is_stored_and_beats_the_browser(app, web):
    factories.user("intake1", "intake")
    web.login("intake1")
    web.post("/language", {"language": "en", "next": "/"}, page="/")
    assert User.get(User.username == "intake1").language == "en"
    web.logout()
    web.login("intake1")
    html = web.get("/", headers={"Accept-Language": "id"}).text
    assert sign_out_button(html) == "Sign out"


def test_user_without_a_choice_follows_the_browser(app, web):
    factories.user("intake1", "intake")
    web.login("intake1")
    assert sign_out_button(web.get("/", headers={"Accept-Language": "en"}).text) == "Sign out"
    assert sign_out_button(web.get("/", headers={"Accept-Language": "id"}).text) == "Keluar"


def test_language_switch_refuses_unknown_languages(app, web):
    web.post("/language", {"language": "xx", "next": "/login"}, page="/login")
    assert sign_in_button(web.get("/login").get_data(as_text=True)) == "Masuk"


def test_language_switch_does_not_redirect_off_site(web):
    response = web.post(
        "/language", {"language": "en", "next": "https://evil.example/"}, page="/login"
    )
    assert response.headers["Location"] == "/"


def test_times_are_shown_in_the_offices_zone(app, web, clock):
    from fieldcheck.i18n import local_time

    clock.at = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    office = factories.office(code="KANIM-JPR", name="Kantor Imigrasi Jayapura", time_zone="WIT")
    factories.user("intake1", "intake", office_=office)
    web.login("intake1")
    html = web.get("/", headers={"Accept-Language": "en"}).text
    [signed_in] = [t for t in texts(html, "main p.muted") if t.startswith("Signed in at")]
    assert "10:30:00" in signed_in and "WIT" in signed_in  # 01:30 UTC: 10:30 in Jayapura (UTC+9)
    with app.test_request_context():
        assert local_time(None) == ""


@pytest.mark.parametrize("zone", ["WIB", "WITA", "WIT"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_a_moment_reads_as_flask_babel_formats_it_in_the_readers_zone(app, zone, language):
    from flask_babel import format_datetime
    from flask_login import login_user

    from fieldcheck.i18n import local_time

    office = factories.office(code=f"KANIM-{zone}", name=f"Kantor {zone}", time_zone=zone)
    user = factories.user(f"reader-{zone.lower()}", "intake", office_=office)
    user.language = language
    moments = [
        datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC),
        datetime(2024, 2, 29, 0, 0, tzinfo=UTC),
    ]
    with app.test_request_context():
        login_user(user)
        for moment in moments:
            for style in ("medium", "short"):
                want = f"{format_datetime(moment, style)} {zone}"
                assert local_time(moment, style) == want
                assert local_time(moment, style) == want  # remembered, the same
