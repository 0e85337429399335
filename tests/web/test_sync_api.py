"""The sync API end to end through the Flask app: tokens, push results, late and second
submissions, amendments, photos, pull with tombstones, JSON errors."""

import json
import uuid

import pytest

from fieldcheck.models import AuditEvent, Case, CaseNote, DeviceToken, FamilyMember, FieldVisit
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import Web, parse, texts


@pytest.fixture
def field_setup(app):
    intake = factories.user("intake", "intake")
    supervisor = factories.user("supervisor", "supervisor")
    team = factories.team()
    field1 = factories.user("field1", "field", team_=team)
    field2 = factories.user("field2", "field", team_=team)
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team, field1)
    return {
        "intake": intake,
        "supervisor": supervisor,
        "team": team,
        "field1": field1,
        "field2": field2,
        "case": Case.get_by_id(case.id),
    }


def test_token_needs_the_right_password_and_is_rate_limited(app, client):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per 15 minutes"
    factories.user("field1", "field")
    for _ in range(3):
        bad = client.post("/api/v1/auth/token", json={"username": "field1", "password": "x"})
        assert bad.status_code == 401 and bad.json["error"]["code"] == "credentials_invalid"
    limited = client.post(
        "/api/v1/auth/token", json={"username": "field1", "password": Web.PASSWORD}
    )
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"


def test_api_never_redirects_and_answers_json_401(app, client):
    for method, path in [
        ("post", "/api/v1/sync/push"),
        ("get", "/api/v1/sync/pull"),
        ("put", f"/api/v1/media/{'a' * 64}"),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthenticated"
    bad = client.get("/api/v1/sync/pull", headers={"Authorization": "Bearer nope"})
    assert bad.json["error"]["code"] == "token_unknown"


def test_a_session_cookie_does_not_open_the_sync_api(app, web):
    factories.user("field1", "field")
    web.login("field1")
    assert (
        web.client.post("/api/v1/sync/push", json={"version": 1, "operations": []}).status_code
        == 401
    )


def test_submission_is_applied_once_and_moves_the_case(app, client, field_setup):
    phone = Phone(client, "field1")
    op = submit(field_setup["case"].id)
    first = phone.push(op).json["results"][0]
    assert first["status"] == "applied" and first["result"]["status"] == "complete"
    case = Case.get_by_id(field_setup["case"].id)
    assert case.state == "registry_check"  # submitted, then waiting for the civil registry
    visit = FieldVisit.get()
    assert visit.uuid == op["record_id"] and FamilyMember.select().count() == 2
    again = phone.push(op).json["results"][0]
    assert again["status"] == "duplicate" and again["result"] == first["result"]
    assert FieldVisit.select().count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "visit.submit").count() == 1


