"""The reference sync client: what a phone does, as a library and as `python -m sync`.

Standard library only (urllib, json, argparse), so it imports neither Flask nor `fieldcheck`;
tests, benchmarks and scripts use it to talk to a FieldCheck server the way a phone does.

    Client(base_url, token=None, timeout=10)   login, push, pull, put_media over HTTP
    Outbox(folder)                              a phone's storage, as files in a folder:

    FOLDER/state.json                 server, username, device token (mode 0600), pull cursor
    FOLDER/outbox/<op_id>.json        operations waiting to be sent, one JSON file each
    FOLDER/sent/<op_id>.json          stored by the server (applied, duplicate or conflict),
    FOLDER/sent/<op_id>.result.json     with the server's answer beside it
    FOLDER/rejected/<op_id>.json      refused: to mend, with the server's reason beside it
    FOLDER/photos/<sha256>            photos waiting to be uploaded (photos/sent/ once there)
    FOLDER/cases/<id>.json            the cases the officer holds, as the last pull gave them

Exactly-once comes from the op ids made once when an operation is queued: resending is always
safe, so anything that goes wrong in transit (no network, a timeout, a 5xx, an answer that is
not FieldCheck's JSON) leaves the files in outbox/ for the next try. Every file is written
atomically (a temporary file, then a rename), so a crash leaves the old file or the new one;
a queued operation and its photos are on the disk (fsync) before `Outbox.add` returns.

Exit codes of `python -m sync`: 0 all well; 1 the server refused some operations or photos
(they are in rejected/ with its reasons); 2 the server could not be reached, signing in
failed, or the server refused the request as a whole (what was not sent stays in outbox/).
"""

import argparse
import contextlib
import errno
import getpass
import hashlib
import http.client
import json
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ENVELOPE_VERSION = 1
MAX_BATCH = 500  # the server's limit per push (sync.envelope.MAX_OPERATIONS)
STORED = ("applied", "duplicate", "conflict")
# Refusals worth sending again unchanged (the server's answer says "not now", not "not so").
# The current server has none: a rejected operation always needs mending.
TRANSIENT_CODES = frozenset({"busy", "unavailable", "try_again", "rate_limited"})
USER_AGENT = "fieldcheck-sync-client/1"


# -- errors ------------------------------------------------------------------------------------


