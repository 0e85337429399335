"""The OpenAPI document at /api/v1/openapi.json: a valid document, the same routes as the app,
and schemas that real responses of real calls match."""

import ast
import hashlib
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, get_args

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi
from pydantic import Field, ValidationError

from fieldcheck.api import openapi, schemas
from fieldcheck.domain import visits
from fieldcheck.domain.payloads import Entries, field_errors
from fieldcheck.errors import MESSAGES
from fieldcheck.models import Case, DeviceToken, FieldVisit, User
from tests import factories
from tests.helpers import DOC_URI, Checker, Web, deref, schema_registry

API = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


# -- the document ----------------------------------------------------------------------------


@pytest.fixture
def doc(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_the_document_is_served_publicly_and_is_valid_openapi(doc):
    assert doc == openapi.document()
    assert doc["openapi"].startswith("3.1")
    validate_openapi(doc)  # raises with the path of what is wrong
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_examples_in_the_document_are_valid(doc):
    registry = schema_registry(doc)
    examples = 0
    for name, schema in doc["components"]["schemas"].items():
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{DOC_URI}#/components/schemas/{name}"},
            registry=registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        for example in schema.get("examples", []):
            validator.validate(example)
            examples += 1
    assert examples


def test_every_error_response_is_the_error_object_and_every_secured_route_has_its_401(doc):
    for path, method, operation in _operations(doc):
        responses = operation["responses"]
        for status, response in responses.items():
            response = deref(doc, response)
            if int(status) < 400 or method == "head":
                continue
            schema = response["content"]["application/json"]["schema"]
            assert {"$ref": "#/components/schemas/Error"} in schema["allOf"], (path, status)
        if operation["security"]:
            assert "401" in responses, (method, path)
            assert "403" in responses, (method, path)  # a must-change-password user, a role


def test_the_sync_routes_take_only_device_tokens(doc):
    device = {"deviceToken": []}
    for path in ("/sync/push", "/sync/pull", "/media/{sha256}"):
        for method, operation in doc["paths"][path].items():
            if method in HTTP_METHODS and (path, method) != ("/media/{sha256}", "get"):
                assert operation["security"] == [device], (method, path)


# -- the document and the app have the same routes ------------------------------------------


def app_routes(app) -> set[tuple[str, str]]:
    """(path as in the document, method) for every /api/v1 route of the app.

    Flask adds OPTIONS to every rule and HEAD to every GET; those are left out. A HEAD that a
    rule declares by itself (media: did my upload arrive?) is a route of its own and stays.
    """
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/"):
            continue
        methods = set(rule.methods) - {"OPTIONS"}
        if "GET" in methods:
            methods.discard("HEAD")
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(API))
        found |= {(path, method.lower()) for method in methods}
    return found


def documented_routes(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, method, _ in _operations(doc)}


def test_every_api_route_is_documented_and_every_documented_route_exists(app, doc):
    assert doc["servers"] == [{"url": API}]
    in_app, in_doc = app_routes(app), documented_routes(doc)
    assert sorted(in_app - in_doc) == [], "routes of the app missing from the OpenAPI document"
    assert sorted(in_doc - in_app) == [], "documented routes the app does not have"
    assert ("/media/{sha256}", "head") in in_doc  # the explicit HEAD is a route of its own


def test_path_parameters_are_documented_with_their_names(doc):
    for path, method, operation in _operations(doc):
        named = set(re.findall(r"{([^}]+)}", path))
        params = doc["paths"][path].get("parameters", []) + operation.get("parameters", [])
        in_path = {p["name"] for p in params if p["in"] == "path"}
        assert named == in_path, (method, path)


