"""The password rule wherever a person chooses a password: their own change of password (with
the server's verdict as they type), an administrator's new user and password reset. Each
refusal names the rule, in Bahasa Indonesia and in English."""

import pytest

from fieldcheck.models import AuditEvent, User
from tests import factories
from tests.helpers import attributes_of, is_fragment, list_items, parse, text_of, texts

OFFICE = "Kantor Imigrasi Kelas I Bandung"
EN = {"Accept-Language": "en"}
ID = {"Accept-Language": "id"}
GOOD = "Jalan-Braga-kopi-hujan-7"

COMMON = ("one of the most common passwords", "kata sandi yang paling umum")
REPEAT = ('This is a repeat like "aaaa"', 'Ini pengulangan seperti "aaaa"')
WEAK = [
    ("aaaaaaaaaaaa", *REPEAT),
    ("123456789012", *COMMON),
    ("qwertyuiop12", *COMMON),
    ("iloveyou1234", *COMMON),
    ("passwordpassword", *REPEAT),
    ("bandung20262026", *COMMON),
    ("field1-field1-2026", "This is built from the username.", "Ini dibuat dari nama pengguna."),
    ("Kantor Imigrasi Bandung 2026", "built from the office's name", "dibuat dari nama kantor"),
    ("Lestari-2026-pagi", "built from the person's name", "dibuat dari nama pemilik akun"),
    ("Tr0ub4dor&3", "At least 12 characters.", "Minimal 12 karakter."),
]


def signed_in_officer(web, password=None):
    """field1, Dewi Lestari, of the Kantor Imigrasi Kelas I Bandung, signed in."""
    office = factories.office(name=OFFICE)
    extra = {"password": password} if password else {}
    user = factories.user("field1", "field", office_=office, name="Dewi Lestari", **extra)
    web.login("field1", password or web.PASSWORD)
    return user


def change_password(web, new, headers, current=None):
    form = {"current": current or web.PASSWORD, "new": new, "confirm": new}
    return web.post("/account/password", form, headers=headers)


def check(web, new, headers=EN):
    """What the page's live check sends as the new password is typed: that field, by htmx."""
    token = web.csrf_token("/account/password")
    return web.client.post(
        "/account/password/check",
        data={"new": new},
        headers={"X-CSRFToken": token, "HX-Request": "true", **headers},
    )