class SyncError(Exception):
    """Something stopped a sync request; `code` and `status` as the server gave them, if it did."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class Unreachable(SyncError):
    """No usable answer: no network, a timeout, a 5xx, or an answer that is not FieldCheck's.

    Transient by nature: whatever was sent may or may not have been applied, and sending it
    again is safe.
    """


class AuthFailed(SyncError):
    """The server does not accept these credentials (401) or this account here (403)."""


class Refused(SyncError):
    """The server understood the request and refuses it as a whole (another 4xx)."""


# -- HTTP --------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The API never redirects; a redirect means a wrong --server (and would turn POST to GET)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_transport(method: str, url: str, headers: dict, body: bytes | None, timeout: float):
    """Send one HTTP request: (status, headers, body); network trouble raises OSError or
    http.client.HTTPException. Tests hand Client another function of the same shape."""
    # Client checks that the URL is http(s); no file: or custom schemes get here.
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with contextlib.closing(error):
            return error.code, dict(error.headers or {}), error.read()


def _error_of(body: bytes) -> tuple[str | None, str | None]:
    """The (code, message) of a FieldCheck JSON error body, if it is one."""
    try:
        error = json.loads(body.decode()).get("error")
        return str(error.get("code")), str(error.get("message"))
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None, None


class Client:
    """The sync API over HTTP, with a device token (from `login`, or given)."""

    def __init__(
        self, base_url: str, token: str | None = None, timeout: float = 10, transport=None
    ):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the server must be an http(s):// URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.transport = transport or urllib_transport

    # The API ------------------------------------------------------------------------------

    def login(self, username: str, password: str, label: str = "python -m sync") -> dict:
        """Sign the device in: the server's answer (token, expiry, user); keeps the token."""
        answer = self._json(
            "POST",
            "/api/v1/auth/token",
            {"username": username, "password": password, "label": label},
            auth=False,
        )
        token = answer.get("token")
        if not isinstance(token, str) or not token:
            raise Unreachable("the server's answer to sign-in holds no token", status=200)
        self.token = token
        return answer

    def push(self, operations: list, device: str | None = None) -> list[dict]:
        """Send a batch of operations: one result each, in order (checked against the ops)."""
        envelope = {"version": ENVELOPE_VERSION, "operations": list(operations)}
        if device:
            envelope["device"] = device
        answer = self._json("POST", "/api/v1/sync/push", envelope)
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(operations):
            raise Unreachable("the server's answer to a push does not hold one result per op")
        for op, result in zip(operations, results, strict=True):
            if (
                not isinstance(result, dict)
                or _same_id(result.get("op_id"), op.get("op_id")) is False
            ):
                raise Unreachable("the server's results do not match the operations sent")
        return results

    def pull(self, since: str | int | None = "", limit: int | None = None) -> dict:
        """What changed for this officer since the cursor ("" or None: everything held)."""
        query = {"since": "" if since is None else str(since)}
        if limit is not None:
            query["limit"] = str(limit)
        answer = self._json("GET", "/api/v1/sync/pull?" + urllib.parse.urlencode(query))
        if not isinstance(answer.get("cases"), list) or "cursor" not in answer:
            raise Unreachable("the server's answer to a pull holds no cases or cursor")
        answer.setdefault("tombstones", [])
        answer.setdefault("more", False)
        return answer

    def has_media(self, sha256: str) -> bool:
        """Whether this officer's upload of the photo arrived (HEAD; 404 for anyone else's).

        Only an empty 200 (or one whose ETag names the photo) counts: a captive portal's page
        also comes with a 200, and believing it would leave the photo on the phone for good.
        When in doubt the answer is "no", which costs one idempotent upload.
        """
        status, headers, body = self._call("HEAD", f"/api/v1/media/{sha256}")
        if status == 200:
            headers = {k.lower(): v for k, v in headers.items()}
            return sha256 in headers.get("etag", "") or headers.get("content-length") == "0"
        if status == 404:
            return False
        self._raise_for(status, body)
        return False

    def put_media(self, path_or_bytes) -> dict:
        """Upload a photo under its SHA-256 unless it is there already (HEAD first, then PUT).

        Returns {"sha256", "uploaded": whether a PUT was needed, "new": whether the server
        had not had the bytes before, "completed": visits that were waiting for it}.
        """
        data = _read_bytes(path_or_bytes)
        sha = hashlib.sha256(data).hexdigest()
        if self.has_media(sha):
            return {"sha256": sha, "uploaded": False, "new": False, "completed": []}
        answer = self._json(
            "PUT", f"/api/v1/media/{sha}", data, content_type="application/octet-stream"
        )
        return {
            "sha256": sha,
            "uploaded": True,
            "new": bool(answer.get("new")),
            "completed": answer.get("completed", []),
        }

    def get_media(self, sha256: str) -> bytes:
        """A photo's bytes, as the server serves it to this officer (SyncError when it does not)."""
        status, _, body = self._call("GET", f"/api/v1/media/{sha256}")
        if status != 200:
            self._raise_for(status, body)
        return body

    # Plumbing -----------------------------------------------------------------------------

    def _json(self, method, path, body=None, *, auth=True, content_type="application/json"):
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body, ensure_ascii=False).encode()
        status, _, raw = self._call(method, path, body, auth=auth, content_type=content_type)
        if not 200 <= status < 300:
            self._raise_for(status, raw)
        try:
            answer = json.loads(raw.decode())
        except (ValueError, UnicodeDecodeError):
            answer = None
        if not isinstance(answer, dict):
            raise Unreachable(
                f"{self.base_url} answered {method} {path.split('?')[0]} with something that is "
                "not FieldCheck's JSON (a captive portal or a proxy?)",
                status=status,
            )
        return answer

    def _call(self, method, path, body=None, *, auth=True, content_type="application/json"):
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if body is not None:
            headers["Content-Type"] = content_type
        if auth:
            if not self.token:
                raise AuthFailed("not signed in: run `python -m sync login` first", "no_token")
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + path
        try:
            return self.transport(method, url, headers, body, self.timeout)
        except TimeoutError as error:
            raise Unreachable(
                f"{self.base_url} did not answer within {self.timeout:g} s ({error or 'timeout'})"
            ) from error
        except urllib.error.URLError as error:
            raise Unreachable(f"cannot reach {self.base_url}: {error.reason}") from error
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(
                f"cannot reach {self.base_url}: {type(error).__name__}: {error}"
            ) from error

    def _raise_for(self, status: int, body: bytes):
        code, message = _error_of(body)
        text = f"{status} {code}: {message}" if code else f"HTTP {status}"
        if status in (401, 403):
            raise AuthFailed(f"the server refused the credentials ({text})", code, status)
        if 300 <= status < 400:  # the API never redirects: a captive portal, or a wrong URL
            raise Unreachable(
                f"{self.base_url} redirected ({text}): not FieldCheck's answer (a Wi-Fi sign-in "
                "page?); if the server moved, give its exact URL",
                code,
                status,
            )
        if status >= 500 or status in (408, 425, 429):
            raise Unreachable(f"the server could not answer now ({text})", code, status)
        raise Refused(f"the server refused the request ({text})", code, status)