def test_the_route_check_sees_a_route_added_without_documentation(app, doc):
    """The comparison above is not vacuous: an undocumented route shows up in it."""
    from flask import Flask

    other = Flask("probe")
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/"):
            other.add_url_rule(rule.rule, rule.endpoint, lambda **kw: "", methods=rule.methods)
    other.add_url_rule(f"{API}/sync/reset", "reset", lambda: "", methods=["POST"])
    other.add_url_rule(f"{API}/cases/<int:case_id>", "case", lambda case_id: "")
    undocumented = app_routes(app) - documented_routes(doc)  # empty, as the test above says
    assert app_routes(other) - documented_routes(doc) == undocumented | {
        ("/sync/reset", "post"),
        ("/cases/{case_id}", "get"),
    }
    trimmed = {**doc, "paths": {k: v for k, v in doc["paths"].items() if k != "/health"}}
    assert app_routes(app) - documented_routes(trimmed) == undocumented | {("/health", "get")}
    assert documented_routes(doc) - app_routes(other) == set()


# -- real responses match the documented schemas --------------------------------------------


@pytest.fixture
def check(doc):
    return Checker(doc)


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


@pytest.fixture
def officers(app):
    intake = factories.user("intake", "intake")
    supervisor = factories.user("supervisor", "supervisor")
    team = factories.team()
    field1 = factories.user("field1", "field", team_=team)
    factories.user("field2", "field", team_=team)
    factories.user("admin", "admin")
    factories.user("passport", "passport", office_=None)
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team, field1)
    return {"intake": intake, "supervisor": supervisor, "case": Case.get_by_id(case.id)}


def token_for(client, check, username) -> dict:
    response = client.post(
        f"{API}/auth/token",
        json={"username": username, "password": Web.PASSWORD, "label": "Android"},
    )
    check("post", "/auth/token", response, 201)
    return {"Authorization": f"Bearer {response.json['token']}"}


def operation(case_id, kind="visit.submit", **payload):
    payload = (
        {"case_id": case_id, "text": "Rumah kosong pagi ini."}
        if kind == "note.add"
        else factories.visit_payload(case_id, **payload)
    )
    return {
        "op_id": str(uuid.uuid4()),
        "type": kind,
        "record_id": str(uuid.uuid4()),
        "created_at": "2026-11-02T08:05:00+07:00",
        "payload": payload,
    }


def test_meta_and_token_responses_match(app, client, check, officers):
    check("get", "/health", client.get(f"{API}/health"), 200)
    check("get", "/openapi.json", client.get(f"{API}/openapi.json"), 200)
    check("get", "/me", client.get(f"{API}/me"), 401)
    phone = token_for(client, check, "field1")
    not_here = check("get", "/me", client.get(f"{API}/me", headers=phone), 401)
    assert not_here.json["error"]["code"] == "token_not_accepted"
    check("get", "/audit/verify", client.get(f"{API}/audit/verify", headers=phone), 401)
    desk = client.post(f"{API}/auth/token", json={"username": "admin", "password": Web.PASSWORD})
    assert check("post", "/auth/token", desk, 403).json["error"]["code"] == "no_token_for_role"

    bad = client.post(f"{API}/auth/token", data="x", content_type="application/json")
    check("post", "/auth/token", bad, 400)
    wrong = client.post(f"{API}/auth/token", json={"username": "field1", "password": "nope"})
    check("post", "/auth/token", wrong, 401)
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "1 per 15 minutes"
    client.post(f"{API}/auth/token", json={"username": "field2", "password": "nope"})
    limited = client.post(f"{API}/auth/token", json={"username": "field2", "password": "nope"})
    check("post", "/auth/token", limited, 429)

    check("delete", "/auth/tokens/{token_id}", client.delete(f"{API}/auth/tokens/999999"), 401)
    Web(client).login("field1")  # the officer's own devices, from a signed-in browser
    listed = check("get", "/auth/tokens", client.get(f"{API}/auth/tokens"), 200)
    [mine] = listed.json["tokens"]
    assert mine["scope"] == "sync"
    other = client.delete(f"{API}/auth/tokens/{mine['id'] + 1000}")
    check("delete", "/auth/tokens/{token_id}", other, 404)
    revoked = client.delete(f"{API}/auth/tokens/{mine['id']}")
    check("delete", "/auth/tokens/{token_id}", revoked, 200)
    assert revoked.json["revoked_at"] is not None
    gone = check("get", "/sync/pull", client.get(f"{API}/sync/pull", headers=phone), 401)
    assert gone.json["error"]["code"] == "token_revoked"


