"""The audit trail's anchor outside the database: signed checkpoints of the hash chain's head,
kept in a log file and given to a witness (the model is Certificate Transparency's signed tree
heads, RFC 9162).

A checkpoint says "the chain's first `count` sealed events end with event `last_event_id`,
whose chain hash is `head`", with the time, signed with the instance's audit key (Ed25519, a
file in the instance folder, never in the database). Each seal appends one to the checkpoint log
(JSON lines, only ever appended to), and each line carries the digest of the line before it
(`prev`), so a line taken out of the log breaks the next one's link. The database cannot shorten
or rewrite its chain without disagreeing with a signed head.

Whoever can both rewrite the database and read the audit key can rewrite the log and re-sign it
too. A copy of the checkpoints kept where that person cannot reach (an export handed to a
witness: another office, a write-once store) is what catches it: its heads differ.

No Flask and no database here: the app's side is in fieldcheck.audit.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fieldcheck import files

KEY_FILE = "audit_key.pem"
LOG_FILE = "audit_checkpoints.jsonl"
EXPORT_FORMAT = "fieldcheck-audit-checkpoints"
EXPORT_VERSION = 1
GENESIS = "0" * 64  # the `prev` of a log's first checkpoint

# Every signed text begins so: an audit key's signature means nothing anywhere else.
_SIGNED_PREFIX = b"fieldcheck audit checkpoint v1\n"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = {"at", "count", "head", "key_id", "last_event_id", "prev", "signature"}


class CheckpointError(Exception):
    """A problem with the audit key, the checkpoint log or a witness copy, in plain words."""


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Checkpoint:
    """A signed head of the chain: its first `count` sealed events end with event
    `last_event_id`, whose chain hash is `head`; `prev` is the digest of the log's line before
    (GENESIS for the first); `at` is when it was made (ISO 8601, UTC)."""

    count: int
    last_event_id: int
    head: str
    at: str
    key_id: str
    prev: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        """What the signature covers: every field but the signature."""
        body = {name: value for name, value in asdict(self).items() if name != "signature"}
        return _SIGNED_PREFIX + _canonical(body)

    def line(self) -> bytes:
        """The checkpoint as one line of the log: canonical JSON, then a newline."""
        return _canonical(asdict(self)) + b"\n"

    def digest(self) -> str:
        """What the next line's `prev` holds."""
        return hashlib.sha256(self.line()).hexdigest()

    def as_dict(self) -> dict:
        """The checkpoint as a JSON object (as in an export)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, value, where: str) -> Checkpoint:
        """A checkpoint from its JSON object; CheckpointError, naming `where`, if it is not one."""
        if not isinstance(value, dict) or set(value) != _FIELDS:
            raise CheckpointError(
                f"{where} is not a checkpoint: it must have exactly the fields "
                + ", ".join(sorted(_FIELDS))
            )
        counts = all(type(value[k]) is int and value[k] >= 1 for k in ("count", "last_event_id"))
        texts = all(isinstance(value[k], str) for k in ("at", "key_id", "signature"))
        hashes = all(
            isinstance(value[k], str) and _HEX64.fullmatch(value[k]) for k in ("head", "prev")
        )
        if not (counts and texts and hashes):
            raise CheckpointError(
                f"{where} is not a checkpoint: a field holds the wrong kind of value"
            )
        return cls(**value)


def parse_line(raw: bytes, where: str) -> Checkpoint:
    """One line of the log (with its newline) as a checkpoint; CheckpointError if it is not one
    exactly as FieldCheck writes it."""
    if not raw.endswith(b"\n"):
        raise CheckpointError(f"{where} is cut short: a write was interrupted, or the file was cut")
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise CheckpointError(f"{where} is not JSON: the line was damaged or edited") from exc
    checkpoint = Checkpoint.from_dict(value, where)
    if checkpoint.line() != raw:
        raise CheckpointError(f"{where} is not written as FieldCheck writes it: it was edited")
    return checkpoint


# --- the audit key ------------------------------------------------------------------------------


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short name for a public key: the first 8 bytes of the SHA-256 of its raw bytes, in hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    """A public key as SPKI PEM text."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def signature_holds(public_key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    """True when the checkpoint's signature is the key's signature of what it says."""
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        public_key.verify(signature, checkpoint.signed_bytes())
    except (ValueError, InvalidSignature):
        return False
    return True


class AuditKey:
    """The instance's audit key (Ed25519): signs checkpoints; its public half checks them."""

    def __init__(self, private_key: Ed25519PrivateKey):
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)

    def sign(self, checkpoint: Checkpoint) -> Checkpoint:
        """The checkpoint with this key's id and signature."""
        unsigned = replace(checkpoint, key_id=self.key_id, signature="")
        signature = self._private_key.sign(unsigned.signed_bytes())
        return replace(unsigned, signature=base64.b64encode(signature).decode("ascii"))


