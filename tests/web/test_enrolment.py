"""Enrolling a field officer's phone with a one-time code: made on the desk by a supervisor or an
administrator for a field officer of their own office, shown as a QR code and 8 characters,
valid once and for ten minutes, kept only as a hash; exchanged by the phone for a sync token.
Every code made, used or refused, and every phone signed out, is audited."""

import json

import pytest
import zxingcpp

from fieldcheck.domain import enrolment as rules
from fieldcheck.models import AuditEvent, DeviceToken, EnrolmentCode
from tests import factories
from tests.factories import submit
from tests.helpers import Web, attributes_of, parse, qr_image, text_of

API = "/api/v1"
EN = {"Accept-Language": "en"}


@pytest.fixture
def office(app):
    """An office with a supervisor, an administrator, an intake officer, a field officer with
    an assigned case, and another office's field officer."""
    here = factories.office()
    team = factories.team(here)
    people = {
        "supervisor": factories.user("supervisor", "supervisor"),
        "admin": factories.user("admin", "admin"),
        "intake": factories.user("intake", "intake"),
        "field1": factories.user("field1", "field", team_=team, name="Asep Sunandar"),
    }
    elsewhere = factories.office(code="KANIM-JKT", name="Kantor Imigrasi Jakarta")
    people["other"] = factories.user(
        "field9", "field", office_=elsewhere, team_=factories.team(elsewhere, name="Timpora JKT")
    )
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(people["intake"]), case, team)
    people["case"] = case
    return people


def desk(app, username="supervisor") -> Web:
    web = Web(app.test_client())
    web.login(username)
    return web


def make_code(web: Web, officer) -> tuple[str, str]:
    """The desk makes a code for the officer: (the short code shown, the QR code's text)."""
    page = f"/phones/{officer.id}"
    answer = web.post(f"{page}/code", page=page)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    short = text_of(answer.text, "short-code")
    svg = str(parse(answer.text).find("svg", class_="enrol-qr"))
    [read] = zxingcpp.read_barcodes(qr_image(svg))
    return short, read.text


def actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]


def test_a_code_shows_as_qr_and_short_code_and_enrols_the_officers_phone_once(app, client, office):
    web = desk(app)
    short, qr_text = make_code(web, office["field1"])
    assert len(short) == 9 and short[4] == "-"
    assert qr_text.endswith(f"/field/enrol#code={short}")  # the phone's page, the code after #

    checked = client.post(f"{API}/enrolment/check", json={"code": qr_text})
    assert checked.status_code == 200
    assert checked.json["name"] == "Asep Sunandar"
    assert checked.json["office_name"] == "Kantor Imigrasi Bandung"

    typed = short.lower().replace("-", " ")  # read over a call, typed any way
    issued = client.post(f"{API}/enrolment/token", json={"code": typed, "label": "Android"})
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    assert issued.json["scope"] == "sync" and issued.json["user"]["username"] == "field1"
    phone = {"Authorization": f"Bearer {issued.json['token']}"}
    assert client.get(f"{API}/sync/pull", headers=phone).status_code == 200

    again = client.post(f"{API}/enrolment/token", json={"code": short})
    assert again.status_code == 400
    assert again.json["error"]["code"] == "enrolment_code_used"
    assert client.post(f"{API}/enrolment/check", json={"code": short}).status_code == 400
    with app.app_context():
        assert DeviceToken.select().count() == 1
        [record] = EnrolmentCode.select()
        assert record.used_at is not None and record.device_token_id == issued.json["token_id"]
    assert [a for a in actions(app) if a.startswith(("enrolment.", "device."))] == [
        "enrolment.code_create",
        "device.token_issue",
        "enrolment.code_use",
        "enrolment.code_refuse",
        "enrolment.code_refuse",
    ]


def test_the_desk_page_warns_that_a_photo_of_the_code_is_a_credential(app, office):
    web = desk(app)
    page = f"/phones/{office['field1'].id}"
    shown = web.post(f"{page}/code", page=page, headers=EN)
    warning = parse(shown.text).select_one("#enrol-code .warning")
    assert "photo" in warning.get_text()
    assert "(10 minutes)" in text_of(shown.text, "enrol-code")
    # The code is on that answer only: the page again shows none.
    assert attributes_of(web.get(page).text, "short-code") is None


def test_an_expired_code_is_refused(app, client, clock, office):
    short, _ = make_code(desk(app), office["field1"])
    clock.advance(minutes=10, seconds=1)
    refused = client.post(f"{API}/enrolment/token", json={"code": short}, headers=EN)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "enrolment_code_expired"
    assert "ten minutes" in refused.json["error"]["message"]
    with app.app_context():
        assert DeviceToken.select().count() == 0
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert event.action == "enrolment.code_refuse"
    assert json.loads(event.details)["why"] == "enrolment_code_expired"
    assert event.subject_id == str(office["field1"].id)


def test_an_unknown_code_is_refused_and_audited(app, client, office):
    make_code(desk(app), office["field1"])
    for code in ("ZZZZ-ZZZZ", "not a code", ""):
        refused = client.post(f"{API}/enrolment/check", json={"code": code})
        assert refused.status_code == 400
        assert refused.json["error"]["code"] == "enrolment_code_invalid"
    assert actions(app)[-3:] == ["enrolment.code_refuse"] * 3


