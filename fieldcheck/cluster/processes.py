"""Servers run as processes of their own: started in a session (and process group) of their own
with their output in a log file, waited for until they answer, and stopped with everything
they started. Used by `python -m fieldcheck.cluster` and by the tests that start real servers."""

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now, each distinct (held open together while picked)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start(command: list[str], log: Path, cwd: Path | None = None, env=None) -> subprocess.Popen:
    """`command` in a session of its own (so that stopping its group stops all it started),
    its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603  (our own programs and arguments)
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until(answers: Callable[[], bool], pid: int, what: str, log: Path, timeout: float = 90):
    """Poll `answers` until it is true; RuntimeError with the log's tail if the process ends or
    the time runs out first."""
    deadline = time.monotonic() + timeout
    while not answers():
        if not alive(pid) or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{what} did not start (see {log}):\n{tail}")
        time.sleep(0.2)


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def group_members(pgid: int) -> list[int]:
    """The live processes of process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def stop_group(pid: int, grace: float = 5):
    """Stop a process started by `start` and everything in its group: asked first (SIGTERM),
    then killed (SIGKILL) if still there after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while group_members(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    while group_members(pid):
        _reap(pid)
        time.sleep(0.02)
    _reap(pid)


def kill_group(pid: int):
    """SIGKILL to a process and its group at once: no cleanup, nothing finished."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    while group_members(pid):
        _reap(pid)
        time.sleep(0.02)
    _reap(pid)


def _reap(pid: int):
    """Collect our own child's exit status, if it is our child (else someone else reaps it)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