def load_key(path) -> AuditKey | None:
    """The audit key in `path`, or None when there is none yet."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"the audit key {path} cannot be read: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"the audit key {path} is not an Ed25519 key")
    return AuditKey(key)


def create_key(path) -> AuditKey:
    """Make the audit key in `path` (0600); if another process made one first, that one."""
    path = Path(path)
    files.private_folder(path.parent)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, files.FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), files.FILE_MODE)
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        os.link(temp, path)  # unlike a rename, never replaces a key that is there
    except FileExistsError:
        return load_key(path)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_folder(path.parent)
    return AuditKey(key)


def _fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- checking a series of checkpoints -----------------------------------------------------------


def check_series(
    entries: Iterable[tuple[str, Checkpoint]], public_key: Ed25519PublicKey
) -> tuple[int, Checkpoint | None]:
    """Hold a series of (where, checkpoint), in log order, to what a log must be: each signed by
    `public_key`, linked to the one before, counting more events than it. Returns how many there
    are and the latest; CheckpointError at the first that does not hold."""
    key_id = key_id_of(public_key)
    previous, number = None, 0
    for where, checkpoint in entries:
        if checkpoint.key_id != key_id:
            raise CheckpointError(
                f"{where} was signed by audit key {checkpoint.key_id}, not by the key it is "
                f"checked with ({key_id})"
            )
        if not signature_holds(public_key, checkpoint):
            raise CheckpointError(
                f"{where} does not match its signature: it was changed after it was signed"
            )
        if checkpoint.prev != (previous.digest() if previous else GENESIS):
            raise CheckpointError(
                f"{where} does not follow the checkpoint before it: "
                + (
                    "one was removed or changed in between"
                    if previous
                    else "the checkpoints before it were removed"
                )
            )
        if previous and (
            checkpoint.count <= previous.count or checkpoint.last_event_id <= previous.last_event_id
        ):
            raise CheckpointError(
                f"{where} counts {checkpoint.count} events, no more than the {previous.count} "
                "of the checkpoint before it: the counts of a log only ever grow"
            )
        previous, number = checkpoint, number + 1
    return number, previous


# --- the checkpoint log -------------------------------------------------------------------------


class CheckpointLog:
    """The checkpoint log (JSON lines, only appended to) and the audit key that signs it."""

    def __init__(self, path, key_path):
        self.path = Path(path)
        self.key_path = Path(key_path)

    @contextmanager
    def appending(self, wait: bool = True) -> Iterator[Appender | None]:
        """Hold the log for one seal, from before its transaction begins to after its checkpoint
        is written, so that `reading` never sees a sealed head whose checkpoint is on its way.
        Yields an Appender, or None when wait=False and another sealer on this host holds it.

        The log is made (0600) before the key, so a key without a log was never used."""
        files.private_folder(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, files.FILE_MODE)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                appender = None
            else:
                appender = self._appender(fd)
            yield appender
        finally:
            os.close(fd)  # closing releases the lock

    def _appender(self, fd: int) -> Appender:
        latest = self._last_line(fd)
        key = load_key(self.key_path)
        if key is None and latest is not None:
            raise CheckpointError(self._key_missing())

        def write(line: bytes):
            first = os.fstat(fd).st_size == 0
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
            if first:
                _fsync_folder(self.path.parent)  # the log's own entry in its folder

        return Appender(self.key_path, latest, key, write)

    def _key_missing(self) -> str:
        return (
            f"the audit key {self.key_path} is missing, yet the checkpoint log {self.path} holds "
            "checkpoints it signed: restore the key from its backup"
        )

    def _last_line(self, fd: int) -> Checkpoint | None:
        """The log's newest checkpoint, read from its end (None for an empty log)."""
        end = os.fstat(fd).st_size
        if end == 0:
            return None
        tail = b""
        while True:
            start = max(0, end - 4096)
            tail = os.pread(fd, end - start, start) + tail
            end = start
            newline = tail.rfind(b"\n", 0, len(tail) - 1)
            if newline >= 0 or start == 0:
                break
        return parse_line(tail[newline + 1 :], f"the last line of the checkpoint log {self.path}")

    @contextmanager
    def reading(self) -> Iterator[int]:
        """Hold off this host's sealers while the caller reads the chain's head: yields how many
        bytes of the log to read (0 when there is no log), which then match that head."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            fd = None
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_SH)
            yield os.fstat(fd).st_size if fd is not None else 0
        finally:
            if fd is not None:
                os.close(fd)

    def entries(self, size: int) -> Iterator[tuple[str, Checkpoint]]:
        """(where, checkpoint) for each line of the log's first `size` bytes; CheckpointError at
        the first line that is not a whole checkpoint."""
        if size == 0:
            return
        with open(self.path, "rb") as log:
            number = 0
            while log.tell() < size:
                number += 1
                where = f"line {number} of the checkpoint log {self.path}"
                yield where, parse_line(log.readline(size - log.tell()), where)

    def _empty(self, seen) -> bool:
        return seen == 0

    def check(self, seen) -> tuple[AuditKey | None, int, Checkpoint | None]:
        """Hold the log as `reading` gave it (`seen`: here its first bytes) to what a log must be
        (`check_series`) with the audit key: returns the key, how many hold, and the latest."""
        key = load_key(self.key_path)
        if key is None:
            if not self._empty(seen):
                raise CheckpointError(self._key_missing())
            return None, 0, None
        count, latest = check_series(self.entries(seen), key.public_key)
        if count == 0:
            raise CheckpointError(
                f"the audit key exists, so checkpoints were made, but the checkpoint log "
                f"{self.path} holds none: it was removed or emptied (if the server stopped during "
                "its very first seal, `fieldcheck audit seal` writes the checkpoint)"
            )
        return key, count, latest

    def export(self, now: str) -> dict:
        """Every checkpoint, with the audit key's public half, for a witness to keep: what
        `read_witness` reads. CheckpointError when the log does not hold or is empty."""
        with self.reading() as size:
            key, _, _ = self.check(size)
        if key is None:
            raise CheckpointError(
                "nothing to export: no checkpoint has been written yet (`fieldcheck audit seal` "
                "writes one when there are events)"
            )
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": now,
            "key_id": key.key_id,
            "public_key": public_pem(key.public_key),
            "checkpoints": [checkpoint.as_dict() for _, checkpoint in self.entries(size)],
        }


class Appender:
    """Writes checkpoints to a log held by `appending` (of CheckpointLog or ObjectCheckpointLog):
    each is signed with the audit key, linked to the latest, and handed to `write(line)`."""

    def __init__(self, key_path: Path, latest: Checkpoint | None, key, write):
        self._key_path = key_path
        self._key = key
        self._write = write
        self.latest = latest

    @property
    def latest_count(self) -> int:
        """How many events the log's newest checkpoint counts (0 before the first)."""
        return self.latest.count if self.latest else 0

    def append(self, *, count: int, last_event_id: int, head: str, at: str) -> Checkpoint:
        """Sign a checkpoint of the chain's head and append it to the log (durably)."""
        if self._key is None:  # the first checkpoint ever: the key is made now
            self._key = create_key(self._key_path)
        checkpoint = self._key.sign(
            Checkpoint(
                count=count,
                last_event_id=last_event_id,
                head=head,
                at=at,
                key_id="",
                prev=self.latest.digest() if self.latest else GENESIS,
            )
        )
        self._write(checkpoint.line())
        self.latest = checkpoint
        return checkpoint