@pytest.mark.parametrize(("password", "english", "indonesian"), WEAK, ids=[w[0] for w in WEAK])
def test_the_password_page_refuses_a_weak_password_naming_the_rule(
    app, web, password, english, indonesian
):
    signed_in_officer(web)
    for headers, reason in ((EN, english), (ID, indonesian)):
        response = change_password(web, password, headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert reason in text_of(html, "new-error")
        assert attributes_of(html, "new")["aria-invalid"] == "true"
    assert User.get(User.username == "field1").check_password(web.PASSWORD)
    assert not AuditEvent.select().where(AuditEvent.action == "user.password_change").exists()


def test_a_strong_password_is_taken(app, web):
    signed_in_officer(web)
    assert change_password(web, GOOD, EN).status_code == 303
    assert User.get(User.username == "field1").check_password(GOOD)


def test_the_new_password_must_still_differ_from_the_current_one(app, web):
    signed_in_officer(web, password=GOOD)
    response = change_password(web, GOOD, EN, current=GOOD)
    assert "must differ from the current one" in text_of(
        response.get_data(as_text=True), "new-error"
    )


def test_the_password_page_states_the_rule_and_wires_the_live_check(app, web):
    signed_in_officer(web)
    html = web.get("/account/password", headers=EN).get_data(as_text=True)
    assert text_of(html, "new-hint").startswith("At least 12 characters; not a common password")
    assert attributes_of(html, "new")["aria-describedby"].split() == ["new-hint", "new-verdict"]
    verdict = attributes_of(html, "new-verdict")
    assert verdict["aria-live"] == "polite"
    assert verdict["hx-post"] == "/account/password/check"
    assert verdict["hx-params"] == "new"  # the current password is not sent as one types
    assert "from:#new" in verdict["hx-trigger"] and "delay:" in verdict["hx-trigger"]
    assert text_of(html, "new-verdict") == ""


def test_the_live_check_answers_the_verdict_as_a_fragment_in_the_readers_language(app, web):
    signed_in_officer(web)
    response = check(web, "iloveyou1234")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and is_fragment(html) and parse(html).find("form") is None
    assert list_items(html, "password-problems") == [
        "This is one of the most common passwords, or one with digits or symbols added."
    ]
    assert list_items(check(web, "field1", ID).get_data(as_text=True), "password-problems") == [
        "Minimal 12 karakter.",
        "Ini dibuat dari nama pengguna.",
        "Ini satu kata atau nama saja, atau yang ditambah angka atau simbol: tambahkan kata lain.",
    ]
    assert texts(check(web, GOOD).text, ".password-ok") == ["Strong enough."]
    assert texts(check(web, GOOD, ID).text, ".password-ok") == ["Cukup kuat."]
    assert check(web, "").get_data(as_text=True).strip() == ""


def test_the_live_check_changes_nothing_and_records_nothing(app, web):
    signed_in_officer(web)
    events = AuditEvent.select().count()
    check(web, GOOD)
    assert User.get(User.username == "field1").check_password(web.PASSWORD)
    assert AuditEvent.select().count() == events


def test_the_live_check_needs_a_csrf_token_and_a_signed_in_user(app, web):
    signed_in_officer(web)
    response = web.client.post("/account/password/check", data={"new": GOOD}, headers=EN)
    assert response.status_code == 400
    web.logout()
    response = web.post("/account/password/check", {"new": GOOD}, page="/login")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def signed_in_admin(web):
    office = factories.office(name=OFFICE)
    admin = factories.user("admin", "admin", office_=office)
    web.login("admin")
    return admin


def new_user_form(password):
    return {
        "username": "siti.r",
        "name": "Siti Rahayu",
        "role": "intake",
        "team": "",
        "agency": "",
        "language": "",
        "regions": "",
        "password": password,
    }


@pytest.mark.parametrize(
    ("password", "headers", "reason"),
    [
        ("iloveyou1234", EN, "one of the most common passwords"),
        ("iloveyou1234", ID, "kata sandi yang paling umum"),
        ("siti.r-siti.r-2026", EN, "This is built from the username."),
        ("Rahayu-2026-pagi", ID, "Ini dibuat dari nama pemilik akun."),
        ("Imigrasi-Bandung!", EN, "This is built from the office's name."),
    ],
)
def test_an_administrators_new_user_gets_no_weak_temporary_password(
    app, web, password, headers, reason
):
    signed_in_admin(web)
    response = web.post(
        "/admin/users/new", new_user_form(password), page="/admin/users/new", headers=headers
    )
    assert response.status_code == 200
    assert reason in text_of(response.get_data(as_text=True), "password-error")
    assert not User.select().where(User.username == "siti.r").exists()


def test_an_administrators_reset_gets_no_weak_temporary_password(app, web):
    signed_in_admin(web)
    user = factories.user("field1", "field", office_=factories.office(name=OFFICE))
    page = f"/admin/users/{user.id}"
    for password, headers, reason in [
        ("field1-field1-2026", EN, "This is built from the username."),
        ("aaaaaaaaaaaa", ID, 'Ini pengulangan seperti "aaaa"'),
    ]:
        response = web.post(
            f"{page}/password", {"reset-password": password}, page=page, headers=headers
        )
        assert response.status_code == 422
        assert reason in text_of(response.get_data(as_text=True), "reset-password-error")
    user = User.get_by_id(user.id)
    assert user.check_password(web.PASSWORD) and not user.must_change_password


def test_a_user_who_must_change_their_password_gets_the_verdict_as_they_type(app, web):
    """Every page but the password page and its check sends them back to it: the live check
    answers them its fragment, and the form holds them to the rule."""
    user = signed_in_officer(web)
    user.must_change_password = True
    user.save()
    html = web.get("/account/password", headers=EN).get_data(as_text=True)
    assert "hx-post" in attributes_of(html, "new-verdict")
    fragment = check(web, "iloveyou1234").get_data(as_text=True)
    assert is_fragment(fragment) and list_items(fragment, "password-problems")
    assert web.get("/cases").headers["Location"] == "/account/password"
    response = change_password(web, "iloveyou1234", EN)
    assert "one of the most common passwords" in text_of(
        response.get_data(as_text=True), "new-error"
    )
    assert change_password(web, GOOD, EN).status_code == 303
    assert not User.get(User.username == "field1").must_change_password
