"""Property-based fuzzing of the JSON API, signed with a real device token of a field officer
who holds assigned cases.

Whatever a phone or an attacker sends, the server never answers 5xx, every 4xx is the error
object {"error": {"code", "message"}}, and every answer is one the OpenAPI document describes.

Two kinds of input:
- schemathesis draws requests for every documented operation from the document itself, valid
  ones and invalid ones (one parametrised test per operation);
- our own Hypothesis strategies go deeper where schema-shaped noise never gets past the first
  check: a push of *valid* operations for the officer's cases with a field or two replaced by
  hostile JSON (huge numbers, NaN, lone surrogates, NUL, wrong types), pulls with odd cursors,
  and sign-ins with odd bodies.

The fuzzing runs once, on a SQLite file of its own (the `app` fixture would run it on every
backend), with fixed seeds (`derandomize`: the same inputs every run, though what they meet in
the database depends on the tests before), and without shrinking, so a red run stays short.
Bounded by MAX_EXAMPLES / DEEP_EXAMPLES per test: about half a minute when all is well.

schemathesis' own pytest integration is not used: with pytest 9 its fixture-loaded schema
fails (it sets Node._nodeid, which pytest 9 no longer has) and its items share one node id.
The tests here parametrise by operation themselves and draw from `APIOperation.as_strategy`.

At the end, each server bug the fuzzer found is a plain request in a test of its own, run on
every backend (some are PostgreSQL's only): they fail until the server is mended.
"""

import json
import uuid
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fieldcheck import create_app, migrations
from fieldcheck.api import openapi
from fieldcheck.clock import FixedClock
from fieldcheck.db import database, open_database, sqlite_url
from fieldcheck.domain import qr
from tests import factories
from tests.helpers import Checker, Web

API = "/api/v1"
MAX_EXAMPLES = 40  # per operation, from the document
DEEP_EXAMPLES = 150  # per test of our own strategies (each is cheap; the bugs sit deep)
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a red run can be run again
    database=None,
    # No shrinking: the failing request is reported as sent (every check names it), and the
    # run stays short when something fails; the regression tests below hold minimal cases.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
DEEP = settings(FUZZ, max_examples=DEEP_EXAMPLES)


@pytest.fixture(scope="module")
def fuzz_setup(tmp_path_factory):
    """An app on a SQLite file of its own: a team, its field officer and three of its cases,
    and another team's case the officer must not reach."""
    tmp = tmp_path_factory.mktemp("fuzz")
    url = sqlite_url(tmp / "fuzz.db")
    db = open_database(url)
    migrations.upgrade(db)
    db.close()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "fuzz-secret",
            "DATABASE_URL": url,
            "CLOCK": FixedClock(),
            "AUDIT_SEAL_INTERVAL": 0,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "MEDIA_ROOT": str(tmp / "media"),
            "MEDIA_MAX_BYTES": 256,  # small, so that random bodies meet the 413 too
            # The fuzzer fails many sign-ins; the limits are tested elsewhere (test_openapi).
            "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
            "LOGIN_LIMIT_PER_USERNAME": "100000 per minute",
            "TOKEN_LIMIT_PER_USER": "100000 per minute",
            "TOKEN_LIMIT_PER_ADDRESS": "100000 per minute",
            "VERIFY_LIMIT_PER_DEVICE": "100000 per minute",
            "VERIFY_LIMIT_PER_ADDRESS": "100000 per minute",
        }
    )
    app.instance_path = str(tmp / "instance")
    fuzz_db = database.obj
    factories.bind(app)
    try:
        intake = factories.user("intake", "intake")
        factories.user("supervisor", "supervisor")
        factories.user("passport", "passport", office_=None)
        team = factories.team()
        officer = factories.user("field1", "field", team_=team)
        other_team = factories.team(name="Timpora Garut", district_code="32.05")
        with app.app_context():
            from fieldcheck.cases import service

            for name in ("Siti Nurhaliza", "Dewi Lestari", "Rina Wati"):
                case = factories.case(applicant_name=name)
                service.assign(factories.actor(intake), case, team, officer)
            service.assign(factories.actor(intake), factories.case(), other_team)
    finally:
        factories.bind(None)
        database.close()
    yield app, fuzz_db
    fuzz_db.close()


