"""The app's report-signing keys: made, rotated, revoked and published. DESIGN.md, "Field report
and QR"; the QR format is in fieldcheck/domain/qr.py.

Every function takes the app's instance folder (``current_app.instance_path``); the keys live in
``<instance>/keys/``, a folder only its owner may enter (0700):

- ``<key id>.pem``: each private key, PKCS#8 PEM, mode 0600;
- ``keys.json``: the index of every key ever made: key id (hex), created, status (active,
  retired or revoked), retired_at, revoked_at, reason and the public key (SPKI PEM), so public
  keys never depend on the private files and are never deleted.

At most one key is active: it signs new reports. Rotating makes a new active key and retires the
old one, whose reports still verify. Revoking marks a compromised key: every report it signed
verifies as REVOKED. Revoking the active key leaves none active until the next rotation.

Files are written atomically (a temporary file in the same folder, fsync, rename, fsync of the
folder) and changes are serialised by an exclusive lock on ``keys/.lock``, so two
``fieldcheck keys`` commands never lose each other's change. Time is passed in (``now``) by
callers that have a clock; it defaults to the wall clock in UTC.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fieldcheck.domain.qr import key_id_for

KEYS_FOLDER = "keys"
INDEX_FILE = "keys.json"
LOCK_FILE = ".lock"
INDEX_FORMAT = 1

ACTIVE = "active"
RETIRED = "retired"
REVOKED = "revoked"

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class KeyStoreError(Exception):
    """A key-store problem with a stable code: no_keys, keys_exist, no_active_key, unknown_key,
    reason_required, index_corrupt, key_file_missing, key_mismatch."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def keys_dir(folder) -> Path:
    """Where the keys of the instance folder `folder` live."""
    return Path(folder) / KEYS_FOLDER


# --- files --------------------------------------------------------------------------------------


def _ensure_dir(folder) -> Path:
    path = keys_dir(folder)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path, FOLDER_MODE)  # also tightens a folder made by hand
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part;
    the file is created 0600 (never readable by others, not even for a moment)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _locked(folder):
    path = _ensure_dir(folder)
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(fd)  # closing releases the lock


def _load_index(folder) -> dict:
    path = keys_dir(folder) / INDEX_FILE
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": INDEX_FORMAT, "keys": []}
    except (OSError, ValueError) as exc:
        raise KeyStoreError("index_corrupt", f"{path} cannot be read: {exc}") from exc
    if not isinstance(index, dict) or not isinstance(index.get("keys"), list):
        raise KeyStoreError("index_corrupt", f"{path} is not a key index")
    return index


def _save_index(path: Path, index: dict) -> None:
    data = json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _write_atomic(path / INDEX_FILE, data.encode("utf-8"))


def _timestamp(now: datetime | None) -> str:
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# --- keys ---------------------------------------------------------------------------------------


def _new_key(path: Path, index: dict, created: str) -> dict:
    """Make a key whose id no key in the index has, write its private file, and return its
    index entry (the caller adds it to the index and saves)."""
    taken = {entry["key_id"] for entry in index["keys"]}
    while True:  # a 4-byte id collides once in billions: then make another key
        private_key = ec.generate_private_key(ec.SECP256R1())
        kid = key_id_for(private_key.public_key())
        if kid not in taken:
            break
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomic(path / f"{kid}.pem", pem)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "key_id": kid,
        "created": created,
        "status": ACTIVE,
        "retired_at": None,
        "revoked_at": None,
        "reason": None,
        "public_key": public_pem.decode("ascii"),
    }


def _public_view(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "public_key"}


def create_key(folder, now: datetime | None = None) -> dict:
    """Make the first signing key (active). Raises KeyStoreError("keys_exist") if there are
    keys already: use rotate_key then."""
    with _locked(folder) as path:
        index = _load_index(folder)
        if index["keys"]:
            raise KeyStoreError("keys_exist", "signing keys exist already: rotate instead")
        entry = _new_key(path, index, _timestamp(now))
        index["keys"].append(entry)
        _save_index(path, index)
        return _public_view(entry)


def rotate_key(folder, now: datetime | None = None) -> dict:
    """Make a new active key; the active one (if any) is retired but still verifies. Works with
    no keys at all too (then it is create_key)."""
    with _locked(folder) as path:
        index = _load_index(folder)
        stamp = _timestamp(now)
        entry = _new_key(path, index, stamp)
        for old in index["keys"]:
            if old["status"] == ACTIVE:
                old["status"] = RETIRED
                old["retired_at"] = stamp
        index["keys"].append(entry)
        _save_index(path, index)
        return _public_view(entry)