def test_a_new_code_stops_the_earlier_one(app, client, office):
    web = desk(app)
    first, _ = make_code(web, office["field1"])
    second, _ = make_code(web, office["field1"])
    assert client.post(f"{API}/enrolment/check", json={"code": first}).json["error"]["code"] == (
        "enrolment_code_expired"
    )
    assert client.post(f"{API}/enrolment/token", json={"code": second}).status_code == 201


def test_codes_are_kept_only_as_keyed_hashes(app, office):
    short, _ = make_code(desk(app), office["field1"])
    code = rules.read_code(short)
    with app.app_context():
        [record] = EnrolmentCode.select().dicts()
    assert code not in json.dumps(record, default=str)
    assert len(record["code_hash"]) == 64


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_no_code_for_another_offices_officer_nor_for_a_desk_user(app, office, who):
    web = desk(app, who)
    for person in (office["other"], office["intake"], office["supervisor"]):
        page = f"/phones/{person.id}"
        assert web.get(page).status_code == 404
        assert web.post(f"{page}/code", page="/phones/").status_code == 404
    with app.app_context():
        assert EnrolmentCode.select().count() == 0
    listed = web.get("/phones/").text
    assert [a.get_text() for a in parse(listed).select(".phone-officers a")] == ["Asep Sunandar"]


@pytest.mark.parametrize("who", ["intake", "field1"])
def test_other_roles_cannot_enrol_phones(app, office, who):
    web = desk(app, who)
    assert web.get(f"/phones/{office['field1'].id}").status_code == 403
    answer = web.post(f"/phones/{office['field1'].id}/code", page="/")
    assert answer.status_code == 403


def test_a_revoked_phone_is_refused_at_its_next_sync(app, client, office):
    web = desk(app)
    short, _ = make_code(web, office["field1"])
    issued = client.post(f"{API}/enrolment/token", json={"code": short}).json
    phone = {"Authorization": f"Bearer {issued['token']}"}
    push = {"version": 1, "operations": [submit(office["case"].id)]}
    assert client.post(f"{API}/sync/push", headers=phone, json=push).status_code == 200

    page = f"/phones/{office['field1'].id}"
    listed = parse(web.get(page).text)
    [form] = [f for f in listed.select("form") if "/revoke" in f["action"]]
    assert web.post(form["action"], page=page).status_code == 303
    refused = client.post(f"{API}/sync/push", headers=phone, json=push)
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "token_revoked"
    assert client.get(f"{API}/sync/pull", headers=phone).status_code == 401
    assert "device.token_revoke" in actions(app)
    after = parse(web.get(page).text)  # listed, signed out: no button to sign it out again
    assert len(after.select(".session-item")) == 1
    assert not [f for f in after.select("form") if "/revoke" in f["action"]]


def test_wrong_codes_are_limited_per_address(app, client, office):
    app.config["ENROLMENT_LIMIT_PER_ADDRESS"] = "3 per 10 minutes"
    short, _ = make_code(desk(app), office["field1"])
    for _ in range(3):
        client.post(f"{API}/enrolment/check", json={"code": "AAAA-AAAA"})
    limited = client.post(f"{API}/enrolment/token", json={"code": short}, headers=EN)
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "rate_limited"
    assert "enrolment codes" in limited.json["error"]["message"]


def test_the_phone_no_longer_gets_a_token_with_the_web_session(app, office):
    phone = desk(app, "field1")
    assert phone.post("/field/device-token", page="/field/").status_code in (404, 405)
    with app.app_context():
        assert DeviceToken.select().count() == 0
    enrol = phone.get("/field/enrol")
    assert enrol.status_code == 200
    assert attributes_of(enrol.text, "enrol-code")["tag"] == "input"


def test_the_enrolment_page_is_public(client):
    page = client.get("/field/enrol")
    assert page.status_code == 200
    assert attributes_of(page.text, "camera-start") is not None
    assert attributes_of(page.text, "pin")["pattern"] == "[0-9]{6}"


@pytest.mark.parametrize(
    ("read", "code"),
    [
        ("7K3M-Q9XD", "7K3M Q9XD"),
        ("7k3m q9xd", "7K3M Q9XD"),
        ("https://fc.example/field/enrol#code=7K3M-Q9XD", "7K3M Q9XD"),
        ("7K3M-Q9XO", "7K3M Q9X0"),  # O read as 0, I and L as 1
        ("IL3M-Q9XD", "113M Q9XD"),
        ("7K3M-Q9X", None),
        ("7K3M-Q9XU", None),  # U is not in the alphabet
        (None, None),
    ],
)
def test_a_code_is_read_as_people_type_it(read, code):
    assert rules.read_code(read) == (code.replace(" ", "") if code else None)


def test_made_codes_use_the_unambiguous_alphabet():
    made = {rules.make_code() for _ in range(200)}
    assert len(made) == 200
    assert all(len(c) == 8 and set(c) <= set(rules.ALPHABET) for c in made)
    assert not set("ILOU") & set(rules.ALPHABET)