@pytest.fixture
def fuzz_app(fuzz_setup):
    """The fuzz app, its database bound again: other tests bind the one database proxy to
    theirs, and pytest may run them in between (it groups tests by backend)."""
    app, fuzz_db = fuzz_setup
    if not database.is_closed():
        database.close()
    database.initialize(fuzz_db)
    factories.bind(app)
    yield app
    factories.bind(None)
    if not database.is_closed():
        database.close()


class Phone:
    """The officer's device token; issued again whenever the fuzzer may have revoked it."""

    def __init__(self, app):
        self.client = app.test_client()
        self.headers = {}
        self.issue()

    def issue(self):
        response = self.client.post(
            f"{API}/auth/token",
            json={"username": "field1", "password": Web.PASSWORD, "label": "fuzz"},
        )
        assert response.status_code == 201, response.json
        self.headers = {"Authorization": f"Bearer {response.json['token']}"}


@pytest.fixture
def phone(fuzz_app):
    """A token per test: a test's DELETEs may have revoked the last one."""
    return Phone(fuzz_app)


@pytest.fixture(scope="module")
def check():
    return Checker(openapi.document())


def test_the_fuzz_app_is_what_the_fuzzer_needs(fuzz_app, phone):
    """The officer's token works and holds cases, so the fuzzer gets past the door."""
    pulled = phone.client.get(f"{API}/sync/pull", headers=phone.headers)
    assert pulled.status_code == 200 and len(pulled.json["cases"]) == 3


def assert_sound(request: str, status: int, body: bytes, method: str = ""):
    """No 5xx; a 4xx (but to HEAD) carries exactly {"error": {"code", "message"}}."""
    text = body.decode("utf-8", "replace")[:1000]
    assert status < 500, f"{request}\n-> {status} {text}"
    if 400 <= status < 500 and method != "HEAD":
        error = json.loads(body)
        assert set(error) == {"error"}, f"{request}\n-> {status} {text}"
        assert set(error["error"]) == {"code", "message"}, f"{request}\n-> {status} {text}"
        assert all(isinstance(v, str) and v for v in error["error"].values()), text


def send(client, method: str, path: str, **kwargs):
    """Make the request; a server exception (the test app propagates it) or a 5xx names it."""
    shown = {k: v for k, v in kwargs.items() if k in ("query_string", "json", "data")}
    request = f"{method} {path} {shown!r:.3000}"
    try:
        response = client.open(path, method=method, **kwargs)
    except Exception as exc:
        raise AssertionError(f"{request}\n-> raised {exc!r} (a 500 in production)") from exc
    assert_sound(request, response.status_code, response.data, method)
    return response


# -- every documented operation, from the document ------------------------------------------

SCHEMA = schemathesis.openapi.from_dict(openapi.document())
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}


def _strategy(operation):
    """Valid and invalid requests; an operation that takes no input has no invalid ones."""
    item = openapi.document()["paths"][operation.path]
    raw = item[operation.method.lower()]
    takes_input = bool(item.get("parameters") or raw.get("parameters") or raw.get("requestBody"))
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if takes_input else [])
    return st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in modes))


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_answers_without_5xx_and_as_documented(label, fuzz_app, phone):
    operation = OPERATIONS[label]

    @FUZZ
    @given(case=_strategy(operation))
    def run(case):
        response = case.call(app=fuzz_app, headers=phone.headers)
        request = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.1000}"
        assert_sound(request, response.status_code, response.content, case.method)
        case.validate_response(
            response,
            checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
        )
        if case.method == "DELETE" and response.status_code == 200:
            phone.issue()  # it revoked a token, maybe its own

    run()


# -- deeper: valid pushes with hostile fields -----------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\u202e", "é" * 300, "9" * 40, "NaN"]
)
EDGE_NUMBERS = st.sampled_from(
    [-1, 0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**40, 1.5, -0.0]
    + [float("nan"), float("inf"), float("-inf"), 1e308, 5e-324]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=[]), max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
DELETE = object()

ENVELOPE_FIELDS = ["op_id", "type", "record_id", "base_version", "created_at", "payload"]
VISIT_FIELDS = [
    "case_id",
    "visited_at",
    "household",
    "household.address_found",
    "household.met_name",
    "household.met_relation",
    "household.aware_of_trip",
    "household.account",
    "gps",
    "gps.status",
    "gps.lat",
    "gps.lon",
    "gps.accuracy_m",
    "family",
    "family.0",
    "family.0.uuid",
    "family.0.relation",
    "family.0.kk_relation",
    "family.0.name",
    "family.0.nik",
    "family.0.birth_date",
    "family.0.alive",
    "interview",
    "interview.purpose",
    "interview.recruiter_phone",
    "interview.promised_salary_idr",
    "interview.knowledge",
    "photos",
    "photos.0",
    "photos.0.sha256",
    "photos.0.caption",
    "assessment",
    "recommendation",
    "amends",
]
NOTE_FIELDS = ["case_id", "text"]