def revoke_key(folder, key_id: str, reason: str, now: datetime | None = None) -> dict:
    """Mark a compromised key revoked: its reports verify as REVOKED from now on. Revoking a
    revoked key changes nothing (the first time and reason stay)."""
    if not reason or not reason.strip():
        raise KeyStoreError("reason_required", "say why the key is revoked")
    kid = str(key_id).strip().lower()
    with _locked(folder) as path:
        index = _load_index(folder)
        entry = next((e for e in index["keys"] if e["key_id"] == kid), None)
        if entry is None:
            raise KeyStoreError("unknown_key", f"no signing key has the id {kid}")
        if entry["status"] != REVOKED:
            entry["status"] = REVOKED
            entry["revoked_at"] = _timestamp(now)
            entry["reason"] = reason.strip()
            _save_index(path, index)
        return _public_view(entry)


def list_keys(folder) -> list[dict]:
    """Every key ever made, oldest first: key_id, created, status, retired_at, revoked_at,
    reason."""
    return [_public_view(entry) for entry in _load_index(folder)["keys"]]


def _public_key(entry: dict) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(entry["public_key"].encode("ascii"))
    except (KeyError, ValueError, AttributeError) as exc:
        raise KeyStoreError("index_corrupt", "a public key in the index is unreadable") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key_id_for(key) != entry["key_id"]:
        raise KeyStoreError("index_corrupt", f"the public key of {entry['key_id']} is not its own")
    return key


def active_signing_key(folder) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """(key id, private key) of the active key. KeyStoreError("no_keys") before the first key,
    ("no_active_key") after the active one was revoked and before the next rotation."""
    index = _load_index(folder)
    if not index["keys"]:
        raise KeyStoreError("no_keys", "no signing key yet: run `fieldcheck keys create`")
    entry = next((e for e in index["keys"] if e["status"] == ACTIVE), None)
    if entry is None:
        raise KeyStoreError("no_active_key", "no active signing key: run `fieldcheck keys rotate`")
    path = keys_dir(folder) / f"{entry['key_id']}.pem"
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise KeyStoreError("key_file_missing", f"{path} is missing") from exc
    if (
        not isinstance(private_key, ec.EllipticCurvePrivateKey)
        or key_id_for(private_key.public_key()) != entry["key_id"]
    ):
        raise KeyStoreError("key_mismatch", f"{path} does not hold key {entry['key_id']}")
    return entry["key_id"], private_key


def public_keys(folder) -> dict[str, ec.EllipticCurvePublicKey]:
    """Key id (hex) → public key, for every key, revoked ones included (their reports then
    verify as REVOKED with a summary rather than as an unknown key)."""
    return {entry["key_id"]: _public_key(entry) for entry in _load_index(folder)["keys"]}


def revoked_key_ids(folder) -> set[str]:
    """The ids of revoked keys."""
    return {e["key_id"] for e in _load_index(folder)["keys"] if e["status"] == REVOKED}


def _b64url(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode("ascii")


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict:
    """A P-256 public key as a JWK (RFC 7517/7518): what WebCrypto's importKey("jwk", ...)
    takes with {name: "ECDSA", namedCurve: "P-256"} and usage ["verify"]."""
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x),
        "y": _b64url(numbers.y),
        "alg": "ES256",
        "use": "sig",
        "key_ops": ["verify"],
    }


def export_public(folder) -> dict:
    """The published key list (JWKS-like), for /verify and the PWA's offline check:
    ``{"keys": [{"kid", "kty", "crv", "x", "y", "alg", "use", "key_ops", "status", "revoked",
    "created", "revoked_at"}, ...]}``, every key ever made, oldest first. Each entry can be
    handed to importKey("jwk") as it is (WebCrypto ignores the members it does not know).
    Revocation reasons are internal and not published."""
    keys = []
    for entry in _load_index(folder)["keys"]:
        jwk = public_jwk(_public_key(entry))
        jwk.update(
            kid=entry["key_id"],
            status=entry["status"],
            revoked=entry["status"] == REVOKED,
            created=entry["created"],
            revoked_at=entry["revoked_at"],
        )
        keys.append(jwk)
    return {"keys": keys}