def _same_id(a, b) -> bool | None:
    """Whether two op ids name one operation (None when either cannot be read)."""
    try:
        return uuid.UUID(str(a)) == uuid.UUID(str(b))
    except ValueError:
        return None


def _read_bytes(path_or_bytes) -> bytes:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return bytes(path_or_bytes)
    return Path(path_or_bytes).read_bytes()


# -- files -------------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes, mode: int = 0o600, durable: bool = True):
    """Write a file so that a crash leaves either the old one or the new one, never half
    (durable: flushed to the disk too, so that a power cut does not take it back). Files are
    the owner's alone by default: the folder holds findings, photos and cases of real people."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def write_json(path: Path, value, mode: int = 0o600, durable: bool = True):
    text = json.dumps(value, indent=1, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode(), mode, durable)


def _fsync_dir(folder: Path):
    """Make a rename durable (POSIX); harmless where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _move(source: Path, target: Path, durable: bool = True):
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except FileNotFoundError:
        if not target.exists():
            raise
    if durable:
        _fsync_dir(target.parent)
        _fsync_dir(source.parent)


def new_operation(
    kind: str, payload: dict, record_id: str | None = None, base_version: int | None = None
) -> dict:
    """A push operation with a fresh op id (and record id, for operations that make a record)."""
    op = {
        "op_id": str(uuid.uuid4()),
        "type": kind,
        "record_id": record_id or str(uuid.uuid4()),
        "payload": payload,
    }
    if base_version is not None:
        op["base_version"] = base_version
    return op


def _content(op: dict) -> dict:
    """What an operation means (as the server hashes it): not when or how it travelled."""
    return {k: op.get(k) for k in ("type", "record_id", "base_version", "payload")}


@dataclass
class PushReport:
    """What one `push_outbox` did."""

    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: list = field(default_factory=list)  # {"op_id", "type", "code", "message", ...}
    kept: int = 0  # still in outbox/ afterwards
    photos_uploaded: int = 0
    photos_rejected: list = field(default_factory=list)  # {"sha256", "code", "message"}
    error: SyncError | None = None  # what stopped the push (the rest stays in outbox/)

    @property
    def sent(self) -> int:
        return self.applied + self.duplicate + self.conflict

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 2
        return 1 if self.rejected or self.photos_rejected else 0


@dataclass
class PullReport:
    """What one `pull` did."""

    cursor: str | None = None
    cases: list = field(default_factory=list)  # ids written to cases/
    removed: list = field(default_factory=list)  # tombstones: {"id", "reason"}
    cache_urls: list = field(default_factory=list)
    pages: int = 0