def _replace(document, path: str, value):
    """A copy of the JSON document with the value at the dotted path replaced (or removed);
    unchanged when an earlier replacement took the path away."""
    document = json.loads(json.dumps(document))
    parts = path.split(".")
    node = document
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            key = int(part)
        elif isinstance(node, dict) and (part in node or last):
            key = part
        else:
            return document
        if not last:
            node = node[key]
    if value is DELETE:
        node.pop(key) if isinstance(node, list) else node.pop(key, None)
    else:
        node[key] = value
    return document


TEXT_FIELDS = {"met_name", "account", "name", "knowledge", "assessment", "caption", "text"}
NUMBER_FIELDS = {"case_id", "base_version", "promised_salary_idr", "lat", "lon", "accuracy_m"}


def hostile_value(path: str):
    """What to put at a path: mostly what hurts a field of its kind, or anything at all."""
    name = path.rsplit(".", 1)[-1]
    if name in TEXT_FIELDS:
        return HOSTILE_TEXT | HOSTILE_TEXT | JSON_VALUES
    if name in NUMBER_FIELDS:
        return EDGE_NUMBERS | EDGE_NUMBERS | JSON_VALUES
    return st.just(DELETE) | HOSTILE_TEXT | EDGE_NUMBERS | JSON_VALUES


@st.composite
def hostile_operation(draw, case_ids, stored):
    """A valid operation for one of the cases (an amendment of a visit stored earlier in the
    run), then none, one or two of its fields replaced by hostile values or removed."""
    kind = draw(st.sampled_from(["visit.submit", "visit.amend", "note.add"]))
    case_id = draw(st.sampled_from(case_ids))
    amends, pick = str(draw(st.uuids())), draw(st.integers(0, 999))
    if kind == "visit.amend" and stored:  # the draws do not depend on what is stored
        amends, case_id = stored[pick % len(stored)]
    if kind == "note.add":
        text = st.text(st.characters(exclude_categories=[]), min_size=1, max_size=40)
        payload = {"case_id": case_id, "text": draw(text)}
        fields = NOTE_FIELDS
    else:
        data, sha = factories.photo(draw(st.integers(0, 3)))
        payload = factories.visit_payload(
            case_id,
            photos=[{"sha256": sha, "caption": "Rumah depan"}],
            amends=amends if kind == "visit.amend" else None,
        )
        fields = VISIT_FIELDS
    op = {
        "op_id": str(draw(st.uuids())),
        "type": kind,
        "record_id": str(draw(st.uuids())),
        "base_version": draw(st.sampled_from([None, 1, 2, 3])),
        "created_at": "2026-11-02T08:05:00+07:00",
        "payload": payload,
    }
    for _ in range(draw(st.integers(0, 2))):  # 0: a valid operation (mostly applied)
        path = draw(
            st.sampled_from(ENVELOPE_FIELDS) | st.sampled_from(fields).map("payload.{}".format)
        )
        value = draw(hostile_value(path))
        op = _replace(op, path, value)
    return op


def _body(request: dict) -> str:
    # NaN and Infinity are not JSON, but phones' JSON libraries and attackers send them, and
    # Python's parser takes them: the server must cope. Lone surrogates go as \\ud800 escapes.
    return json.dumps(request, allow_nan=True)


def test_valid_pushes_with_hostile_fields_never_fail(fuzz_app, phone, check):
    from fieldcheck.models import Case

    with fuzz_app.app_context():
        case_ids = [c.id for c in Case.select(Case.id).order_by(Case.id)]
    client = fuzz_app.test_client()
    devices = st.none() | st.text(max_size=120) | HOSTILE_TEXT | EDGE_NUMBERS | JSON_VALUES
    stored = []  # (visit uuid, case id) of the visits stored so far: amendments name them

    @settings(DEEP, max_examples=2 * DEEP_EXAMPLES)  # the deepest: twice the examples
    @given(
        operations=st.lists(hostile_operation(case_ids, stored), min_size=1, max_size=3),
        device=devices,
    )
    def run(operations, device):
        envelope = {"version": 1, "operations": operations}
        if device is not None:
            envelope["device"] = device
        body = _body(envelope)
        response = send(
            client,
            "POST",
            f"{API}/sync/push",
            data=body,
            content_type="application/json",
            headers=phone.headers,
        )
        check("post", "/sync/push", response)
        if response.status_code == 200:
            results = response.json["results"]
            assert len(results) == len(operations)
            stored.extend(
                (r["result"]["visit_id"], r["result"]["case_id"])
                for r in results
                if "visit_id" in r.get("result", {})
            )

    run()


