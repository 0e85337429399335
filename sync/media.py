"""Media files: recognised by their content, stored under their SHA-256, never overwritten."""

import hashlib
import os
import tempfile
from pathlib import Path

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
    """Files in a folder, two levels of fan-out by hash; writes are atomic (temp file + rename).
    Folders are made 0700 and files 0600."""

    def __init__(self, root):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put(self, sha256: str, data: bytes) -> bool:
        """Store the bytes once; False when they were there already (nothing is replaced)."""
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
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return True

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
