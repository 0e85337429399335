"""A FieldCheck cluster on this machine, as a national rollout lays it out on several: PostgreSQL
(the machine's server, a database of the cluster's own), Redis for the shared rate limits,
SeaweedFS for the photos and the audit checkpoint log, app nodes served by gunicorn, each with
its own instance folder but the same keys, and nginx in front of them.

`python -m fieldcheck.cluster start` (`make cluster`) starts it and records what it started in
`FOLDER/cluster.json`; `python -m fieldcheck.cluster stop` (`make cluster-stop`) ends exactly
those processes. The tests start the same cluster on a database of their own (tests/web/
test_cluster.py).

    FOLDER/cluster.json          the processes started (pid, program), the addresses
    FOLDER/redis/                a Redis of our own, when none answers on 127.0.0.1:6379
    FOLDER/seaweedfs/            the object store's data: photos, the checkpoint log
    FOLDER/node-a/instance/      node A's instance folder: config.py, the keys
    FOLDER/node-a/gunicorn.log
    FOLDER/nginx/                nginx.conf, its pid, logs and temporary files
"""

import json
import os
import pwd
import secrets
import shutil
import string
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from fieldcheck.cluster import processes

REDIS_LOCAL = "redis://127.0.0.1:6379/0"
NGINX = "/usr/sbin/nginx"
BUCKET = "fieldcheck"
CHECKPOINT_PREFIX = "audit/checkpoints"
STATE_FILE = "cluster.json"
DEFAULT_DATABASE = "fieldcheck_cluster"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEMO_LOGINS = "admin intake field1 field2 registry supervisor passport analyst hqadmin"
# The files that make the nodes one app: the session cookies' key, the report-signing keys and
# the audit key. The first node makes them; every other node gets a copy (README, Production).
KEY_FILES = ("secret_key", "keys", "audit_key.pem")