def test_pulls_with_odd_cursors_and_limits_never_fail(fuzz_app, phone, check):
    client = fuzz_app.test_client()
    digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6)
    odd = (
        st.integers(min_value=0).map(str)
        | st.sampled_from([str(2**63), "9" * 30, "00", "-1", "1e3", "0x10", " 1", "²", "½"])
        | digits
        | st.text(max_size=10)
    )
    limits = st.none() | st.integers(1, 2000).map(str) | odd

    @DEEP
    @given(since=st.none() | odd, limit=limits)
    def run(since, limit):
        query = {k: v for k, v in {"since": since, "limit": limit}.items() if v is not None}
        response = send(
            client, "GET", f"{API}/sync/pull", query_string=query, headers=phone.headers
        )
        check("get", "/sync/pull", response)

    run()


def test_sign_ins_with_odd_bodies_never_fail(fuzz_app, check):
    client = fuzz_app.test_client()
    names = st.sampled_from(["field1", "FIELD1 ", "intake"]) | HOSTILE_TEXT | st.text(max_size=20)
    bodies = (
        st.fixed_dictionaries(
            {},
            optional={
                "username": names | JSON_VALUES,
                "password": HOSTILE_TEXT | JSON_VALUES,
                "label": HOSTILE_TEXT | JSON_VALUES,
            },
        )
        | JSON_VALUES
    )

    @DEEP
    @given(body=bodies)
    def run(body):
        data = _body(body)
        response = send(
            client, "POST", f"{API}/auth/token", data=data, content_type="application/json"
        )
        check("post", "/auth/token", response)

    run()


def test_photo_addresses_that_are_not_a_sha256_never_fail(fuzz_app, phone):
    """Reads of odd addresses, with photos stored and named by visits (captions with dots)."""
    client = fuzz_app.test_client()
    from fieldcheck.models import Case

    with fuzz_app.app_context():
        case_id = Case.select(Case.id).order_by(Case.id).first().id
    shas = []
    for seed, caption in enumerate(["Rumah depan.", "Dapur...", "foto_1 (50%)"]):
        data, sha = factories.photo(100 + seed)
        shas.append(sha)
        send(client, "PUT", f"{API}/media/{sha}", data=data, headers=phone.headers)
        op = {
            "op_id": str(uuid.uuid4()),
            "type": "visit.submit",
            "record_id": str(uuid.uuid4()),
            "payload": factories.visit_payload(
                case_id, photos=[{"sha256": sha, "caption": caption}]
            ),
        }
        body = {"version": 1, "operations": [op]}
        send(client, "POST", f"{API}/sync/push", json=body, headers=phone.headers)
    addresses = (
        st.text(st.sampled_from(".%_-0123456789abcdefABCDEF"), min_size=1, max_size=6)
        | st.sampled_from([".", "..", "...", "%2e", "%2E%2E", "%00", "%20", "%25"])
        | st.sampled_from(shas).flatmap(lambda sha: st.sampled_from([sha, sha.upper(), sha[:2]]))
        | st.text(max_size=10)
    )

    @DEEP
    @given(address=addresses, method=st.sampled_from(["GET", "HEAD"]))
    def run(address, method):
        path = f"{API}/media/{quote(address, safe='%')}"
        send(client, method, path, headers=phone.headers)

    run()


