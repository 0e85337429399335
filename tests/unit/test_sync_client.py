"""The reference sync client (sync.client, `python -m sync`) against the real app, served over
HTTP by werkzeug in a thread: sign-in, the outbox folder, results filed, duplicates harmless,
rejections kept with their reasons, photos after their submissions, pull with tombstones,
status, and a server that cannot be reached."""

import ast
import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from fieldcheck import errors
from fieldcheck.models import Case, CaseNote, DeviceToken, FieldVisit
from sync.client import (
    Client,
    Outbox,
    Refused,
    Unreachable,
    main,
    new_operation,
    urllib_transport,
)
from tests import factories
from tests.helpers import Web
from tests.sync_faults import serve

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live(app, tmp_path):
    """The app served over real HTTP by werkzeug on a free port (photos kept in tmp_path)."""
    with serve(app, tmp_path / "media") as url:
        yield url


@pytest.fixture
def office(app):
    """A team with two officers, intake, and three cases assigned to the team."""
    from fieldcheck.cases import service

    intake = factories.user("intake", "intake")
    team = factories.team()
    field1 = factories.user("field1", "field", team_=team)
    factories.user("field2", "field", team_=team)
    cases = [factories.case(applicant_name=f"Pemohon {i}") for i in range(3)]
    with app.app_context():
        for i, case in enumerate(cases):
            service.assign(factories.actor(intake), case, team, field1 if i == 0 else None)
    return {"intake": intake, "team": team, "cases": [c.id for c in cases]}


def server_says(app, code: str) -> str:
    """The catalogue's message for a code as the server words it for this client, which names
    no language: in the default one, Indonesian."""
    with app.test_request_context():
        return errors.message(code)


def login(live, folder, username="field1", password=Web.PASSWORD) -> int:
    return main(
        [
            "login",
            "--server",
            live,
            "--username",
            username,
            "--password",
            password,
            "--label",
            "test phone",
            str(folder),
        ]
    )


def submit(case_id, **overrides) -> dict:
    return new_operation("visit.submit", factories.visit_payload(case_id, **overrides))


def note(case_id, text="Rumah kosong pagi ini.") -> dict:
    return new_operation("note.add", {"case_id": case_id, "text": text})


