"""Media files: recognised by their content, stored under their SHA-256, never overwritten.

Two stores keep them with the same guarantees (`MediaStorage`): a folder on the app's disk
(`FileStorage`, the embedded default) and an S3-compatible object store shared by every node
of a cluster (`sync.s3.S3Storage`). Each refuses bytes that are not the ones their hash names
(an upload cut short, or other bytes), stores a photo whole or not at all, and never replaces
one it holds.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_type(data: bytes) -> str | None:
    """The image type the bytes really are (JPEG, PNG or WebP), whatever the name or header says."""
    for magic, mime in SIGNATURES:
        if data.startswith(magic):
            return mime
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class HashMismatch(ValueError):
    """The bytes are not the ones the SHA-256 names: cut short, or others."""


class MediaMissing(LookupError):
    """No photo is stored under this SHA-256."""


class MediaUnavailable(RuntimeError):
    """The store cannot be reached, or failed on its side: nothing was stored; try again."""


class MediaStorage(Protocol):
    """Where photos are kept, each under the SHA-256 of its bytes."""

    def exists(self, sha256: str) -> bool:
        """Whether a photo is stored under this hash."""
        ...

    def put(self, sha256: str, data: bytes) -> bool:
        """Store the bytes once, whole: False when they were there already (nothing is
        replaced); HashMismatch when they are not the bytes the hash names."""
        ...

    def read(self, sha256: str) -> bytes:
        """The photo's bytes; MediaMissing when none is stored under this hash."""
        ...


def check_hash(sha256: str, data: bytes) -> bytes:
    """The bytes' SHA-256 digest, when it is the one `sha256` names; HashMismatch otherwise."""
    digest = hashlib.sha256(data).digest()
    if digest.hex() != sha256:
        raise HashMismatch(sha256)
    return digest


def _private_folder(path: Path) -> None:
    """Make `path` and its missing parents, each 0700 whatever the umask: photos of people and
    their papers are for the app's own user only."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by another upload
            continue
        os.chmod(folder, 0o700)


class FileStorage:
    """Files in a folder, two levels of fan-out by hash. A photo is written to a temporary file
    and linked under its name only when whole, and a link never replaces a file there (two
    uploads of one photo at once: the second finds the first's). Folders are made 0700 and
    files 0600."""

    def __init__(self, root):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put(self, sha256: str, data: bytes) -> bool:
        """Store the bytes once; False when they were there already (nothing is replaced)."""
        check_hash(sha256, data)
        target = self.path(sha256)
        if target.exists():
            return False
        _private_folder(target.parent)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o600)
            os.link(temp, target)  # unlike a rename, never replaces a file already there
        except FileExistsError:
            return False
        finally:
            Path(temp).unlink(missing_ok=True)
        return True

    def read(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise MediaMissing(sha256) from None