def test_report_verification_of_odd_text_never_fails(fuzz_app, check):
    client = fuzz_app.test_client()
    signed_in = client.post(
        f"{API}/auth/token", json={"username": "passport", "password": Web.PASSWORD}
    )
    headers = {"Authorization": f"Bearer {signed_in.json['token']}"}
    base45 = st.text(st.sampled_from(qr.BASE45_ALPHABET), max_size=120)
    texts = (
        HOSTILE_TEXT
        | st.text(st.characters(exclude_categories=[]), max_size=40)
        | base45.map(lambda t: qr.PREFIX + t)
        | st.sampled_from([qr.PREFIX, qr.PREFIX + "\r\n", qr.PREFIX.lower() + "00", "x" * 5000])
    )
    bodies = st.fixed_dictionaries({"qr": texts}) | st.fixed_dictionaries({"qr": JSON_VALUES})

    @DEEP
    @given(body=bodies)
    def run(body):
        data = _body(body)
        response = send(
            client,
            "POST",
            f"{API}/reports/verify",
            data=data,
            content_type="application/json",
            headers=headers,
        )
        check("post", "/reports/verify", response)

    run()


# -- what the fuzzer found: each a plain request, on every backend ---------------------------
# These fail until the server is mended; each names the request and the answer it should get.


@pytest.fixture
def officer(app, client):
    """A field officer with an assigned case, signed in on a phone."""
    intake = factories.user("intake", "intake")
    team = factories.team()
    field1 = factories.user("field1", "field", team_=team)
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team, field1)
    response = client.post(
        f"{API}/auth/token", json={"username": "field1", "password": Web.PASSWORD}
    )
    return {"headers": {"Authorization": f"Bearer {response.json['token']}"}, "case": case}


def _push(client, officer, *operations, device=None):
    envelope = {"version": 1, "operations": list(operations)}
    if device is not None:
        envelope["device"] = device
    body = _body(envelope)
    return send(
        client,
        "POST",
        f"{API}/sync/push",
        data=body,
        content_type="application/json",
        headers=officer["headers"],
    )


def _op(kind, payload, **extra):
    return {
        "op_id": str(uuid.uuid4()),
        "type": kind,
        "record_id": str(uuid.uuid4()),
        "payload": payload,
        **extra,
    }


def _note(case_id, text="Rumah kosong pagi ini."):
    return _op("note.add", {"case_id": case_id, "text": text})


def test_revoking_a_token_id_beyond_64_bits_is_a_404(client, officer):
    path = f"{API}/auth/tokens/{2**63}"
    response = send(client, "DELETE", path, headers=officer["headers"])
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"since": "²"}, "cursor_invalid"),  # str.isdigit() says yes, int() says no
        ({"since": "፮"}, "cursor_invalid"),
        ({"limit": "²"}, "limit_invalid"),
    ],
)
def test_pull_with_a_cursor_or_limit_that_is_no_number_is_a_400(client, officer, query, code):
    response = send(
        client, "GET", f"{API}/sync/pull", query_string=query, headers=officer["headers"]
    )
    assert response.status_code == 400 and response.json["error"]["code"] == code


def test_pull_with_a_cursor_beyond_64_bits_is_answered(client, officer):
    """No pull ever gave such a cursor: a 400, or (as PostgreSQL does) nothing new."""
    query = {"since": str(2**63)}
    response = send(
        client, "GET", f"{API}/sync/pull", query_string=query, headers=officer["headers"]
    )
    if response.status_code == 400:
        assert response.json["error"]["code"] == "cursor_invalid"
    else:
        assert response.status_code == 200 and response.json["cases"] == []


@pytest.mark.parametrize("body", [[1], 5, "field1", [{"username": "field1"}]])
def test_a_token_request_whose_body_is_not_an_object_is_a_400(client, body):
    response = send(client, "POST", f"{API}/auth/token", json=body)
    assert response.status_code == 400 and response.json["error"]["code"] == "body_not_json"


@pytest.mark.parametrize(
    "body",
    [
        {"username": "x\udfffy", "password": "p"},
        {"username": "field1", "password": "p\ud800"},
        {"username": "a\x00", "password": "p"},  # PostgreSQL refuses NUL in text
    ],
)
def test_sign_in_with_unstorable_text_is_a_401(client, officer, body):
    data = _body(body)
    response = send(client, "POST", f"{API}/auth/token", data=data, content_type="application/json")
    assert response.status_code == 401 and response.json["error"]["code"] == "credentials_invalid"


@pytest.mark.parametrize("label", ["Android \ud800", "Android\x00"])
def test_a_device_label_with_unstorable_text_still_signs_in(client, officer, label):
    data = _body({"username": "field1", "password": Web.PASSWORD, "label": label})
    response = send(client, "POST", f"{API}/auth/token", data=data, content_type="application/json")
    assert response.status_code == 201