def bin_path(name: str) -> str:
    """A program of this environment (beside its python), else one on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"no `{name}` here: `make cluster` installs what it needs")
    return found


def with_database(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def ensure_database(server_url: str, name: str, afresh: bool) -> str:
    """The cluster's database on `server_url`, made if missing (and made again if `afresh`)."""
    import psycopg2

    if not set(name) <= set(string.ascii_lowercase + string.digits + "_"):
        raise ValueError(f"a database name of lowercase letters, digits and _, not {name!r}")
    conn = psycopg2.connect(server_url, connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        if afresh:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return with_database(server_url, name)


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def start_redis(folder: Path) -> tuple[str, int]:
    """Debian's redis-server on a free port, nothing saved to disk: (its URL, its pid)."""
    binary = shutil.which("redis-server") or "/usr/sbin/redis-server"
    if not Path(binary).exists():
        raise RuntimeError("no Redis on 127.0.0.1:6379 and no redis-server to start one")
    folder.mkdir(parents=True, exist_ok=True)
    (port,) = processes.free_ports(1)
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    command += ["--save", "", "--appendonly", "no"]
    log = folder / "redis.log"
    process = processes.start(command, log)
    url = f"redis://127.0.0.1:{port}/0"
    processes.wait_until(lambda: redis_answers(url), process.pid, "redis-server", log, 30)
    return url, process.pid


@dataclass(frozen=True)
class ObjectStore:
    """An S3 endpoint and the credentials of its one identity."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"

    def client(self, retries: int = 1):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": retries}),
        )

    def answers(self) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client().list_buckets()
        except (BotoCoreError, ClientError):
            return False
        return True

    def ensure_bucket(self, name: str):
        from botocore.exceptions import ClientError

        try:
            self.client().create_bucket(Bucket=name)
        except ClientError as error:
            if error.response["Error"]["Code"] not in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                raise

    def settings(self, bucket: str) -> dict:
        """The app's settings for photos in this bucket."""
        return {
            "MEDIA_STORAGE": "s3",
            "MEDIA_S3_BUCKET": bucket,
            "MEDIA_S3_ENDPOINT_URL": self.endpoint_url,
            "MEDIA_S3_REGION": self.region,
            "MEDIA_S3_ACCESS_KEY_ID": self.access_key_id,
            "MEDIA_S3_SECRET_ACCESS_KEY": self.secret_access_key,
        }


def seaweedfs_command(folder: Path, config: Path, ports: list[int]) -> list[str]:
    """`weed server` with its master, volume server, filer and S3 gateway on the eight `ports`,
    listening on 127.0.0.1 only, its data in `folder`, its identities in `config`."""
    master, volume, filer, s3, master_grpc, volume_grpc, filer_grpc, s3_grpc = ports
    return [
        bin_path("weed"),
        "server",
        f"-dir={folder}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.preStopSeconds=0",
        # Each bucket is a collection that takes 7 volumes at its first write; volumes are
        # sparse files, at most 64 MB here, so many buckets cost little disk.
        "-volume.max=500",
        "-master.volumeSizeLimitMB=64",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]


def write_s3_identity(config: Path, access: str, secret: str):
    identity = {
        "name": "fieldcheck",
        "credentials": [{"accessKey": access, "secretKey": secret}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    os.chmod(config, 0o600)


def start_seaweedfs(folder: Path, timeout: float = 90) -> tuple[ObjectStore, int, list[int]]:
    """SeaweedFS (`weed server -s3`) in `folder` on free ports, with an access key of its own:
    (the store, its pid, its ports)."""
    folder.mkdir(parents=True, exist_ok=True)
    access, secret = f"fc{secrets.token_hex(4)}", secrets.token_hex(16)
    config = folder / "s3.json"
    write_s3_identity(config, access, secret)
    ports = processes.free_ports(8)
    log = folder / "weed.log"
    process = processes.start(seaweedfs_command(folder, config, ports), log, cwd=folder)
    store = ObjectStore(f"http://127.0.0.1:{ports[3]}", access, secret)
    processes.wait_until(store.answers, process.pid, "SeaweedFS", log, timeout)
    return store, process.pid, ports


def forget_seaweedfs_sockets(ports: list[int]):
    """The gRPC sockets SeaweedFS makes in /tmp whatever it is told."""
    for port in ports:
        for left in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108
            left.unlink(missing_ok=True)


def http_status(url: str, timeout: float = 5) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310  (http only)
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return None


def node_environment(instance: Path) -> dict:
    """The environment of a node's process: this one's, but no FIELDCHECK_* setting of the
    caller's overriding the node's config.py; the node's own instance folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDCHECK_")}
    return {**env, "FIELDCHECK_INSTANCE_PATH": str(instance)}


def config_text(settings: dict) -> str:
    lines = ["# Written by `python -m fieldcheck.cluster start`: this node's part of the cluster."]
    lines += [f"{name} = {value!r}" for name, value in settings.items()]
    return "\n".join(lines) + "\n"


def copy_keys(source: Path, target: Path):
    """The files that make the nodes one app (KEY_FILES), from one instance folder to another."""
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in KEY_FILES:
        there = source / name
        if there.is_dir():
            shutil.copytree(there, target / name, dirs_exist_ok=True)
        elif there.exists():
            shutil.copy2(there, target / name)


def nginx_conf(folder: Path, port: int, nodes: list[str]) -> str:
    """nginx in front of the nodes, run by this user with its files in `folder`."""
    user = ""
    if os.geteuid() == 0:  # a master run by root hands its workers to `nobody` unless told
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n"
    temp = "\n".join(
        f"    {kind}_temp_path {folder / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    servers = "\n".join(f"        server {urlsplit(node).netloc};" for node in nodes)
    return f"""# Written by `python -m fieldcheck.cluster start`.
{user}daemon off;
worker_processes 2;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder / "access.log"};
{temp}
    # The largest request a route takes (PUSH_MAX_BYTES), with room to spare.
    client_max_body_size 25m;
    upstream fieldcheck {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://fieldcheck;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    """The cluster in `folder`: what `start` starts, on `database_url` (a database of its own,
    made beforehand), with `settings` added to every node's config.py."""

    folder: Path
    database_url: str
    nodes: int = 2
    workers: int = 2
    port: int | None = None  # nginx's; None for a free one, 0 for no nginx
    demo: bool = True
    settings: dict = field(default_factory=dict)
    started: list[dict] = field(default_factory=list)
    node_urls: list[str] = field(default_factory=list)
    address: str | None = None
    store: ObjectStore | None = None
    redis_url: str | None = None
    rate_limit_prefix: str = ""

    def node_folder(self, index: int) -> Path:
        return self.folder / f"node-{string.ascii_lowercase[index]}"

    def instance(self, index: int) -> Path:
        return self.node_folder(index) / "instance"

    def _record(self, name: str, pid: int, program: str, **more):
        self.started.append({"name": name, "pid": pid, "program": program, **more})
        self.save()

    def save(self):
        state = {
            "processes": self.started,
            "nodes": self.node_urls,
            "address": self.address,
            "database": self.database_url,
        }
        path = self.folder / STATE_FILE
        path.write_text(json.dumps(state, indent=2))
        os.chmod(path, 0o600)

    def start(self) -> "Cluster":
        """Start every service; on a failure, stop what was started and raise."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if (self.folder / STATE_FILE).exists() and running(self.folder):
            raise RuntimeError(f"a cluster runs from {self.folder} already: stop it first")
        self.started = []
        try:
            self._start_services()
            self._prepare_nodes()
            self._start_nodes()
            if self.port != 0:
                self._start_nginx()
        except BaseException:
            stop(self.folder)
            raise
        return self

    def _start_services(self):
        if redis_answers(REDIS_LOCAL):
            self.redis_url = REDIS_LOCAL
        else:
            self.redis_url, pid = start_redis(self.folder / "redis")
            self._record("redis", pid, "redis-server")
        # Our own keys in a Redis others may use too (the tests', another cluster's).
        self.rate_limit_prefix = f"fieldcheck-cluster-{secrets.token_hex(4)}"
        self.store, pid, ports = start_seaweedfs(self.folder / "seaweedfs")
        self._record("seaweedfs", pid, "weed", ports=ports)
        self.store.ensure_bucket(BUCKET)

    def node_settings(self) -> dict:
        return {
            "DATABASE_URL": self.database_url,
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "RATELIMIT_KEY_PREFIX": self.rate_limit_prefix,
            **self.store.settings(BUCKET),
            "AUDIT_CHECKPOINT_LOG": f"s3://{BUCKET}/{CHECKPOINT_PREFIX}",
            "PROXY_COUNT": 1,
            # A demonstration: no second factor, and the sign-in page says so.
            "SECOND_FACTOR_ROLES": (),
            "DEMO_INSTANCE": True,
            **self.settings,
        }

    def _prepare_nodes(self):
        """Each node's instance folder with its config.py; the database brought up to date
        (and filled with the demo) through the first; its keys copied to the others."""
        settings = self.node_settings()
        for index in range(self.nodes):
            instance = self.instance(index)
            instance.mkdir(mode=0o700, parents=True, exist_ok=True)
            config = instance / "config.py"
            config.write_text(config_text(settings))
            os.chmod(config, 0o600)
        first = self.instance(0)
        self.fieldcheck(0, "init")
        if self.demo:
            self.fieldcheck(0, "demo", "--if-empty")
        if not (first / "keys").exists():
            self.fieldcheck(0, "keys", "create")
        if not (first / "audit_key.pem").exists():
            from fieldcheck.audit_checkpoints import KEY_FILE, create_key

            create_key(first / KEY_FILE)
        for index in range(1, self.nodes):
            copy_keys(first, self.instance(index))

    def fieldcheck(self, index: int, *arguments: str) -> str:
        """`fieldcheck ARGUMENTS` as node `index`; its output (RuntimeError if it fails)."""
        import subprocess

        done = subprocess.run(  # noqa: S603  (our own command)
            [bin_path("fieldcheck"), *arguments],
            env=node_environment(self.instance(index)),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"fieldcheck {' '.join(arguments)} failed:\n{done.stderr}")
        return done.stdout

    def _start_nodes(self):
        ports = processes.free_ports(self.nodes)
        self.node_urls = [f"http://127.0.0.1:{port}" for port in ports]
        pids = [self._start_node(index) for index in range(self.nodes)]
        for index, pid in enumerate(pids):
            self._wait_for_node(index, pid)
        self.save()

    def _start_node(self, index: int) -> int:
        """gunicorn serving node `index` on its port; its pid."""
        name = f"node-{string.ascii_lowercase[index]}"
        command = [
            bin_path("gunicorn"),
            "--workers",
            str(self.workers),
            "--bind",
            urlsplit(self.node_urls[index]).netloc,
            "--timeout",
            "120",
            "fieldcheck:create_app()",
        ]
        env = node_environment(self.instance(index))
        log = self.node_folder(index) / "gunicorn.log"
        process = processes.start(command, log, env=env)
        self.started = [each for each in self.started if each["name"] != name]
        self._record(name, process.pid, "gunicorn")
        return process.pid

    def _wait_for_node(self, index: int, pid: int):
        url, log = self.node_urls[index], self.node_folder(index) / "gunicorn.log"
        processes.wait_until(lambda: http_status(f"{url}/api/v1/health") == 200, pid, url, log, 60)

    def restart_node(self, index: int):
        """Start node `index` again on its port (after kill_node)."""
        self._wait_for_node(index, self._start_node(index))

    def _start_nginx(self):
        if not Path(NGINX).exists():
            raise RuntimeError(f"no nginx at {NGINX}: `make nginx` installs Debian's")
        port = self.port or processes.free_ports(1)[0]
        if not processes.port_is_free(port):
            raise RuntimeError(f"port {port} is taken: give another (CLUSTER_PORT=...)")
        folder = self.folder / "nginx"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        conf = folder / "nginx.conf"
        conf.write_text(nginx_conf(folder, port, self.node_urls))
        log = folder / "error.log"
        command = [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(log)]
        process = processes.start(command, folder / "nginx.out", cwd=folder)
        self._record("nginx", process.pid, "nginx")
        self.address = f"http://127.0.0.1:{port}"
        processes.wait_until(
            lambda: http_status(f"{self.address}/api/v1/health") == 200, process.pid, "nginx", log
        )
        self.save()

    def kill_node(self, index: int):
        """SIGKILL node `index` (gunicorn's master and workers) in the middle of what it does."""
        name = f"node-{string.ascii_lowercase[index]}"
        (entry,) = [each for each in self.started if each["name"] == name]
        processes.kill_group(entry["pid"])


def _ours(entry: dict) -> bool:
    """Whether the recorded process still runs the program we started (not a reused pid)."""
    try:
        command = Path(f"/proc/{entry['pid']}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return processes.alive(entry["pid"]) and entry["program"].encode() in command


def running(folder: Path) -> list[dict]:
    """The processes recorded in `folder` that still run."""
    try:
        state = json.loads((folder / STATE_FILE).read_text())
    except FileNotFoundError:
        return []
    return [entry for entry in state["processes"] if _ours(entry)]


def stop(folder: Path) -> list[str]:
    """End every process the cluster in `folder` started, last started first: the names."""
    path = folder / STATE_FILE
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    stopped = []
    for entry in reversed(state["processes"]):
        if _ours(entry):
            processes.stop_group(entry["pid"])
            stopped.append(entry["name"])
        if entry["program"] == "weed":
            forget_seaweedfs_sockets(entry.get("ports", []))
    path.unlink()
    return stopped
