"""Two app nodes on one PostgreSQL: the cluster of `make cluster` (fieldcheck.cluster), started
for this module on a database of its own: SeaweedFS for the photos and the audit checkpoint log,
the shared Redis for the rate limits, two gunicorn nodes each with its own instance folder but
the same keys, and nginx in front. What one node does, the other sees; what both do at once,
or one half does before it dies, is stored exactly once; the audit chain both write holds."""

import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

from fieldcheck import create_app
from fieldcheck.cluster import (
    BUCKET,
    CHECKPOINT_PREFIX,
    Cluster,
    bin_path,
    node_environment,
    stop,
)
from fieldcheck.db import database
from sync.client import Client, Unreachable, new_operation
from tests import factories
from tests.conftest import (
    _with_database,
    create_postgres_database,
    drop_postgres_database,
    empty_tables,
)
from tests.helpers import Web, parse
from tests.processes import Browser

pytestmark = pytest.mark.postgres

KILLED_BATCH = 500  # operations in the push that node A dies in the middle of


@pytest.fixture(scope="module")
def cluster(postgres_server_url, tmp_path_factory):
    name = create_postgres_database(postgres_server_url)
    folder = tmp_path_factory.mktemp("cluster")
    settings = {
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # cheap: tests are not an attack
        "AUDIT_SEAL_INTERVAL": 0,  # every request seals: both nodes seal, often at once
    }
    running = Cluster(
        folder, _with_database(postgres_server_url, name), demo=False, settings=settings
    )
    try:
        yield running.start()
    finally:
        stop(folder)
        drop_postgres_database(postgres_server_url, name)


@pytest.fixture
def node_app(cluster):
    """Node A's app in this process (its instance folder, so its settings and keys): for the
    factories and for reading the database. The tables are emptied after each test."""
    settings = {**cluster.node_settings(), "INSTANCE_PATH": str(cluster.instance(0))}
    app = create_app({**settings, "TESTING": True})
    factories.bind(app)
    yield app
    factories.bind(None)
    with app.app_context():
        database.connect(reuse_if_open=True)
        empty_tables()
        database.close()
    # The audit events are gone: their checkpoints go too, or the next test's chain would not
    # be the one they signed.
    bucket = cluster.store.client()
    listed = bucket.list_objects_v2(Bucket=BUCKET, Prefix=f"{CHECKPOINT_PREFIX}/")
    for item in listed.get("Contents", []):
        bucket.delete_object(Bucket=BUCKET, Key=item["Key"])


def assigned_cases(app, username: str, count: int) -> list[int]:
    """A field officer `username` and `count` cases assigned to them."""
    from fieldcheck.cases import service

    intake = factories.user(f"intake-{username}", "intake")
    team = factories.team()
    officer = factories.user(username, "field", team_=team)
    office = factories.office()
    with app.app_context():
        database.connect(reuse_if_open=True)
        with database.atomic():
            ids = []
            for i in range(count):
                case = factories.case.__wrapped__(office_=office, applicant_name=f"Pemohon {i}")
                service.assign(factories.actor(intake), case, team, officer)
                ids.append(case.id)
        database.close()
    return ids


def visits(case_ids: list[int], photos=None) -> list[dict]:
    visited = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    return [
        new_operation(
            "visit.submit",
            factories.visit_payload(case_id, visited_at=visited, photos=photos or []),
        )
        for case_id in case_ids
    ]


def stored(app) -> tuple[dict, int, int]:
    """The operation log ({op_id: status}), the visits and the distinct visits in the database."""
    from fieldcheck.models import FieldVisit
    from sync.store import OperationLog

    with app.app_context():
        database.connect(reuse_if_open=True)
        log = {row.op_id: row.status for row in OperationLog.select()}
        made = [visit.uuid for visit in FieldVisit.select()]
        database.close()
    return log, len(made), len(set(made))


def test_a_session_begun_through_node_a_goes_on_through_node_b(cluster, node_app):
    factories.user("supervisor1", "supervisor")
    a, b = cluster.node_urls
    browser = Browser()
    assert browser.sign_in(a, "supervisor1", Web.PASSWORD) == 303
    status, page = browser.call("GET", f"{b}/")
    assert status == 200
    assert parse(page.decode()).find("form", action="/logout") is not None  # signed in
    assert Browser().call("GET", f"{b}/")[0] == 302  # a stranger is sent to sign in
    # Through nginx, which sends each request to either node, the same.
    browser = Browser()
    assert browser.sign_in(cluster.address, "supervisor1", Web.PASSWORD) == 303
    assert all(browser.call("GET", f"{cluster.address}/")[0] == 200 for _ in range(4))


