"""Files only their owner may read: folders 0700 and files 0600, whatever the process's umask.

The instance folder holds the database (names, NIKs, family trees), photos, the secret key, the
signing and audit keys and the audit checkpoints; no other local user has any business there.
"""

import os
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path) -> Path:
    """Make `path` and whichever of its parents are missing, each 0700; a folder that exists
    already is left as it is (see `warn_if_open`)."""
    target = Path(path)
    missing, folder = [], target
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another process, as it saw fit
            continue
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode passes through the umask
    return target


def create_private_file(path) -> bool:
    """Create an empty file 0600 unless it exists; True when it was made here."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def open_to_others(path) -> bool:
    """True when the group or other users may read, write or enter `path`."""
    return bool(stat.S_IMODE(os.stat(path).st_mode) & 0o077)


def warn_if_open(folder, logger) -> None:
    """Log a warning when the group or other users may read or write the folder."""
    mode = stat.S_IMODE(os.stat(folder).st_mode)
    if mode & 0o066:
        logger.warning(
            "the instance folder %s can be read or written by other users (mode %s): it holds "
            "the database, keys and photos; run `chmod 700 %s`",
            folder,
            oct(mode),
            folder,
        )