# --- the checkpoint log in an object store ------------------------------------------------------


class ObjectCheckpointLog(CheckpointLog):
    """The checkpoint log as objects of an S3-compatible bucket, one log for every node of a
    cluster (AUDIT_CHECKPOINT_LOG = "s3://BUCKET/PREFIX").

    An object cannot be appended to, so the log is cut in segments of SEGMENT_LINES lines,
    `PREFIX/000000000001.jsonl`, `PREFIX/000000001001.jsonl`, ... (named by their first line's
    number): appending rewrites the newest segment only, never the whole log. Every write is
    conditional: the newest segment is replaced only if it is still the one read (`If-Match`
    its ETag), a new segment is made only if none has its name (`If-None-Match: *`), so two
    nodes appending at once can never both succeed, one's line overwriting the other's.
    SeaweedFS, MinIO and AWS S3 honour both. The sealer (fieldcheck.audit.seal) also holds a
    lock in the database (PostgreSQL's advisory lock) from before it reads the log to after it
    writes, so on PostgreSQL the losing write never happens; the conditions guard the log
    against anything that appends without that lock.

    The audit key stays a file (`key_path`): every node has the same copy (README, Production).
    """

    SEGMENT_LINES = 1000
    # The newest segment seen by this process, per log: a listing starts after it.
    _newest_seen: dict[tuple[str, str], str] = {}

    def __init__(self, client, bucket: str, prefix: str, key_path):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.path = f"s3://{bucket}/{self.prefix}"  # how messages name the log
        self.key_path = Path(key_path)

    def _segment_name(self, first_line: int) -> str:
        return f"{self.prefix}/{first_line:012d}.jsonl"

    def _segments(self, after: str = "") -> list[str]:
        """The segments' names in order (those after `after`, when given)."""
        names = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/", StartAfter=after
        )
        for page in pages:
            names += [item["Key"] for item in page.get("Contents", [])]
        return sorted(name for name in names if name.endswith(".jsonl"))

    def _newest_segment(self) -> str | None:
        seen = self._newest_seen.get((self.bucket, self.prefix), "")
        newer = self._segments(after=seen)
        newest = newer[-1] if newer else seen or None
        if newest:
            self._newest_seen[(self.bucket, self.prefix)] = newest
        return newest

    def _get(self, name: str) -> tuple[bytes, str]:
        answer = self.client.get_object(Bucket=self.bucket, Key=name)
        with answer["Body"] as body:
            return body.read(), answer["ETag"]

    @contextmanager
    def appending(self, wait: bool = True) -> Iterator[Appender | None]:
        """An Appender whose appends are conditional writes of the newest segment (`wait` has
        nothing to wait for here: the lock between nodes is the database's, taken by seal)."""
        from botocore.exceptions import ClientError

        newest = self._newest_segment()
        body, etag, first_line = b"", None, 1
        if newest is not None:
            try:
                body, etag = self._get(newest)
            except ClientError as error:
                if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                    raise
                # The segment this process saw last is gone (the log was removed): the log
                # as it is now, and `verify` tells what is missing.
                self._newest_seen.pop((self.bucket, self.prefix), None)
                newest = self._newest_segment()
                body, etag = self._get(newest) if newest else (b"", None)
            if newest is not None:
                first_line = int(newest.rsplit("/", 1)[1].removesuffix(".jsonl"))
        lines = body.count(b"\n")
        latest = None
        if lines:
            where = f"line {first_line + lines - 1} of the checkpoint log {self.path}"
            latest = parse_line(body[body.rfind(b"\n", 0, len(body) - 1) + 1 :], where)
        key = load_key(self.key_path)
        if key is None and latest is not None:
            raise CheckpointError(self._key_missing())
        state = {"name": newest, "body": body, "etag": etag, "first": first_line}

        def write(line: bytes):
            full = state["name"] is not None and state["body"].count(b"\n") >= self.SEGMENT_LINES
            if state["name"] is None or full:
                first = state["first"] + (self.SEGMENT_LINES if full else 0)
                name, body, condition = self._segment_name(first), line, {"IfNoneMatch": "*"}
            else:
                first, name = state["first"], state["name"]
                body, condition = state["body"] + line, {"IfMatch": state["etag"]}
            try:
                answer = self.client.put_object(
                    Bucket=self.bucket, Key=name, Body=body, **condition
                )
            except ClientError as error:
                if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (409, 412):
                    raise CheckpointError(
                        f"another writer appended to the checkpoint log {self.path} at the same "
                        "moment: this checkpoint was not written (the next seal writes it)"
                    ) from error
                raise
            state.update(name=name, body=body, etag=answer["ETag"], first=first)
            self._newest_seen[(self.bucket, self.prefix)] = name

        yield Appender(self.key_path, latest, key, write)

    @contextmanager
    def reading(self) -> Iterator[list[tuple[int, bytes]]]:
        """The log as it is now: (first line number, bytes) of each segment. Sealers on other
        nodes are held off by the caller (fieldcheck.audit.verify takes the database's lock)."""
        yield [
            (int(name.rsplit("/", 1)[1].removesuffix(".jsonl")), self._get(name)[0])
            for name in self._segments()
        ]

    def entries(self, seen) -> Iterator[tuple[str, Checkpoint]]:
        """(where, checkpoint) for each line of the segments `reading` gave."""
        number = 0
        for first_line, body in seen:
            if first_line != number + 1:
                raise CheckpointError(
                    f"the checkpoint log {self.path} has no line {number + 1}: its segment "
                    "was removed"
                )
            for raw in body.splitlines(keepends=True):
                number += 1
                yield (
                    f"line {number} of the checkpoint log {self.path}",
                    parse_line(raw, f"line {number} of the checkpoint log {self.path}"),
                )

    def _empty(self, seen) -> bool:
        return not any(body for _, body in seen)