def test_session_cookie_opens_the_signed_in_routes_but_not_sync(app, client, check, officers):
    web = Web(client)
    web.login("field1")
    check("get", "/me", client.get(f"{API}/me"), 200)
    check("get", "/auth/tokens", client.get(f"{API}/auth/tokens"), 200)
    push = client.post(f"{API}/sync/push", json={"version": 1, "operations": []})
    check("post", "/sync/push", push, 401)
    check("get", "/sync/pull", client.get(f"{API}/sync/pull"), 401)


def test_push_results_match(app, client, check, officers):
    phone = token_for(client, check, "field1")
    other = token_for(client, check, "field2")
    case_id = officers["case"].id

    def push(*ops, headers=phone):
        body = {"version": 1, "device": "Android 14", "operations": list(ops)}
        response = client.post(f"{API}/sync/push", json=body, headers=headers)
        return check("post", "/sync/push", response, 200).json["results"]

    data, sha = factories.photo(7)
    submitted = operation(case_id, photos=[{"sha256": sha, "caption": "Rumah"}])
    note = operation(case_id, kind="note.add")
    bad = operation(case_id, recommendation="maybe", gps={"status": "fixed", "lat": 99})
    results = push(
        submitted,
        note,
        bad,
        {"op_id": "not-a-uuid", "type": "visit.submit"},
        {**operation(case_id), "type": "photo.rotate"},
        "not an object",
    )
    assert [r["status"] for r in results] == [
        "applied",
        "applied",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert results[0]["result"]["status"] == "incomplete"
    assert results[2]["code"] == "invalid" and results[2]["errors"]
    assert results[3]["op_id"] is None

    again = push(submitted, {**note, "payload": {**note["payload"], "text": "Lain"}})
    assert [r["status"] for r in again] == ["duplicate", "rejected"]
    assert again[1]["code"] == "op_id_reused"

    second = push(operation(case_id), headers=other)
    assert second[0]["status"] == "conflict" and second[0]["result"]["flag"] == "second"

    put = client.put(f"{API}/media/{sha}", data=data, headers=phone)
    assert check("put", "/media/{sha256}", put, 201).json["completed"] == [submitted["record_id"]]
    check("put", "/media/{sha256}", client.put(f"{API}/media/{sha}", data=data, headers=phone), 200)
    check("head", "/media/{sha256}", client.head(f"{API}/media/{sha}", headers=phone), 200)
    check("head", "/media/{sha256}", client.head(f"{API}/media/{sha}", headers=other), 404)
    photo = check("get", "/media/{sha256}", client.get(f"{API}/media/{sha}", headers=phone), 200)
    assert photo.data == data and photo.mimetype == "image/jpeg"
    missing = client.get(f"{API}/media/{'0' * 64}", headers=phone)
    check("get", "/media/{sha256}", missing, 404)
    assert FieldVisit.select().count() == 2


def test_envelope_and_media_errors_match(app, client, check, officers):
    phone = token_for(client, check, "field1")
    scanner = token_for(client, check, "passport")
    push = f"{API}/sync/push"
    for body in ({"version": 2, "operations": []}, {"version": 1}, [1, 2]):
        check("post", "/sync/push", client.post(push, json=body, headers=phone), 400)
    not_json = client.post(push, data="{", content_type="application/json", headers=phone)
    check("post", "/sync/push", not_json, 400)
    app.config["PUSH_MAX_BYTES"] = 1000
    large = {"version": 1, "operations": [operation(officers["case"].id)]}
    check("post", "/sync/push", client.post(push, json=large, headers=phone), 413)
    token = client.post(f"{API}/auth/token", json={"username": "x" * (300 * 1024)})
    check("post", "/auth/token", token, 413)
    check("post", "/sync/push", client.post(push, json={"version": 1, "operations": []}), 401)
    wrong_scope = client.post(push, json={"version": 1, "operations": []}, headers=scanner)
    assert check("post", "/sync/push", wrong_scope, 401).json["error"]["code"] == "token_scope"
    User.update(role="intake").where(User.username == "field1").execute()  # moved to the desk
    forbidden = client.post(push, json={"version": 1, "operations": []}, headers=phone)
    assert check("post", "/sync/push", forbidden, 403).json["error"]["code"] == "forbidden"
    User.update(role="field").where(User.username == "field1").execute()

    data, sha = factories.photo(8)
    media = f"{API}/media/{sha}"
    check("put", "/media/{sha256}", client.put(media, data=data), 401)
    check("head", "/media/{sha256}", client.head(media), 401)
    check("get", "/media/{sha256}", client.get(media), 401)
    bad_address = client.put(f"{API}/media/{sha.upper()}", data=data, headers=phone)
    assert check("put", "/media/{sha256}", bad_address, 400).json["error"]["code"] == (
        "sha256_invalid"
    )
    mismatch = client.put(f"{API}/media/{'0' * 64}", data=data, headers=phone)
    check("put", "/media/{sha256}", mismatch, 400)
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    not_image = client.put(
        f"{API}/media/{hashlib.sha256(svg).hexdigest()}", data=svg, headers=phone
    )
    check("put", "/media/{sha256}", not_image, 415)
    app.config["MEDIA_MAX_BYTES"] = 100
    check("put", "/media/{sha256}", client.put(media, data=data * 10, headers=phone), 413)


def test_pull_responses_match(app, client, check, officers):
    phone = token_for(client, check, "field1")
    pull = f"{API}/sync/pull"
    first = check("get", "/sync/pull", client.get(pull, headers=phone), 200).json
    [held] = first["cases"]
    assert held["id"] == officers["case"].id and held["returned"] is None
    with app.app_context():
        from fieldcheck.cases import service

        service.cancel(factories.actor(officers["intake"]), officers["case"], "Withdrawn")
        service.assign(
            factories.actor(officers["intake"]),
            factories.case(applicant_name="Dewi Lestari"),
            factories.team(),
        )
    since = client.get(f"{pull}?since={first['cursor']}&limit=1", headers=phone)
    page = check("get", "/sync/pull", since, 200).json
    assert page["tombstones"] == [{"id": held["id"], "reason": "cancelled"}] and page["more"]
    rest = client.get(f"{pull}?since={page['cursor']}", headers=phone)
    assert [
        c["applicant"]["name"] for c in check("get", "/sync/pull", rest, 200).json["cases"]
    ] == ["Dewi Lestari"]
    check("get", "/sync/pull", client.get(f"{pull}?since=x", headers=phone), 400)
    check("get", "/sync/pull", client.get(f"{pull}?limit=0", headers=phone), 400)
    assert DeviceToken.select().count() == 1


def test_a_returned_case_on_pull_and_its_amendment_match(app, client, check, officers):
    phone = token_for(client, check, "field1")
    cursor = client.get(f"{API}/sync/pull", headers=phone).json["cursor"]
    submitted = operation(officers["case"].id)
    client.post(f"{API}/sync/push", json={"version": 1, "operations": [submitted]}, headers=phone)
    with app.app_context():
        from fieldcheck.cases import service

        case = Case.get_by_id(officers["case"].id)
        actor = factories.actor(officers["supervisor"])
        if case.state == "registry_check":  # family members to ask the civil registry about
            from fieldcheck.registry import service as registry

            registry.proceed_without(actor, case, "Dukcapil answers by telephone later")
            case = Case.get_by_id(case.id)
        if case.state == "submitted":
            service.move(actor, case, "begin_review", role="system")
        visit = FieldVisit.get()
        visit.returned_comment = "Tambahkan NIK ibu."
        visit.save()
        service.move(actor, case, "return_for_correction", comment="Tambahkan NIK ibu.")
    pulled = check(
        "get", "/sync/pull", client.get(f"{API}/sync/pull?since={cursor}", headers=phone)
    )
    [returned] = pulled.json["cases"]
    assert returned["returned"]["visit_id"] == submitted["record_id"]
    amend = operation(returned["id"], kind="visit.amend", amends=submitted["record_id"])
    amend["base_version"] = returned["version"]
    response = client.post(
        f"{API}/sync/push", json={"version": 1, "operations": [amend]}, headers=phone
    )
    assert check("post", "/sync/push", response, 200).json["results"][0]["status"] == "applied"


def test_the_document_accepts_what_the_server_applies(app, client, check, doc, officers):
    """The request schemas are not stricter than the server: what it applies validates."""
    registry = schema_registry(doc)
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{DOC_URI}#/components/schemas/PushRequest"},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    case_id = officers["case"].id
    full = operation(case_id)
    full["base_version"] = officers["case"].version
    payload = full["payload"]
    payload["family"][0].update(nik=officers["case"].nik, kk_relation="wife")
    payload["interview"]["recruiter_phone"] = "081234567890"
    payload["photos"] = [{"sha256": factories.photo(9)[1], "caption": None}]
    sparse = operation(case_id, family=None, photos=None, assessment=None)
    sparse["payload"]["gps"] = {"status": "denied"}
    sparse["payload"]["household"] = {"address_found": False}
    sparse["payload"]["interview"] = {"purpose": "tourism"}
    body = {"version": 1, "device": "Android", "operations": [full, sparse]}
    body["operations"].append(operation(case_id, kind="note.add"))
    validator.validate(body)
    phone = token_for(client, check, "field1")
    response = client.post(f"{API}/sync/push", json=body, headers=phone)
    results = check("post", "/sync/push", response, 200).json["results"]
    assert [r["status"] for r in results] == ["applied", "conflict", "applied"], results

    bad = operation(case_id, recommendation="maybe")
    assert not validator.is_valid({"version": 1, "operations": [bad]})
    unknown_field = operation(case_id, mood="calm")
    assert not validator.is_valid({"version": 1, "operations": [unknown_field]})


def test_report_verification_responses_match(app, client, check, officers):
    check("get", "/reports/revoked", client.get(f"{API}/reports/revoked"), 200)
    verify = f"{API}/reports/verify"
    check("post", "/reports/verify", client.post(verify, json={"qr": "FC1:XYZ"}), 401)
    field = token_for(client, check, "field1")
    wrong = client.post(verify, json={"qr": "x"}, headers=field)
    assert check("post", "/reports/verify", wrong, 401).json["error"]["code"] == "token_scope"
    scanner = token_for(client, check, "passport")
    for text in ("FC1:NOT-BASE45!", "hello", ""):
        answer = client.post(verify, json={"qr": text}, headers=scanner)
        assert check("post", "/reports/verify", answer, 200).json["status"] == "INVALID"
    bad = client.post(verify, json={"text": "FC1:"}, headers=scanner)
    check("post", "/reports/verify", bad, 400)
    big = client.post(verify, json={"qr": "x" * (300 * 1024)}, headers=scanner)
    assert check("post", "/reports/verify", big, 413).json["error"]["code"] == "too_large"
    app.config["VERIFY_LIMIT_PER_DEVICE"] = "1 per minute"
    check("post", "/reports/verify", client.post(verify, json={"qr": "x"}, headers=scanner), 200)
    limited = client.post(verify, json={"qr": "x"}, headers=scanner)
    assert check("post", "/reports/verify", limited, 429).json["error"]["code"] == "rate_limited"


# -- the document's schemas are the models' own -----------------------------------------------


def _models_schemas() -> dict:
    """Every schema the models give of themselves: their own, and each one they refer to."""
    own = {}
    for models, mode in ((schemas.REQUESTS, "validation"), (schemas.ANSWERS, "serialization")):
        for model in models:
            schema = model.model_json_schema(ref_template=openapi.REF_TEMPLATE, mode=mode)
            for name, defined in schema.pop("$defs", {}).items():
                assert own.setdefault(name, defined) == defined, name  # one schema a name
            assert own.setdefault(model.__name__, schema) == schema, model.__name__
    return own


def test_the_documents_schemas_are_the_models_own_and_nothing_else(doc):
    assert doc["components"]["schemas"] == _models_schemas()


def test_every_json_body_in_the_document_is_a_models_schema(doc):
    components = doc["components"]["schemas"]

    def named(schema) -> list[str]:
        refs = schema.get("allOf", [schema])  # an error answer: Error and its codes
        assert all(set(r) == {"$ref"} for r in refs), schema
        return [r["$ref"].removeprefix("#/components/schemas/") for r in refs]

    bodies = 0
    for path, method, operation in _operations(doc):
        answers = [deref(doc, r) for r in operation["responses"].values()]
        for part in [operation.get("requestBody", {}), *answers]:
            content = part.get("content", {}).get("application/json")
            if content is not None:
                assert set(named(content["schema"])) <= set(components), (method, path)
                bodies += 1
    assert bodies > 40


def test_openapi_writes_no_body_schema_by_hand():
    """openapi.py only says which route takes and answers which model: no dict in it shapes
    an object or a list (parameters and photo bytes are simple strings and numbers)."""
    shaping = {"properties", "items", "additionalProperties", "enum", "const", "oneOf", "anyOf"}
    tree = ast.parse(Path(openapi.__file__).read_text())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        types = {
            v.value
            for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant) and k.value == "type" and isinstance(v, ast.Constant)
        }
        assert not keys & shaping and not types & {"object", "array"}, ast.unparse(node)