class Outbox:
    """A phone's storage as files in a folder (see the module docstring for the layout).

    durable=False skips fsync (files are still replaced atomically): for tests, where no
    power is cut and the disk's flushes would only cost time.
    """

    def __init__(self, folder, durable: bool = True):
        self.root = Path(folder)
        self.durable = durable
        self.outbox = self.root / "outbox"
        self.sent = self.root / "sent"
        self.rejected = self.root / "rejected"
        self.photos = self.root / "photos"
        self.cases = self.root / "cases"
        self.state_path = self.root / "state.json"
        self._last_stamp = None

    # State --------------------------------------------------------------------------------

    def _write_json(self, path: Path, value, mode: int = 0o600, durable: bool = True):
        write_json(path, value, mode, durable=durable and self.durable)

    def _move(self, source: Path, target: Path):
        """Filing is not flushed file by file: a move a power cut takes back only means the
        operation goes again, and comes back a duplicate. `_flush` makes a batch's moves stick."""
        _move(source, target, durable=False)

    def _flush(self, *folders: Path):
        if self.durable:
            for folder in folders:
                if folder.is_dir():
                    _fsync_dir(folder)

    def state(self) -> dict:
        try:
            value = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError as error:
            raise SyncError(f"{self.state_path} is not readable JSON: {error}") from error
        return value if isinstance(value, dict) else {}

    def save_state(self, **changes) -> dict:
        state = {**self.state(), **changes}
        self._write_json(self.state_path, state, mode=0o600)  # it holds the device token
        return state

    def client(self, timeout: float = 10, transport=None) -> Client:
        """A Client for the server and token this folder signed in with."""
        state = self.state()
        if not state.get("server") or not state.get("token"):
            raise AuthFailed(
                f"{self.root} is not signed in: run `python -m sync login --server URL "
                f"--username NAME {self.root}` first",
                "no_token",
            )
        return Client(state["server"], state["token"], timeout=timeout, transport=transport)

    # Queueing -----------------------------------------------------------------------------

    def add(self, op: dict, photos=()) -> str:
        """Queue an operation (and the photos it names, as bytes or paths); its op id.

        The photos are written before the operation, so a queued operation never names a photo
        the folder does not have. Adding the same operation again changes nothing; another
        operation under a used op id is refused here, before the server would.
        """
        if not isinstance(op, dict) or not isinstance(op.get("type"), str) or not op["type"]:
            raise ValueError("an operation is an object with a 'type'")
        if not isinstance(op.get("payload", {}), dict):
            raise ValueError("an operation's 'payload' must be an object")
        op = dict(op)
        op["op_id"] = str(uuid.UUID(str(op.get("op_id") or uuid.uuid4())))
        if op.get("record_id") is not None:
            op["record_id"] = str(uuid.UUID(str(op["record_id"])))
        op.setdefault("payload", {})
        op.setdefault("created_at", self._stamp())
        for data in photos:
            self.add_photo(data)
        existing = self.find(op["op_id"])
        if existing is not None:
            if _content(existing[1]) != _content(op):
                raise ValueError(f"op id {op['op_id']} is queued already for other content")
            return op["op_id"]
        self._write_json(self.outbox / f"{op['op_id']}.json", op)
        return op["op_id"]

    def add_photo(self, path_or_bytes) -> str:
        """Keep a photo until it is uploaded; its SHA-256."""
        data = _read_bytes(path_or_bytes)
        sha = hashlib.sha256(data).hexdigest()
        if not (self.photos / sha).exists() and not (self.photos / "sent" / sha).exists():
            write_atomic(self.photos / sha, data, durable=self.durable)
        return sha

    def _stamp(self) -> str:
        """When an operation was queued: strictly increasing, so outbox order is queue order."""
        now = datetime.now(UTC)
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return now.isoformat(timespec="microseconds").replace("+00:00", "Z")

    def find(self, op_id: str):
        """(folder name, operation) of a queued, sent or rejected operation, or None."""
        for folder in (self.outbox, self.sent, self.rejected):
            path = folder / f"{op_id}.json"
            if path.exists():
                with contextlib.suppress(ValueError):
                    return folder.name, json.loads(path.read_text())
        return None

    def pending(self, set_aside: list | None = None) -> list[tuple[str, dict]]:
        """The queued operations, oldest first: [(op_id, operation)].

        A file that cannot be read as an operation named by its op id is moved to rejected/
        with the reason (and noted in `set_aside`), rather than block the others.
        """
        found = []
        for path in _json_files(self.outbox):
            op_id = path.name.removesuffix(".json")
            try:
                op = json.loads(path.read_text())
                problem = _file_problem(op_id, op)
            except ValueError as error:
                op, problem = None, f"not readable JSON: {error}"
            if problem:
                self._settle_locally(path, op_id, "unreadable", problem)
                if set_aside is not None:
                    set_aside.append({"op_id": op_id, "code": "unreadable", "message": problem})
                continue
            found.append((op_id, op, str(op.get("created_at") or ""), path.stat().st_mtime_ns))
        found.sort(key=lambda item: (item[2], item[3], item[0]))
        return [(op_id, op) for op_id, op, _, _ in found]

    @contextlib.contextmanager
    def locked(self):
        """One sync at a time per folder (a second one is refused, not queued)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as handle:
            try:
                import fcntl
            except ImportError:  # not POSIX: no lock, as before
                yield
                return
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                if error.errno in (errno.EAGAIN, errno.EACCES):
                    raise SyncError(f"another sync is running on {self.root}", "busy") from error
                raise
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # Push ---------------------------------------------------------------------------------

    def push_outbox(self, client: Client, batch_size: int = 100, device=None) -> PushReport:
        """Send the outbox in batches; file each operation by its result; upload photos.

        applied / duplicate / conflict: to sent/ with the result; rejected (unless the code is
        transient): to rejected/ with the reason; anything that goes wrong in transit stops the
        push and leaves the rest in outbox/ (report.error says why). Then the photos that
        stored operations name are uploaded.
        """
        with self.locked():
            return self._push(client, batch_size, device)

    def _push(self, client: Client, batch_size: int, device) -> PushReport:
        report = PushReport()
        pending = self.pending(set_aside=report.rejected)
        size = max(1, min(int(batch_size), MAX_BATCH))
        start = 0
        while start < len(pending):
            batch = pending[start : start + size]
            try:
                results = client.push([op for _, op in batch], device=device)
            except Refused as error:
                if error.code == "too_many_operations" or error.status == 413:
                    if size > 1:
                        size = max(1, len(batch) // 2)  # the server or a proxy wants less
                        continue
                    op_id = batch[0][0]
                    self._settle_locally(
                        self.outbox / f"{op_id}.json", op_id, "too_large", error.message
                    )
                    report.rejected.append(
                        {"op_id": op_id, "code": "too_large", "message": error.message}
                    )
                    start += 1
                    continue
                report.error = error
                break
            except SyncError as error:
                report.error = error
                break
            for (op_id, op), result in zip(batch, results, strict=True):
                self._settle(op_id, op, result, report)
            self._flush(self.sent, self.rejected, self.outbox)
            start += len(batch)
        if report.error is None:
            self._upload_photos(client, report)
        report.kept = len(_json_files(self.outbox))
        self.save_state(
            last_push=datetime.now(UTC).isoformat(timespec="seconds"),
            last_push_error=report.error.message if report.error else None,
        )
        return report

    def _settle(self, op_id: str, op: dict, result: dict, report: PushReport):
        status = result.get("status")
        source = self.outbox / f"{op_id}.json"
        if status in STORED:
            self._write_json(self.sent / f"{op_id}.result.json", result, durable=False)
            self._move(source, self.sent / f"{op_id}.json")
            setattr(report, status, getattr(report, status) + 1)
        elif status == "rejected" and result.get("code") not in TRANSIENT_CODES:
            self._write_json(self.rejected / f"{op_id}.result.json", result, durable=False)
            self._move(source, self.rejected / f"{op_id}.json")
            report.rejected.append(
                {
                    "op_id": op_id,
                    "type": op.get("type"),
                    "code": result.get("code"),
                    "message": result.get("message"),
                    "errors": result.get("errors", []),
                }
            )
        # else: a transient refusal or a status this client does not know: kept, sent again

    def _settle_locally(self, path: Path, op_id: str, code: str, message: str):
        result = {"op_id": op_id, "status": "rejected", "code": code, "message": message}
        result["local"] = True  # decided by this client, not by the server
        self._write_json(self.rejected / f"{op_id}.result.json", result)
        self._move(path, self.rejected / f"{op_id}.json")

    def _upload_photos(self, client: Client, report: PushReport):
        """Upload the waiting photos that operations stored by the server name."""
        waiting = [p for p in self.photos.glob("*") if p.is_file() and not p.name.startswith(".")]
        if not waiting:
            return
        named = self._photos_named_by(self.sent)
        for path in sorted(waiting):
            if path.name not in named:
                continue  # its operation is not stored yet (or was rejected): it waits
            try:
                client.put_media(path)
            except Refused as error:
                self._write_json(
                    self.photos / "rejected" / f"{path.name}.reason.json",
                    {"sha256": path.name, "code": error.code, "message": error.message},
                )
                self._move(path, self.photos / "rejected" / path.name)
                report.photos_rejected.append(
                    {"sha256": path.name, "code": error.code, "message": error.message}
                )
                continue
            except SyncError as error:
                report.error = error
                return
            self._move(path, self.photos / "sent" / path.name)
            report.photos_uploaded += 1

    @staticmethod
    def _photos_named_by(folder: Path) -> set[str]:
        named = set()
        for path in _json_files(folder):
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                photos = json.loads(path.read_text()).get("payload", {}).get("photos") or []
                named.update(p["sha256"] for p in photos if isinstance(p, dict) and "sha256" in p)
        return named

    # Pull ---------------------------------------------------------------------------------

    def pull(self, client: Client, limit: int = 500) -> PullReport:
        """Bring the cases up to date: cases/<id>.json written, tombstoned ones deleted, the
        cursor saved in state.json after each page (so a broken pull resumes, never skips)."""
        with self.locked():
            return self._pull(client, limit)

    def _pull(self, client: Client, limit: int) -> PullReport:
        report = PullReport()
        since = self.state().get("cursor") or ""
        while True:
            page = client.pull(since, limit)
            held = set()
            for case in page["cases"]:
                case_id = int(case["id"])
                self._write_json(self.cases / f"{case_id}.json", case, durable=False)
                held.add(case_id)
                report.cases.append(case_id)
            for stone in page["tombstones"]:
                (self.cases / f"{int(stone['id'])}.json").unlink(missing_ok=True)
                report.removed.append(stone)
            if since == "" and not page["more"]:  # a full download: what it lacks is gone
                for path in _json_files(self.cases):
                    stem = path.name.removesuffix(".json")
                    if stem.isdigit() and int(stem) not in held:
                        path.unlink()
                        report.removed.append({"id": int(stem), "reason": "not_held"})
            report.cache_urls += page.get("cache_urls", [])
            report.pages += 1
            cursor = str(page["cursor"])
            self.save_state(
                cursor=cursor, last_pull=datetime.now(UTC).isoformat(timespec="seconds")
            )
            report.cursor = cursor
            if not page["more"]:
                return report
            if cursor == since:
                raise Unreachable("the server says there is more but its cursor did not move")
            since = cursor

    # Status -------------------------------------------------------------------------------

    def status(self) -> dict:
        state = self.state()
        photos = [p for p in self.photos.glob("*") if p.is_file() and not p.name.startswith(".")]
        return {
            "folder": str(self.root),
            "server": state.get("server"),
            "username": state.get("username"),
            "outbox": len(_json_files(self.outbox)),
            "sent": len(_json_files(self.sent)),
            "rejected": len(_json_files(self.rejected)),
            "photos_waiting": len(photos),
            "cases": len(_json_files(self.cases)),
            "cursor": state.get("cursor"),
            "last_push": state.get("last_push"),
            "last_push_error": state.get("last_push_error"),
            "last_pull": state.get("last_pull"),
        }


def _json_files(folder: Path) -> list[Path]:
    """The operation (or case) files of a folder: not temporary files, not result files."""
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.glob("*.json")
        if not p.name.startswith(".") and not p.name.endswith(".result.json")
    ]


def _file_problem(op_id: str, op) -> str | None:
    if not isinstance(op, dict):
        return "the file does not hold an operation object"
    if _same_id(op.get("op_id"), op_id) is not True:
        return "the file's op_id is not a UUID or differs from its name"
    if not isinstance(op.get("type"), str):
        return "the operation has no type"
    return None


# -- the command line --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sync",
        description="FieldCheck reference sync client: a phone's outbox as a folder.",
        epilog="Exit codes: 0 ok; 1 some operations or photos rejected (see FOLDER/rejected/); "
        "2 cannot reach the server, sign-in failed, or the request was refused.",
    )
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request (30)")
    commands = parser.add_subparsers(dest="command", required=True)

    login = commands.add_parser("login", help="sign this folder's device in")
    login.add_argument("--server", help="e.g. https://fieldcheck.example.go.id")
    login.add_argument("--username", required=True)
    login.add_argument("--password", help="prompted for when not given")
    login.add_argument("--label", default="python -m sync", help="the device's name")
    login.add_argument("folder", nargs="?", default=".", help="the outbox folder (default: .)")

    push = commands.add_parser("push", help="send the outbox, then the photos it names")
    push.add_argument("folder")
    push.add_argument("--batch-size", type=int, default=100, help=f"1 to {MAX_BATCH} (100)")

    pull = commands.add_parser("pull", help="bring the cases held up to date")
    pull.add_argument("folder")
    pull.add_argument("--limit", type=int, default=500, help="changes per page (500)")

    status = commands.add_parser("status", help="what is queued, sent and rejected")
    status.add_argument("folder")
    status.add_argument("--json", action="store_true", help="as JSON")
    return parser


def main(argv=None, transport=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args, transport)
    except SyncError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: what was not sent stays in the outbox", file=sys.stderr)
        return 2


def _login(args, transport) -> int:
    box = Outbox(args.folder)
    state = box.state()
    server = args.server or state.get("server")
    if not server:
        print("error: give --server URL", file=sys.stderr)
        return 2
    previous = state.get("username")
    waiting = len(_json_files(box.outbox))
    if previous and previous != args.username.strip().lower() and waiting:
        print(
            f"error: {waiting} operation(s) of {previous} wait in {box.outbox}; they are only "
            f"ever sent with {previous}'s credentials. Sign in as {previous}, or use another "
            "folder.",
            file=sys.stderr,
        )
        return 2
    password = args.password
    if password is None:
        password = getpass.getpass(f"Password for {args.username} at {server}: ")
    client = Client(server, timeout=args.timeout, transport=transport)
    answer = client.login(args.username, password, args.label)
    user = answer.get("user") or {}
    changes = {
        "server": client.base_url,
        "username": user.get("username") or args.username.strip().lower(),
        "token": client.token,
        "token_expires_at": answer.get("expires_at"),
    }
    if previous and previous != changes["username"]:
        changes["cursor"] = None  # another officer's cases: start the download afresh
    box.save_state(**changes)
    print(
        f"signed in to {client.base_url} as {changes['username']}"
        f" (token for {args.label!r} until {answer.get('expires_at')}); saved in {box.state_path}"
    )
    return 0


def _push(args, transport) -> int:
    box = Outbox(args.folder)
    client = box.client(timeout=args.timeout, transport=transport)
    report = box.push_outbox(client, batch_size=args.batch_size)
    print(
        f"sent {report.sent} (applied {report.applied}, duplicate {report.duplicate}, "
        f"conflict {report.conflict}), rejected {len(report.rejected)}, "
        f"still in outbox {report.kept}; photos uploaded {report.photos_uploaded}"
    )
    for item in report.rejected:
        fields = ", ".join(f"{e.get('field')}: {e.get('code')}" for e in item.get("errors") or [])
        print(
            f"  rejected {item['op_id']} ({item.get('type')}): {item['code']}: "
            f"{item.get('message')}" + (f" [{fields}]" if fields else "")
        )
    for item in report.photos_rejected:
        print(f"  photo rejected {item['sha256']}: {item['code']}: {item['message']}")
    if report.error is not None:
        print(
            f"error: {report.error.message}; {report.kept} operation(s) stay in the outbox "
            "and are safe to send again",
            file=sys.stderr,
        )
    return report.exit_code


def _pull(args, transport) -> int:
    box = Outbox(args.folder)
    client = box.client(timeout=args.timeout, transport=transport)
    report = box.pull(client, limit=args.limit)
    removed = ", ".join(f"{t['id']} ({t.get('reason')})" for t in report.removed)
    print(
        f"cursor {report.cursor}: {len(report.cases)} case(s) updated, "
        f"{len(report.removed)} removed" + (f": {removed}" if removed else "")
    )
    return 0


def _status(args, transport) -> int:
    status = Outbox(args.folder).status()
    if args.json:
        print(json.dumps(status, indent=1))
        return 0
    signed = f"{status['username']} at {status['server']}" if status["server"] else "not signed in"
    print(f"{status['folder']}: {signed}")
    print(
        f"outbox {status['outbox']}, sent {status['sent']}, rejected {status['rejected']}, "
        f"photos waiting {status['photos_waiting']}"
    )
    print(f"cases held {status['cases']}, last cursor {status['cursor'] or '(none)'}")
    if status["last_push_error"]:
        print(f"last push stopped: {status['last_push_error']}")
    return 0


_COMMANDS = {"login": _login, "push": _push, "pull": _pull, "status": _status}
