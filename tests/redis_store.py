"""A real Redis for the tests that share rate limits between nodes: the one answering on
127.0.0.1:6379 when there is one (as on CI's machine), else Debian's `redis-server` started on
a free port for the run (nothing saved to disk) and stopped at the end. Each test counts under
a key prefix of its own and removes its keys after, so parallel runs never meet."""

import contextlib
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.processes import free_ports, stop_group

LOCAL = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 30


def answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def redis_server(folder: Path):
    """The URL of a Redis for this run: the local one, else one of our own."""
    if answers(LOCAL):
        yield LOCAL
        return
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise RuntimeError("no Redis on 127.0.0.1:6379 and no redis-server to start one")
    (port,) = free_ports(1)
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    command += ["--save", "", "--appendonly", "no"]
    log = (folder / "redis.log").open("wb")
    process = subprocess.Popen(  # noqa: S603  (our own arguments)
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on port {port}")
            time.sleep(0.1)
        yield url
    finally:
        stop_group(process)
        log.close()


@contextlib.contextmanager
def key_prefix(url: str):
    """A prefix for one test's rate-limit keys; its keys are removed after the test."""
    prefix = f"fieldcheck-test-{secrets.token_hex(6)}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def keys_under(url: str, prefix: str) -> list[bytes]:
    return list(redis.Redis.from_url(url).scan_iter(match=f"*{prefix}*", count=1000))