def test_a_change_to_a_model_changes_both_its_judgement_and_the_document(monkeypatch):
    photos = [{"sha256": "ab" * 32}, {"sha256": "cd" * 32}]
    payload = factories.visit_payload(7, photos=photos)
    now = datetime.fromisoformat(payload["visited_at"])

    class VisitPayload(visits.VisitPayload):
        """The visit with one photo at most: a model changed."""

        photos: Annotated[list[visits.Photo], Entries(1, unique="sha256")] | None = Field(
            default_factory=list
        )

    def photos_schema(components):
        [array, _null] = components["VisitPayload"]["properties"]["photos"]["anyOf"]
        return array

    assert visits.validate_visit(payload, now=now).valid
    assert photos_schema(openapi.component_schemas())["maxItems"] == visits.MAX_PHOTOS

    with pytest.raises(ValidationError) as refused:
        VisitPayload.model_validate(payload, context={"now": now})
    assert field_errors(refused.value) == [
        {"field": "photos", "code": "too_many", "params": {"max": 1}}
    ]
    monkeypatch.setattr(schemas, "REQUESTS", (VisitPayload,))
    assert photos_schema(openapi.component_schemas())["maxItems"] == 1


def _codes_of(model) -> set[str]:
    detail = model.model_fields["error"].annotation
    return set(get_args(detail.model_fields["code"].annotation))


def test_every_error_code_the_document_names_has_a_message_in_the_catalogue():
    """What the API can answer, and why a push can turn an operation down, are words in both
    languages (tests/unit/test_catalogue.py holds every catalogue message to its translation)."""
    documented = set().union(*(_codes_of(model) for model in schemas.ERROR_ANSWERS.values()))
    documented |= set(schemas.REJECTION_CODES) | set(schemas.FIELD_ERROR_CODES)
    assert {"credentials_invalid", "rate_limited", "invalid", "op_id_invalid"} <= documented
    assert sorted(documented - set(MESSAGES)) == []