def test_a_note_for_a_case_id_beyond_64_bits_is_rejected_and_the_batch_goes_on(client, officer):
    case_id = officer["case"].id
    results = _push(client, officer, _note(2**64), _note(case_id)).json["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["code"] in ("case_not_found", "invalid")


@pytest.mark.parametrize("base_version", [2**31, 2**63])  # PostgreSQL's integer, SQLite's
def test_a_base_version_no_case_can_have_is_rejected_and_the_batch_goes_on(
    client, officer, base_version
):
    case_id = officer["case"].id
    visit = _op("visit.submit", factories.visit_payload(case_id), base_version=base_version)
    results = _push(client, officer, visit, _note(case_id)).json["results"]
    assert results[1]["status"] == "applied"
    if results[0]["status"] == "rejected":  # or stored: then it must fit the column
        assert results[0]["code"] == "base_version_invalid"


def test_lone_surrogates_in_a_visit_are_dropped_as_the_validator_says(client, officer):
    """visits.clean_text drops lone surrogates; the content hash must not choke on them first."""
    case_id = officer["case"].id
    visit = _op("visit.submit", factories.visit_payload(case_id, assessment="Rumah \ud800 kosong"))
    [result] = _push(client, officer, visit).json["results"]
    assert result["status"] == "applied"
    from fieldcheck.models import FieldVisit

    assert FieldVisit.get().assessment == "Rumah  kosong"


@pytest.mark.parametrize("text", ["Rumah \ud800 kosong", "Rumah \x00 kosong"])
def test_a_note_with_unstorable_text_is_kept_or_rejected_and_the_batch_goes_on(
    client, officer, text
):
    case_id = officer["case"].id
    results = _push(client, officer, _note(case_id, text), _note(case_id)).json["results"]
    assert results[0]["status"] in ("applied", "rejected") and results[1]["status"] == "applied"


@pytest.mark.parametrize("device", ["d" * 100, "Android \ud800", "Android\x00"])
def test_any_device_label_the_document_allows_is_taken(client, officer, device):
    """The envelope cuts the label to 100 characters; the audit address must hold what remains
    (PostgreSQL: "device:" + 100 characters does not fit the 64 of audit_event.address)."""
    [result] = _push(client, officer, _note(officer["case"].id), device=device).json["results"]
    assert result["status"] == "applied"


def test_photo_addresses_that_are_not_a_sha256_are_404(client, officer):
    """GET /media/. read the media folder itself (a 500) once a visible visit's photo list
    held a "." anywhere, e.g. in a caption; %00 broke PostgreSQL's LIKE."""
    data, sha = factories.photo(1)
    client.put(f"{API}/media/{sha}", data=data, headers=officer["headers"])
    photos = [{"sha256": sha, "caption": "Rumah depan."}]
    _push(
        client,
        officer,
        _op("visit.submit", factories.visit_payload(officer["case"].id, photos=photos)),
    )
    for address in [".", "..", "%2e", "%00"]:
        for method in ("GET", "HEAD"):
            path = f"{API}/media/{address}"
            response = send(client, method, path, headers=officer["headers"])
            assert response.status_code == 404, (method, address)


def test_a_photo_is_not_readable_by_naming_its_sha256_in_a_caption(app, client, officer):
    """Photo reads are allowed when a visible visit's photo list *contains the text*: an
    officer of another team who writes the hash into a caption of their own visit may read
    a photo of a case they cannot see."""
    data, sha = factories.photo(2)
    client.put(f"{API}/media/{sha}", data=data, headers=officer["headers"])
    payload = factories.visit_payload(officer["case"].id, photos=[{"sha256": sha}])
    _push(client, officer, _op("visit.submit", payload))

    other = factories.team(name="Timpora Garut", district_code="32.05")
    factories.user("field9", "field", team_=other)
    theirs = factories.case(applicant_name="Orang Lain")
    desk = factories.user("intake9", "intake")
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(desk), theirs, other)
    token = client.post(f"{API}/auth/token", json={"username": "field9", "password": Web.PASSWORD})
    stranger = {"headers": {"Authorization": f"Bearer {token.json['token']}"}}
    assert client.get(f"{API}/media/{sha}", headers=stranger["headers"]).status_code == 404
    decoy = [{"sha256": "0" * 64, "caption": f"lihat {sha}"}]
    _push(client, stranger, _op("visit.submit", factories.visit_payload(theirs.id, photos=decoy)))
    assert client.get(f"{API}/media/{sha}", headers=stranger["headers"]).status_code == 404