def test_an_operation_after_a_failed_one_sees_what_the_batch_did_before_that(
    app, client, field_setup, monkeypatch
):
    """The batch's first submission moves the case and asks its questions (the case's change
    written at the push's end, on PostgreSQL its visit and questions too); the second fails
    after it read the case (its savepoint rolled back, what it looked up forgotten); the third
    must see the case as the first left it: a second submission, kept and flagged."""
    from fieldcheck import sync_handlers
    from fieldcheck.models import RegistryQuestion
    from sync import Rejected

    real, calls = sync_handlers._outcome, []

    def fails_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Rejected("invalid", "made to fail", [])
        return real(*args, **kwargs)

    monkeypatch.setattr(sync_handlers, "_outcome", fails_the_second)
    phone = Phone(client, "field1")
    case_id = field_setup["case"].id
    from datetime import date

    from fieldcheck.domain.identity import encode_nik

    family = factories.visit_payload(case_id)["family"]
    family[0]["nik"] = encode_nik("32.04.12", "F", date(1975, 4, 2), 21)
    asked_before = RegistryQuestion.select().count()
    first, failing, third = (submit(case_id, family=family) for _ in range(3))
    results = phone.push(first, failing, third).json["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "conflict"]
    assert results[2]["result"]["flag"] == "second"
    assert results[2]["result"]["case_state"] == results[0]["result"]["case_state"]
    assert results[2]["result"]["case_version"] == results[0]["result"]["case_version"]
    stored = {v.uuid for v in FieldVisit.select()}
    assert stored == {first["record_id"], third["record_id"]}
    assert {m.visit.uuid for m in FamilyMember.select()} == stored
    questions = [
        (q.kind, q.subject)
        for q in RegistryQuestion.select().where(RegistryQuestion.case == case_id)
    ]
    assert RegistryQuestion.select().count() > asked_before  # the first asked its family's
    assert len(set(questions)) == len(questions)  # and nothing was asked twice
    assert Case.get_by_id(case_id).state == results[0]["result"]["case_state"]


def test_visit_facts_feed_the_risk_signals(app, client, field_setup):
    phone = Phone(client, "field1")
    phone.push(submit(field_setup["case"].id))
    import json

    fired = {s["id"] for s in json.loads(Case.get_by_id(field_setup["case"].id).risk_signals)}
    assert {"job_offered_online", "household_unaware", "costs_paid_by_others"} <= fired


def test_same_op_id_with_other_content_is_refused(app, client, field_setup):
    phone = Phone(client, "field1")
    op = submit(field_setup["case"].id)
    phone.push(op)
    changed = {**op, "payload": {**op["payload"], "assessment": "Berbeda"}}
    result = phone.push(changed).json["results"][0]
    assert result["status"] == "rejected" and result["code"] == "op_id_reused"
    assert FieldVisit.get().assessment == "Keluarga tidak tahu tujuan sebenarnya."


def test_a_batch_mixing_good_and_bad_operations(app, client, field_setup):
    phone = Phone(client, "field1")
    case_id = field_setup["case"].id
    bad = submit(case_id, recommendation="maybe")
    note = {
        "op_id": str(uuid.uuid4()),
        "type": "note.add",
        "record_id": str(uuid.uuid4()),
        "payload": {"case_id": case_id, "text": "Rumah kosong pagi ini, kembali sore."},
    }
    results = phone.push(note, bad, submit(case_id), {"type": "x"}).json["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "rejected"]
    assert {"field": "recommendation", "code": "unknown_code"} in [
        {k: e[k] for k in ("field", "code")} for e in results[1]["errors"]
    ]
    assert CaseNote.select().count() == 1 and FieldVisit.select().count() == 1


@pytest.mark.parametrize(
    "failing",
    ["fieldcheck.registry.service.after_submission", "fieldcheck.cases.service.reevaluate"],
)
def test_a_failing_operation_leaves_its_case_as_it_was_for_the_next(
    app, client, field_setup, monkeypatch, failing
):
    """A submission that fails after it moved its case, stored its visit and asked its
    questions (all held for the end of the push; its savepoint rolled back) must leave none of
    that behind for the next operation of the batch on the same case."""
    import importlib

    from fieldcheck.models import RegistryQuestion
    from sync import Rejected

    module_name, name = failing.rsplit(".", 1)
    module = importlib.import_module(module_name)
    real, calls = getattr(module, name), []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise Rejected("invalid", "made to fail once", [])
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, fails_once)
    phone = Phone(client, "field1")
    case_id = field_setup["case"].id
    version = field_setup["case"].version
    from datetime import date

    from fieldcheck.domain.identity import encode_nik

    family = factories.visit_payload(case_id)["family"]
    family[0]["nik"] = encode_nik("32.04.12", "F", date(1975, 4, 2), 21)
    family[1]["nik"] = encode_nik("32.04.12", "M", date(1970, 1, 9), 22)
    asked_before = RegistryQuestion.select().count()
    first, second = submit(case_id, family=family), submit(case_id, family=family)
    first["record_id"] = second["record_id"]  # the same visit again: not "stored already"
    results = phone.push(first, second).json["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[1]["result"]["flag"] is None  # the first did not count as a submission
    case = Case.get_by_id(case_id)
    assert case.state == "registry_check" and case.version == version + 2  # submit, check
    assert [v.uuid for v in FieldVisit.select()] == [second["record_id"]]
    assert FamilyMember.select().count() == 2
    assert RegistryQuestion.select().count() == asked_before + 2  # the two parents, once
    moves = AuditEvent.select().where(AuditEvent.action.startswith("case.")).order_by(AuditEvent.id)
    assert [e.action for e in moves][-3:] == [
        "case.submit",
        "case.begin_registry_check",
        "case.risk",
    ]
    assert AuditEvent.select().where(AuditEvent.action == "visit.submit").count() == 1


def test_one_batch_of_many_submissions_is_stored_as_pushed_one_by_one(app, client, field_setup):
    """What the batch looks up at once (cases, questions, findings, recruiters) gives the
    same results as one push per submission: a second submission for a case in the same batch
    is flagged, the recruiter is seen in the other cases, every row is written."""
    from fieldcheck.cases import service

    team, field1 = field_setup["team"], field_setup["field1"]
    with app.app_context():
        cases = [field_setup["case"]]
        for _ in range(3):
            case = factories.case()
            service.assign(factories.actor(field_setup["intake"]), case, team, field1)
            cases.append(case)
    ops = [submit(c.id) for c in cases] + [submit(cases[0].id)]
    results = Phone(client, "field1").push(*ops).json["results"]
    assert [r["status"] for r in results] == ["applied"] * 4 + ["conflict"]
    assert results[4]["result"]["flag"] == "second"
    assert FieldVisit.select().count() == 5 and FamilyMember.select().count() == 10
    import json

    seen = []
    for case in cases:
        stored = Case.get_by_id(case.id)
        assert stored.state == "registry_check"
        fired = {s["id"]: s for s in json.loads(stored.risk_signals)}
        seen.append(fired.get("recruiter_seen_before", {}).get("reason", {}).get("en"))
    # The same recruiter phone in every submission: each case counts the ones before it.
    assert seen[0] is None
    assert [reason.split(" in ")[1].split(" ")[0] for reason in seen[1:]] == ["1", "2", "3"]
    assert AuditEvent.select().where(AuditEvent.action == "visit.submit").count() == 5
    assert AuditEvent.select().where(AuditEvent.action == "sync.push").count() == 1


def test_submission_naming_a_missing_photo_completes_when_it_arrives(app, client, field_setup):
    phone = Phone(client, "field1")
    data, sha = factories.photo(1)
    op = submit(field_setup["case"].id, photos=[{"sha256": sha, "caption": "Rumah"}])
    result = phone.push(op).json["results"][0]
    assert result["result"]["status"] == "incomplete"
    assert result["result"]["missing_photos"] == [sha]
    put = phone.put_photo(data, sha)
    assert put.status_code == 201 and put.json["completed"] == [op["record_id"]]
    assert FieldVisit.get().status == "complete"
    assert phone.put_photo(data, sha).status_code == 200  # again: harmless, nothing replaced


def test_photo_arriving_before_its_submission(app, client, field_setup):
    phone = Phone(client, "field1")
    data, sha = factories.photo(2)
    phone.put_photo(data, sha)
    result = phone.push(submit(field_setup["case"].id, photos=[{"sha256": sha}])).json
    assert result["results"][0]["result"]["status"] == "complete"


def test_media_checks_size_type_and_hash(app, client, field_setup):
    phone = Phone(client, "field1")
    app.config["MEDIA_MAX_BYTES"] = 100
    data, sha = factories.photo(3)
    big = phone.put_photo(data + b"\x00" * 200, sha)
    assert big.status_code == 413 and big.json["error"]["code"] == "too_large"
    app.config["MEDIA_MAX_BYTES"] = 10_000
    text = phone.put_photo(b"<svg/>", sha)
    assert text.status_code == 415 and text.json["error"]["code"] == "not_an_image"
    wrong = phone.put_photo(data, "0" * 64)
    assert wrong.status_code == 400 and wrong.json["error"]["code"] == "hash_mismatch"


def test_head_tells_the_uploader_and_nobody_else(app, client, field_setup):
    phone1, phone2 = Phone(client, "field1"), Phone(client, "field2")
    data, sha = factories.photo(4)
    assert client.head(f"/api/v1/media/{sha}", headers=phone1.headers).status_code == 404
    phone1.put_photo(data, sha)
    arrived = client.head(f"/api/v1/media/{sha}", headers=phone1.headers)
    assert arrived.status_code == 200 and arrived.headers["ETag"] == f'"{sha}"'
    assert client.head(f"/api/v1/media/{sha}", headers=phone2.headers).status_code == 404


def test_photo_is_readable_only_by_who_may_see_its_case(app, client, field_setup):
    phone = Phone(client, "field1")
    data, sha = factories.photo(5)
    phone.put_photo(data, sha)
    phone.push(submit(field_setup["case"].id, photos=[{"sha256": sha}]))
    got = client.get(f"/api/v1/media/{sha}", headers=phone.headers)
    assert got.status_code == 200 and got.data == data
    other_team = factories.team(name="Timpora Garut", district_code="32.05")
    factories.user("field9", "field", team_=other_team)
    stranger = Phone(client, "field9")
    assert client.get(f"/api/v1/media/{sha}", headers=stranger.headers).status_code == 404


def test_two_officers_submitting_for_one_case_are_both_kept(app, client, field_setup):
    phone1, phone2 = Phone(client, "field1"), Phone(client, "field2")
    case_id = field_setup["case"].id
    first = phone1.push(submit(case_id)).json["results"][0]
    second = phone2.push(submit(case_id)).json["results"][0]
    assert first["status"] == "applied"
    assert second["status"] == "conflict" and second["result"]["flag"] == "second"
    assert FieldVisit.select().count() == 2


def test_a_submission_for_a_case_cancelled_meanwhile_is_kept_as_late(app, client, field_setup):
    phone = Phone(client, "field1")
    with app.app_context():
        from fieldcheck.cases import service

        service.cancel(
            factories.actor(field_setup["intake"]), field_setup["case"], "Applicant withdrew"
        )
    phone.headers["Accept-Language"] = "en"
    result = phone.push(submit(field_setup["case"].id)).json["results"][0]
    assert result["status"] == "conflict" and result["result"]["flag"] == "late"
    assert "cancelled" in result["reason"]
    assert Case.get_by_id(field_setup["case"].id).state == "cancelled"


def test_why_a_submission_was_flagged_is_told_in_the_readers_language(app, client, field_setup):
    """The reason is kept as a code: the phone reads it in its officer's language, and the
    supervisor reads it on the review pages in theirs."""
    phone = Phone(client, "field1")
    with app.app_context():
        from fieldcheck.cases import service

        service.cancel(
            factories.actor(field_setup["intake"]), field_setup["case"], "Applicant withdrew"
        )
    phone.headers["Accept-Language"] = "id"
    result = phone.push(submit(field_setup["case"].id)).json["results"][0]
    assert result["reason"] == "kasus dibatalkan saat petugas sedang luring"
    visit = FieldVisit.get()
    assert json.loads(visit.flag_reason) == {"code": "flag_late", "params": {"state": "cancelled"}}
    desk = Web(app.test_client())
    desk.login("supervisor")
    for language, words in (("id", result["reason"]), ("en", "case cancelled while the")):
        page = desk.get("/review/", headers={"Accept-Language": language}).get_data(as_text=True)
        assert any(words in line for line in texts(page, "li")), language


def test_a_submission_for_a_case_reassigned_meanwhile_is_kept_as_late(app, client, field_setup):
    phone = Phone(client, "field1")
    other = factories.team(name="Timpora Garut", district_code="32.05")
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(
            factories.actor(field_setup["intake"]),
            field_setup["case"],
            other,
            reason="Moved to Garut",
        )
    phone.headers["Accept-Language"] = "en"
    result = phone.push(submit(field_setup["case"].id)).json["results"][0]
    assert result["status"] == "conflict" and result["reason"].startswith("case reassigned")


def test_a_case_never_with_the_team_is_rejected(app, client, field_setup):
    phone = Phone(client, "field1")
    stranger_case = factories.case(applicant_name="Orang Lain")
    result = phone.push(submit(stranger_case.id)).json["results"][0]
    assert result["status"] == "rejected" and result["code"] == "case_not_found"


def _return_for_correction(app, field_setup, comment="Tambahkan NIK ibu."):
    from fieldcheck.cases import service
    from fieldcheck.registry import service as registry

    with app.app_context():
        case = Case.get_by_id(field_setup["case"].id)
        actor = factories.actor(field_setup["supervisor"])
        registry.proceed_without(actor, case, "Dukcapil answers by telephone later")
        visit = FieldVisit.get()
        visit.returned_comment = comment
        visit.save()
        service.move(actor, case, "return_for_correction", comment=comment)
        return Case.get_by_id(case.id), visit


def test_returned_submission_comes_back_on_pull_and_the_amendment_applies(app, client, field_setup):
    phone = Phone(client, "field1")
    cursor = phone.pull().json["cursor"]
    phone.push(submit(field_setup["case"].id))
    case, visit = _return_for_correction(app, field_setup)
    pulled = phone.pull(cursor).json
    [returned] = pulled["cases"]
    assert returned["state"] == "returned"
    assert returned["returned"] == {"visit_id": visit.uuid, "comment": "Tambahkan NIK ibu."}
    amend = submit(case.id, kind="visit.amend", base_version=returned["version"], amends=visit.uuid)
    result = phone.push(amend).json["results"][0]
    assert result["status"] == "applied", result
    assert Case.get_by_id(case.id).state == "registry_check"  # resubmitted, asked again
    assert FieldVisit.get(FieldVisit.uuid == amend["record_id"]).amends_id == visit.id


def test_an_amendment_made_on_an_old_version_is_kept_as_a_conflict(app, client, field_setup):
    phone = Phone(client, "field1")
    phone.push(submit(field_setup["case"].id))
    case, visit = _return_for_correction(app, field_setup)
    amend = submit(case.id, kind="visit.amend", base_version=case.version - 1, amends=visit.uuid)
    result = phone.push(amend).json["results"][0]
    assert result["status"] == "conflict" and result["result"]["flag"] == "conflict"
    assert Case.get_by_id(case.id).state == "returned"
    assert FieldVisit.select().count() == 2


def test_pull_brings_assigned_cases_and_then_only_changes(app, client, field_setup):
    phone = Phone(client, "field1")
    first = phone.pull().json
    assert [c["id"] for c in first["cases"]] == [field_setup["case"].id]
    assert first["cases"][0]["applicant"]["nik"] == field_setup["case"].nik
    assert first["cache_urls"] == [f"/field/cases/{field_setup['case'].id}"]
    nothing = phone.pull(first["cursor"]).json
    assert nothing["cases"] == [] and nothing["tombstones"] == [] and not nothing["more"]
    assert AuditEvent.select().where(AuditEvent.action == "sync.pull").count() == 2


def test_pull_gives_tombstones_for_cases_the_officer_no_longer_holds(app, client, field_setup):
    phone = Phone(client, "field1")
    cursor = phone.pull().json["cursor"]
    with app.app_context():
        from fieldcheck.cases import service

        service.cancel(factories.actor(field_setup["intake"]), field_setup["case"], "Withdrawn")
    pulled = phone.pull(cursor).json
    assert pulled["cases"] == []
    assert pulled["tombstones"] == [{"id": field_setup["case"].id, "reason": "cancelled"}]


def test_pull_is_resumable_with_a_limit(app, client, field_setup):
    phone = Phone(client, "field1")
    cursor = phone.pull().json["cursor"]
    with app.app_context():
        from fieldcheck.cases import service

        for i in range(5):
            case = factories.case(applicant_name=f"Baru {i}")
            service.assign(factories.actor(field_setup["intake"]), case, field_setup["team"])
    seen, more = [], True
    while more:
        page = client.get(f"/api/v1/sync/pull?since={cursor}&limit=2", headers=phone.headers).json
        seen += [c["id"] for c in page["cases"]]
        cursor, more = page["cursor"], page["more"]
    assert len(seen) == 5 and len(set(seen)) == 5


def test_bad_pull_arguments_are_json_errors(app, client, field_setup):
    phone = Phone(client, "field1")
    assert (
        client.get("/api/v1/sync/pull?since=abc", headers=phone.headers).json["error"]["code"]
        == "cursor_invalid"
    )
    assert (
        client.get("/api/v1/sync/pull?limit=0", headers=phone.headers).json["error"]["code"]
        == "limit_invalid"
    )


def test_bad_envelopes_are_json_errors(app, client, field_setup):
    phone = Phone(client, "field1")
    response = client.post(
        "/api/v1/sync/push", headers=phone.headers, data="not json", content_type="application/json"
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "body_not_json"
    response = client.post("/api/v1/sync/push", headers=phone.headers, json={"version": 9})
    assert response.json["error"]["code"] == "unsupported_version"


def test_push_rejections_are_worded_in_the_officers_language(app, client, field_setup):
    """The engine's and the handlers' reasons go to the phone from the catalogue, in the
    language the officer reads; the codes stay."""
    phone = Phone(client, "field1")
    ops = [
        submit(field_setup["case"].id, recommendation="maybe"),
        {"op_id": str(uuid.uuid4()), "type": "visit.unknown", "payload": {}},
        "not an operation",
    ]
    body = {"version": 1, "operations": ops}
    words = {}
    for language in ("en", "id"):
        headers = {**phone.headers, "Accept-Language": language}
        results = client.post("/api/v1/sync/push", headers=headers, json=body).json["results"]
        assert [r["code"] for r in results] == ["invalid", "unknown_type", "operation_invalid"]
        words[language] = [r["message"] for r in results]
    assert words["en"] == [
        "Some fields need mending.",
        "The server does not know this kind of operation: update the app.",
        "This operation cannot be read: update the app.",
    ]
    assert words["id"][0] == "Beberapa isian perlu diperbaiki."


def test_api_errors_are_worded_in_the_readers_language(app, client, field_setup):
    english, indonesian = {"Accept-Language": "en"}, {"Accept-Language": "id"}
    wrong = {"username": "field1", "password": "salah"}
    for headers, text in (
        (english, "Wrong username or password."),
        (indonesian, "Nama pengguna atau kata sandi salah."),
    ):
        answer = client.post("/api/v1/auth/token", json=wrong, headers=headers)
        assert answer.status_code == 401
        assert answer.json == {"error": {"code": "credentials_invalid", "message": text}}
    phone = Phone(client, "field1")
    too_many = {"version": 1, "operations": [{}] * 501}
    answer = client.post(
        "/api/v1/sync/push", json=too_many, headers={**phone.headers, **english}
    ).json
    assert answer["error"] == {
        "code": "too_many_operations",
        "message": "At most 500 operations in one push: split the batch.",
    }
    pull = client.get("/api/v1/sync/pull?limit=0", headers={**phone.headers, **english}).json
    assert pull["error"]["message"] == "The limit must be a whole number from 1 to 2000."


def test_revoked_device_gets_a_401_that_says_so(app, client, field_setup):
    phone = Phone(client, "field1")
    token = DeviceToken.get()
    with app.app_context():
        from fieldcheck import devices

        devices.revoke_token(factories.actor(field_setup["field1"]), token)
    response = phone.pull()
    assert response.status_code == 401 and response.json["error"]["code"] == "token_revoked"


def test_expired_device_token(app, client, clock, field_setup):
    phone = Phone(client, "field1")
    clock.advance(days=31)
    response = phone.pull()
    assert response.status_code == 401 and response.json["error"]["code"] == "token_expired"


def test_user_lists_and_revokes_own_devices(app, client, field_setup):
    phone = Phone(client, "field1")
    web = Web(app.test_client())
    web.login("field1")
    listed = web.get("/api/v1/auth/tokens").json["tokens"]
    assert [t["label"] for t in listed] == ["Android"]
    web.client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}")
    assert phone.pull().json["error"]["code"] == "token_revoked"


def test_user_signs_out_a_device_from_the_web(app, client, field_setup):
    phone = Phone(client, "field1")
    web = Web(app.test_client())
    web.login("field1")
    page = web.get("/account/devices", headers={"Accept-Language": "en"}).get_data(as_text=True)
    device = parse(page).select_one("#devices .session-item")
    assert device.h3.get_text(" ", strip=True) == "Android Active"
    assert device.button.get_text(strip=True) == "Sign this device out"
    token = DeviceToken.get()
    response = web.post(f"/account/devices/{token.id}/revoke", page="/account/devices")
    assert response.status_code == 303
    assert phone.pull().json["error"]["code"] == "token_revoked"
    assert AuditEvent.select().where(AuditEvent.action == "device.token_revoke").count() == 1


def test_admin_signs_out_a_lost_phone(app, client, field_setup):
    phone = Phone(client, "field1")
    factories.user("admin", "admin")
    web = Web(app.test_client())
    web.login("admin")
    user_page = f"/admin/users/{field_setup['field1'].id}"
    page = web.get(user_page, headers={"Accept-Language": "en"}).text
    assert texts(page, ".session-list .session-item h3") == ["Android Active"]
    token = DeviceToken.get()
    web.post(f"{user_page}/devices/{token.id}/revoke", page=user_page)
    assert phone.pull().status_code == 401


def test_nobody_signs_out_another_users_device(app, client, field_setup):
    Phone(client, "field1")
    token = DeviceToken.get()
    web = Web(app.test_client())
    web.login("field2")
    assert web.post(f"/account/devices/{token.id}/revoke", page="/").status_code == 404
    assert DeviceToken.get_by_id(token.id).revoked_at is None