# --- a witness's copy ---------------------------------------------------------------------------


@dataclass
class Witness:
    """An exported copy of the checkpoints, as a witness kept it."""

    path: Path
    key_id: str
    checkpoints: list[Checkpoint]


def read_witness(path) -> Witness:
    """Read an export (CheckpointLog.export) and hold it to what a log must be, with the public
    key it carries; CheckpointError when it cannot be read or does not hold."""
    path = Path(path)
    try:
        value = json.loads(path.read_bytes())
    except OSError as exc:
        raise CheckpointError(f"the witness copy {path} cannot be read: {exc.strerror}") from exc
    except ValueError as exc:
        raise CheckpointError(f"the witness copy {path} is not JSON") from exc
    if (
        not isinstance(value, dict)
        or value.get("format") != EXPORT_FORMAT
        or value.get("version") != EXPORT_VERSION
        or not isinstance(value.get("checkpoints"), list)
        or not isinstance(value.get("public_key"), str)
    ):
        raise CheckpointError(
            f"{path} is not an export of audit checkpoints "
            "(`fieldcheck audit checkpoints export` makes one)"
        )
    try:
        public_key = serialization.load_pem_public_key(value["public_key"].encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CheckpointError(f"the public key in the witness copy {path} is unreadable") from exc
    if not isinstance(public_key, Ed25519PublicKey):
        raise CheckpointError(f"the public key in the witness copy {path} is not an Ed25519 key")
    entries = []
    for number, item in enumerate(value["checkpoints"], 1):
        where = f"checkpoint {number} of the witness copy {path}"
        entries.append((where, Checkpoint.from_dict(item, where)))
    check_series(entries, public_key)
    return Witness(path, key_id_of(public_key), [checkpoint for _, checkpoint in entries])