def test_a_photo_uploaded_through_node_a_is_read_through_node_b(cluster, node_app):
    (case_id,) = assigned_cases(node_app, "field-photo", 1)
    data, sha = factories.photo(1)
    a, b = cluster.node_urls
    on_a = Client(a)
    on_a.login("field-photo", Web.PASSWORD)
    assert on_a.put_media(data)["new"]
    (result,) = on_a.push(visits([case_id], photos=[{"sha256": sha}]))
    assert result["status"] == "applied"
    assert Client(b, token=on_a.token).get_media(sha) == data


def test_five_failed_sign_ins_spread_over_both_nodes_meet_the_limit(cluster, node_app):
    factories.user("field-guessed", "field")
    browser = Browser()
    for attempt in range(5):  # LOGIN_LIMIT_PER_USERNAME: 5 per 15 minutes
        node = cluster.node_urls[attempt % 2]
        assert browser.sign_in(node, "field-guessed", "wrong password") == 401
    assert browser.sign_in(cluster.node_urls[1], "field-guessed", Web.PASSWORD) == 429
    assert browser.sign_in(cluster.address, "field-guessed", Web.PASSWORD) == 429


def test_the_same_operations_pushed_to_both_nodes_at_once_are_stored_once(cluster, node_app):
    case_ids = assigned_cases(node_app, "field-twice", 100)
    ops = visits(case_ids)
    phone = Client(cluster.node_urls[0])
    phone.login("field-twice", Web.PASSWORD)
    together = threading.Barrier(2)
    answers = {}

    def push(node):
        client = Client(node, token=phone.token, timeout=120)
        together.wait()
        answers[node] = client.push(ops)

    pushers = [threading.Thread(target=push, args=(node,)) for node in cluster.node_urls]
    for pusher in pushers:
        pusher.start()
    for pusher in pushers:
        pusher.join()
    on_a, on_b = (answers[node] for node in cluster.node_urls)
    for op, first, second in zip(ops, on_a, on_b, strict=True):
        assert first["op_id"] == second["op_id"] == op["op_id"]
        assert sorted([first["status"], second["status"]]) == ["applied", "duplicate"]
    log, visits_made, distinct = stored(node_app)
    assert log == {op["op_id"]: "applied" for op in ops}
    assert visits_made == distinct == len(ops)


def advisory_locks(database_url: str) -> int:
    """How many advisory locks are held in the cluster's database now."""
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_a_node_killed_in_the_middle_of_a_push_and_the_retry_on_the_other_store_it_once(
    cluster, node_app
):
    case_ids = assigned_cases(node_app, "field-killed", KILLED_BATCH)
    ops = visits(case_ids)
    a, b = cluster.node_urls
    phone = Client(a, timeout=120)
    phone.login("field-killed", Web.PASSWORD)
    failed = []

    def push_to_a():
        try:
            phone.push(ops)
        except Unreachable as exc:
            failed.append(exc)

    pusher = threading.Thread(target=push_to_a)
    pusher.start()
    # The push's transaction has begun when its operations' advisory locks are held (it takes
    # them all in one statement, before applying the first): SIGKILL node A then.
    while advisory_locks(cluster.database_url) < KILLED_BATCH and pusher.is_alive():
        time.sleep(0.002)
    cluster.kill_node(0)
    pusher.join()
    try:
        assert failed, "the push to node A ended before node A was killed"
        assert stored(node_app)[0] == {}  # its transaction died with it: nothing committed
        results = Client(b, token=phone.token, timeout=120).push(ops)
        assert {result["status"] for result in results} == {"applied"}
        log, visits_made, distinct = stored(node_app)
        assert log == {op["op_id"]: "applied" for op in ops}
        assert visits_made == distinct == KILLED_BATCH
    finally:
        cluster.restart_node(0)


def fieldcheck_as(cluster, index: int, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [bin_path("fieldcheck"), *arguments],
        env=node_environment(cluster.instance(index)),
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_audit_chain_verifies_after_writes_from_both_nodes_at_once(cluster, node_app):
    """Every request seals (AUDIT_SEAL_INTERVAL 0): the two nodes seal at the same moments,
    into one chain and one checkpoint log in the bucket."""
    case_ids = assigned_cases(node_app, "field-audit", 40)
    phone = Client(cluster.node_urls[0])
    phone.login("field-audit", Web.PASSWORD)
    ops = visits(case_ids)

    def busy(node, share):
        client = Client(node, token=phone.token, timeout=120)
        for op in share:
            client.push([op])
            client.pull()

    workers = [
        threading.Thread(target=busy, args=(node, ops[index::2]))
        for index, node in enumerate(cluster.node_urls)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for index in (0, 1):
        assert fieldcheck_as(cluster, index, "audit", "seal").returncode == 0
        checked = fieldcheck_as(cluster, index, "audit", "verify")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "audit chain intact" in checked.stdout
    with node_app.app_context():
        from fieldcheck import audit

        database.connect(reuse_if_open=True)
        report = audit.verify()
        database.close()
    assert report.ok and report.unsealed == 0
    assert report.checkpoints > 2 and report.anchored == report.checked
