"""`make cluster` and `make cluster-stop` as a person runs them (README, "A cluster on this
machine"): the cluster answers through nginx with the demo's accounts, and after the stop none
of the processes it started still runs."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from fieldcheck.cluster import STATE_FILE
from fieldcheck.cluster.processes import alive, group_members
from tests.conftest import drop_postgres_database
from tests.processes import Browser

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def make(target: str, folder: Path, database: str, server: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            target,
            f"CLUSTER_DIR={folder}",
            f"CLUSTER_DATABASE={database}",
            f"CLUSTER_POSTGRES_URL={server}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_make_cluster_serves_the_demo_through_nginx_and_make_cluster_stop_ends_it_all(
    postgres_server_url, tmp_path
):
    folder = tmp_path / "cluster"
    database = f"fieldcheck_make_cluster_{tmp_path.name[-8:].lower()}".replace("-", "_")
    database = re.sub(r"[^a-z0-9_]", "_", database)
    started = make("cluster", folder, database, postgres_server_url)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        address = re.search(r"FieldCheck cluster at (http://\S+)", started.stdout)[1]
        assert "Demo logins" in started.stdout
        state = json.loads((folder / STATE_FILE).read_text())
        pids = {entry["name"]: entry["pid"] for entry in state["processes"]}
        assert {"seaweedfs", "node-a", "node-b", "nginx"} <= set(pids)
        browser = Browser()
        assert browser.sign_in(address, "supervisor", "fieldcheck-demo") == 303
        assert browser.call("GET", f"{address}/")[0] == 200
    finally:
        stopped = make("cluster-stop", folder, database, postgres_server_url)
        drop_postgres_database(postgres_server_url, database)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not [name for name, pid in pids.items() if alive(pid) or group_members(pid)]
    assert not (folder / STATE_FILE).exists()