def names(folder: Path) -> set[str]:
    """The operation (or case) files of a folder, not the results beside them."""
    return {p.name for p in folder.glob("*.json") if not p.name.endswith(".result.json")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recording:
    """A transport that passes requests to the server and remembers them; `fault` may replace
    the server's answer (or raise) after the request was delivered."""

    def __init__(self, fault=None):
        self.requests = []
        self.fault = fault

    def __call__(self, method, url, headers, body, timeout):
        self.requests.append((method, url, json.loads(body) if body and method == "POST" else None))
        answer = urllib_transport(method, url, headers, body, timeout)
        return self.fault(method, url, answer) if self.fault else answer


# -- the module --------------------------------------------------------------------------------


def test_the_client_needs_only_the_standard_library():
    tree = ast.parse((ROOT / "sync" / "client.py").read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, sync.client, sync.__main__; print(sorted({m.split('.')[0] for m in "
            "sys.modules} & {'flask', 'werkzeug', 'fieldcheck', 'jinja2'}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


# -- login -------------------------------------------------------------------------------------


def test_login_keeps_the_device_token_in_the_folder(live, office, tmp_path, capsys):
    assert login(live, tmp_path) == 0
    assert "signed in to" in capsys.readouterr().out
    state_file = tmp_path / "state.json"
    state = json.loads(state_file.read_text())
    assert state["server"] == live and state["username"] == "field1"
    assert state["token"].startswith("fc1_")
    assert state_file.stat().st_mode & 0o777 == 0o600  # a credential
    assert DeviceToken.get().label == "test phone"
    assert Outbox(tmp_path).client().pull()["cases"]


def test_the_folders_findings_photos_and_cases_are_the_owners_alone(live, office, tmp_path):
    """Under the usual umask 022, what the client keeps (the outbox, photos, pulled cases,
    results) is 0600 in folders 0700: it holds findings about real people."""
    old = os.umask(0o022)
    try:
        folder = tmp_path / "phone"
        login(live, folder)
        box = Outbox(folder)
        box.add(submit(office["cases"][0]))
        assert main(["push", str(folder)]) == 0
        assert main(["pull", str(folder)]) == 0
    finally:
        os.umask(old)
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != ".lock"]
    folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
    assert any(p.parent.name == "cases" for p in files) and any(
        p.parent.name == "sent" for p in files
    )
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o600"}, files
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {"0o700"}, folders


def test_login_with_a_wrong_password_exits_2(app, live, office, tmp_path, capsys):
    assert login(live, tmp_path, password="salah") == 2
    err = capsys.readouterr().err
    assert f"credentials_invalid: {server_says(app, 'credentials_invalid')}" in err
    assert "token" not in Outbox(tmp_path).state()


def test_login_as_another_officer_waits_for_the_first_ones_items(live, office, tmp_path, capsys):
    assert login(live, tmp_path) == 0
    Outbox(tmp_path).add(note(office["cases"][0]))
    assert login(live, tmp_path, username="field2") == 2
    assert "only ever sent with field1's credentials" in capsys.readouterr().err
    assert Outbox(tmp_path).state()["username"] == "field1"


# -- push --------------------------------------------------------------------------------------


def test_push_sends_the_outbox_and_files_each_result(live, office, tmp_path, capsys):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    first, second = office["cases"][:2]
    queued = [box.add(submit(first)), box.add(note(first)), box.add(submit(second))]
    assert names(box.outbox) == {f"{op_id}.json" for op_id in queued}
    assert main(["push", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "sent 3 (applied 3, duplicate 0, conflict 0), rejected 0, still in outbox 0" in out
    assert names(box.outbox) == set()
    assert names(box.sent) == {f"{op_id}.json" for op_id in queued}
    for op_id in queued:
        result = json.loads((box.sent / f"{op_id}.result.json").read_text())
        assert result["op_id"] == op_id and result["status"] == "applied"
    assert FieldVisit.select().count() == 2 and CaseNote.select().count() == 1
    assert Case.get_by_id(first).state not in ("assigned", "in_field")  # off the phone


def test_operations_go_in_queue_order_and_in_batches(live, office, tmp_path):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    queued = [box.add(note(office["cases"][0], f"Catatan {i}")) for i in range(5)]
    transport = Recording()
    report = box.push_outbox(box.client(transport=transport), batch_size=2)
    assert report.applied == 5 and report.exit_code == 0
    batches = [body["operations"] for _, _, body in transport.requests if body]
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [op["op_id"] for b in batches for op in b] == queued


def test_a_resent_outbox_is_harmless(live, office, tmp_path):
    """The answer was lost: the files are still in outbox/ and go again; nothing doubles."""
    login(live, tmp_path)
    box = Outbox(tmp_path)
    queued = [box.add(submit(office["cases"][0])), box.add(note(office["cases"][1]))]

    def lose_answer(method, url, answer):
        raise TimeoutError("timed out")

    report = box.push_outbox(box.client(transport=Recording(lose_answer)))
    assert isinstance(report.error, Unreachable) and "did not answer" in report.error.message
    assert report.exit_code == 2 and report.kept == 2
    assert FieldVisit.select().count() == 1  # applied all the same
    report = box.push_outbox(box.client())
    assert (report.applied, report.duplicate, report.kept) == (0, 2, 0)
    result = json.loads((box.sent / f"{queued[0]}.result.json").read_text())
    assert result["status"] == "duplicate" and result["first"] == "applied"
    assert FieldVisit.select().count() == 1 and CaseNote.select().count() == 1
    for op_id in queued:  # and again, from sent/, as a phone restored from a backup would
        os.replace(box.sent / f"{op_id}.json", box.outbox / f"{op_id}.json")
    assert box.push_outbox(box.client()).duplicate == 2
    assert FieldVisit.select().count() == 1 and CaseNote.select().count() == 1


def test_rejected_operations_move_aside_with_the_servers_reason(
    app, live, office, tmp_path, capsys
):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    bad = box.add(submit(office["cases"][0], recommendation="maybe"))
    good = box.add(submit(office["cases"][1]))
    assert main(["push", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"rejected {bad} (visit.submit): invalid: {server_says(app, 'invalid')}" in out
    assert "recommendation: unknown_code" in out
    assert names(box.rejected) == {f"{bad}.json"} and names(box.sent) == {f"{good}.json"}
    reason = json.loads((box.rejected / f"{bad}.result.json").read_text())
    assert reason["code"] == "invalid"
    assert {"field": "recommendation", "code": "unknown_code"} in reason["errors"]
    assert main(["push", str(tmp_path)]) == 0  # it is not sent again until mended
    assert FieldVisit.select().count() == 1


def test_an_unreadable_outbox_file_is_set_aside_and_the_rest_go(live, office, tmp_path):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    good = box.add(note(office["cases"][0]))
    broken = str(uuid.uuid4())
    (box.outbox / f"{broken}.json").write_text("{not json")
    report = box.push_outbox(box.client())
    assert report.applied == 1 and report.exit_code == 1
    assert names(box.rejected) == {f"{broken}.json"} and names(box.sent) == {f"{good}.json"}
    reason = json.loads((box.rejected / f"{broken}.result.json").read_text())
    assert reason["code"] == "unreadable" and reason["local"] is True


def test_an_op_id_is_queued_for_one_content_only(tmp_path):
    box = Outbox(tmp_path)
    op = note(1)
    assert box.add(op) == box.add(dict(op)) == op["op_id"]  # the same again: nothing changes
    with pytest.raises(ValueError, match="queued already for other content"):
        box.add({**op, "payload": {"case_id": 1, "text": "lain"}})
    assert len(names(box.outbox)) == 1


def test_a_server_that_wants_smaller_batches_gets_them(live, office, tmp_path):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    for i in range(5):
        box.add(note(office["cases"][0], f"Catatan {i}"))

    sizes = []

    def at_most_two(method, url, headers, body, timeout):
        if method == "POST":
            sizes.append(len(json.loads(body)["operations"]))
            if sizes[-1] > 2:
                error = {"error": {"code": "too_many_operations", "message": "split the batch"}}
                return 400, {}, json.dumps(error).encode()
        return urllib_transport(method, url, headers, body, timeout)

    report = box.push_outbox(box.client(transport=at_most_two), batch_size=100)
    assert report.applied == 5 and report.error is None
    assert sizes == [5, 2, 2, 1]  # halved until the server takes them


# -- photos ------------------------------------------------------------------------------------


def test_photos_go_after_their_submission_and_complete_it(live, office, tmp_path):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    data, sha = factories.photo(11)
    other, other_sha = factories.photo(12)
    op = submit(office["cases"][0], photos=[{"sha256": sha, "caption": "Rumah"}])
    bad = submit(office["cases"][1], photos=[{"sha256": other_sha}], recommendation="maybe")
    box.add(op, photos=[data])
    box.add(bad, photos=[other])
    transport = Recording()
    report = box.push_outbox(box.client(transport=transport))
    assert report.applied == 1 and len(report.rejected) == 1 and report.photos_uploaded == 1
    methods = [(m, url.rsplit("/", 1)[-1]) for m, url, _ in transport.requests]
    assert methods == [("POST", "push"), ("HEAD", sha), ("PUT", sha)]
    assert FieldVisit.get(FieldVisit.uuid == op["record_id"]).status == "complete"
    assert (box.photos / "sent" / sha).read_bytes() == data
    assert (box.photos / other_sha).exists()  # its submission must be mended first


def test_put_media_asks_before_it_uploads(live, office, tmp_path):
    login(live, tmp_path)
    client = Outbox(tmp_path).client()
    data, sha = factories.photo(13)
    photo = tmp_path / "rumah.jpg"
    photo.write_bytes(data)
    first = client.put_media(photo)
    assert first == {"sha256": sha, "uploaded": True, "new": True, "completed": []}
    assert client.put_media(data)["uploaded"] is False  # HEAD says it is there
    with pytest.raises(Refused) as refused:
        client.put_media(b"<svg/>")
    assert refused.value.code == "not_an_image" and refused.value.status == 415


# -- pull and status ---------------------------------------------------------------------------


def test_pull_writes_the_cases_and_drops_tombstoned_ones(app, live, office, tmp_path, capsys):
    from fieldcheck.cases import service

    login(live, tmp_path)
    assert main(["pull", str(tmp_path)]) == 0
    box = Outbox(tmp_path)
    assert names(box.cases) == {f"{i}.json" for i in office["cases"]}
    held = json.loads((box.cases / f"{office['cases'][0]}.json").read_text())
    assert held["state"] == "assigned" and held["applicant"]["name"] == "Pemohon 0"
    cursor = box.state()["cursor"]
    assert cursor.isdigit()
    gone = office["cases"][1]
    with app.app_context():
        service.cancel(factories.actor(office["intake"]), Case.get_by_id(gone), "Withdrawn")
    capsys.readouterr()
    assert main(["pull", str(tmp_path)]) == 0
    assert f"removed: {gone} (cancelled)" in capsys.readouterr().out
    assert names(box.cases) == {f"{i}.json" for i in office["cases"] if i != gone}
    assert int(box.state()["cursor"]) > int(cursor)


def test_pull_pages_through_the_changes(app, live, office, tmp_path):
    from fieldcheck.cases import service

    login(live, tmp_path)
    box = Outbox(tmp_path)
    box.pull(box.client())
    with app.app_context():
        for i in range(5):
            case = factories.case(applicant_name=f"Baru {i}")
            service.assign(factories.actor(office["intake"]), case, office["team"])
    report = box.pull(box.client(), limit=2)
    assert report.pages == 3 and len(report.cases) == 5
    assert len(names(box.cases)) == 8


def test_status_counts_the_folders(live, office, tmp_path, capsys):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    box.add(submit(office["cases"][0], recommendation="maybe"))
    box.add(note(office["cases"][0]))
    main(["push", str(tmp_path)])
    main(["pull", str(tmp_path)])
    box.add(note(office["cases"][1]))
    capsys.readouterr()
    assert main(["status", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    cursor = box.state()["cursor"]
    assert f"field1 at {live}" in out
    assert "outbox 1, sent 1, rejected 1, photos waiting 0" in out
    assert f"cases held 3, last cursor {cursor}" in out
    assert main(["status", "--json", str(tmp_path)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["outbox"], status["sent"], status["rejected"]) == (1, 1, 1)


def test_python_dash_m_sync_runs_as_a_program(live, office, tmp_path):
    login(live, tmp_path)
    Outbox(tmp_path).add(note(office["cases"][0]))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pushed = subprocess.run(
        [sys.executable, "-m", "sync", "push", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert "applied 1" in pushed.stdout
    status = subprocess.run(
        [sys.executable, "-m", "sync", "status", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert status.returncode == 0 and "outbox 0, sent 1, rejected 0" in status.stdout


# -- when the server cannot be reached ---------------------------------------------------------


def test_an_unreachable_server_keeps_the_outbox(live, office, tmp_path, capsys):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    queued = box.add(submit(office["cases"][0]))
    box.save_state(server=f"http://127.0.0.1:{free_port()}")  # nobody listens there
    assert main(["--timeout", "5", "push", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot reach http://127.0.0.1:" in err and "stay in the outbox" in err
    assert names(box.outbox) == {f"{queued}.json"} and FieldVisit.select().count() == 0
    assert main(["pull", str(tmp_path)]) == 2
    assert "cannot reach" in capsys.readouterr().err
    assert box.status()["last_push_error"].startswith("cannot reach")
    box.save_state(server=live)
    assert main(["push", str(tmp_path)]) == 0 and FieldVisit.select().count() == 1


@pytest.mark.parametrize(
    "answer",
    [
        (500, {}, b'{"error": {"code": "internal", "message": "boom"}}'),
        (502, {}, b"<html>Bad gateway</html>"),
        (200, {"Content-Type": "text/html"}, b"<html>Sign in to the Wi-Fi</html>"),
        (302, {"Location": "http://portal.example/"}, b""),
    ],
    ids=["500", "502-html", "captive-portal-200", "captive-portal-302"],
)
def test_answers_that_are_not_fieldchecks_keep_the_outbox(live, office, tmp_path, answer):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    data, sha = factories.photo(14)
    box.add(submit(office["cases"][0], photos=[{"sha256": sha}]), photos=[data])
    report = box.push_outbox(box.client(transport=Recording(lambda *_: answer)))
    assert isinstance(report.error, Unreachable) and report.exit_code == 2
    assert report.kept == 1 and (box.photos / sha).exists()
    report = box.push_outbox(box.client())  # the server had applied it: a duplicate now
    assert (report.duplicate, report.kept, report.photos_uploaded) == (1, 0, 1)
    assert FieldVisit.get().status == "complete"


def test_a_captive_portal_does_not_pass_for_a_stored_photo(live, office, tmp_path):
    login(live, tmp_path)
    box = Outbox(tmp_path)
    data, sha = factories.photo(15)
    box.add(submit(office["cases"][0], photos=[{"sha256": sha}]), photos=[data])
    box.push_outbox(box.client())  # stored, and the photo with it
    portal = {"Content-Type": "text/html", "Content-Length": "512"}
    client = box.client(transport=lambda *_: (200, portal, b""))
    assert client.has_media(sha) is False  # when in doubt: upload again (it is idempotent)


def test_a_revoked_device_exits_2_and_keeps_the_outbox(app, live, office, tmp_path, capsys):
    from fieldcheck import devices

    login(live, tmp_path)
    box = Outbox(tmp_path)
    box.add(note(office["cases"][0]))
    with app.app_context():
        devices.revoke_token(factories.actor(), DeviceToken.get())
    assert main(["push", str(tmp_path)]) == 2
    assert "token_revoked" in capsys.readouterr().err
    assert len(names(box.outbox)) == 1 and CaseNote.select().count() == 0


def test_a_folder_that_never_signed_in_says_so(tmp_path, capsys):
    assert main(["push", str(tmp_path)]) == 2
    assert "is not signed in: run `python -m sync login" in capsys.readouterr().err


def test_client_refuses_a_url_that_is_not_http():
    with pytest.raises(ValueError, match="http"):
        Client("file:///etc/passwd")
