"""Files only their owner may read: the database, photos, keys and audit checkpoints are made
0600 in folders 0700 whatever the umask, and an instance folder open to others is warned of."""

import logging
import os
import stat
from pathlib import Path

import pytest

from fieldcheck import audit, create_app, migrations, signing
from fieldcheck.clock import FixedClock
from fieldcheck.db import database, sqlite_url
from sync.media import sha256_of


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    """The umask most systems give: files 0644 and folders 0755 unless the app says otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def make_app(instance: Path, **settings):
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "CLOCK": FixedClock(),
            "DATABASE_POOL": False,
            **settings,
        }
    )


def test_every_file_the_app_makes_is_its_owners_alone_under_umask_022(umask_022, tmp_path):
    instance = tmp_path / "instance"
    outside = tmp_path / "anchors" / "audit" / "checkpoints.jsonl"
    app = make_app(instance, AUDIT_CHECKPOINT_LOG=str(outside))
    photo = b"\xff\xd8\xff" + b"photo" * 10
    sha = sha256_of(photo)
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            migrations.upgrade(database)  # the database, with its -wal and -shm files open
            audit.record("case.read", subject=("case", 1), at=app.extensions["clock"].now())
            assert audit.seal() == 1  # the audit key and the first checkpoint
            app.extensions["media"].put(sha, photo)
            signing.create_key(app.instance_path)
            db_file = instance / "fieldcheck.db"
            private_files = [
                instance / "secret_key",
                db_file,
                Path(f"{db_file}-wal"),
                Path(f"{db_file}-shm"),
                app.extensions["media"].path(sha),
                instance / audit.KEY_FILE,
                outside,
                *(instance / "keys").iterdir(),
            ]
            folders = [
                instance,
                instance / "media",
                instance / "media" / sha[:2],
                instance / "media" / sha[:2] / sha[2:4],
                instance / "keys",
                outside.parent,
                outside.parent.parent,
            ]
            assert {str(p): oct(mode(p)) for p in private_files} == {
                str(p): "0o600" for p in private_files
            }
            assert {str(p): oct(mode(p)) for p in folders} == {str(p): "0o700" for p in folders}
        finally:
            database.close()


def test_an_earlier_database_file_open_to_others_is_narrowed(umask_022, tmp_path, caplog):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    old = instance / "fieldcheck.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        make_app(instance, DATABASE_URL=sqlite_url(old))
    assert mode(old) == 0o600
    assert "readable by its owner only" in caplog.text


def test_an_instance_folder_others_may_read_is_warned_of_at_start(umask_022, tmp_path, caplog):
    instance = tmp_path / "instance"
    instance.mkdir()
    instance.chmod(0o755)
    with caplog.at_level(logging.WARNING):
        make_app(instance)
    assert "can be read or written by other users (mode 0o755)" in caplog.text
    assert mode(instance) == 0o755  # an operator's folder is theirs to change


def test_a_private_instance_folder_is_not_warned_of(umask_022, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(tmp_path / "instance")
    assert mode(tmp_path / "instance") == 0o700
    assert "other users" not in caplog.text
