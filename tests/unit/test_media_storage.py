"""Photo storage: the folder (the embedded default) and an S3 bucket on a real SeaweedFS pass
the same suite: addressed by SHA-256, whole or not at all, never overwritten, a missing photo
said so."""

import base64
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from fieldcheck import media_storage
from sync.media import FileStorage, HashMismatch, MediaMissing, MediaUnavailable
from sync.s3 import S3Storage
from tests import factories
from tests.processes import free_ports


class Folder:
    """A FileStorage, and a way round it to lay bytes where it keeps a photo."""

    def __init__(self, root):
        self.storage = FileStorage(root)

    def plant(self, sha256: str, data: bytes):
        target = self.storage.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class Bucket:
    """An S3Storage on a bucket of its own, and the store's own client to go round it."""

    def __init__(self, store):
        self.bucket = store.new_bucket()
        self.client = store.client()
        self.storage = media_storage(store.settings(self.bucket), instance_path=None)

    def plant(self, sha256: str, data: bytes):
        self.client.put_object(Bucket=self.bucket, Key=sha256, Body=data)


@pytest.fixture(params=["files", "s3"])
def kept(request, tmp_path):
    if request.param == "files":
        return Folder(tmp_path / "media")
    return Bucket(request.getfixturevalue("object_store"))


def test_a_photo_is_stored_and_read_back(kept):
    data, sha = factories.photo(1)
    assert not kept.storage.exists(sha)
    assert kept.storage.put(sha, data) is True
    assert kept.storage.exists(sha)
    assert kept.storage.read(sha) == data


def test_bytes_that_are_not_the_ones_the_hash_names_are_refused(kept):
    data, _ = factories.photo(2)
    other, other_sha = factories.photo(3)
    with pytest.raises(HashMismatch):
        kept.storage.put(other_sha, data)
    assert not kept.storage.exists(other_sha)
    with pytest.raises(MediaMissing):
        kept.storage.read(other_sha)


def test_a_second_upload_of_the_same_bytes_is_harmless(kept):
    data, sha = factories.photo(4)
    assert kept.storage.put(sha, data) is True
    assert kept.storage.put(sha, data) is False
    assert kept.storage.read(sha) == data


def test_what_is_stored_under_a_hash_is_never_replaced(kept):
    data, sha = factories.photo(5)
    kept.plant(sha, b"written there first")  # as by another node, a moment before
    assert kept.storage.put(sha, data) is False
    assert kept.storage.read(sha) == b"written there first"


def test_a_missing_photo_is_said_missing(kept):
    _, sha = factories.photo(6)
    assert not kept.storage.exists(sha)
    with pytest.raises(MediaMissing):
        kept.storage.read(sha)


def test_an_upload_cut_short_leaves_nothing_and_the_whole_one_then_completes(kept):
    data, sha = factories.photo(7)
    with pytest.raises(HashMismatch):
        kept.storage.put(sha, data[: len(data) // 2])
    assert not kept.storage.exists(sha)
    with pytest.raises(MediaMissing):
        kept.storage.read(sha)
    assert kept.storage.put(sha, data) is True
    assert kept.storage.read(sha) == data


def test_the_store_keeps_no_object_whose_bytes_lost_some_on_the_way(object_store):
    """What S3Storage.put relies on: a body whose SHA-256 checksum is not its own (bytes lost
    between the app and the store) is refused by the store itself, and nothing is kept."""
    bucket = object_store.new_bucket()
    client = object_store.client()
    data, sha = factories.photo(8)
    checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
    with pytest.raises(ClientError):
        client.put_object(Bucket=bucket, Key=sha, Body=data[:-5], ChecksumSHA256=checksum)
    assert not S3Storage(bucket, client=client).exists(sha)


def test_the_store_refuses_a_wrong_secret(object_store):
    bucket = object_store.new_bucket()
    data, sha = factories.photo(9)
    wrong = S3Storage(bucket, client=object_store.client(secret_access_key="not-the-secret"))
    with pytest.raises(ClientError) as refused:
        wrong.put(sha, data)
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert not S3Storage(bucket, client=object_store.client()).exists(sha)


def test_settings_pick_the_storage(tmp_path):
    assert isinstance(media_storage({}, tmp_path), FileStorage)
    assert media_storage({}, tmp_path).root == tmp_path / "media"
    folder = media_storage({"MEDIA_ROOT": str(tmp_path / "photos")}, tmp_path)
    assert folder.root == tmp_path / "photos"
    s3 = media_storage(
        {"MEDIA_STORAGE": "s3", "MEDIA_S3_BUCKET": "photos", "MEDIA_S3_REGION": "ap-southeast-3"},
        tmp_path,
    )
    assert isinstance(s3, S3Storage) and s3.bucket == "photos"
    assert s3.client.meta.region_name == "ap-southeast-3"
    with pytest.raises(ValueError, match="MEDIA_S3_BUCKET"):
        media_storage({"MEDIA_STORAGE": "s3"}, tmp_path)
    with pytest.raises(ValueError, match="unsupported MEDIA_STORAGE"):
        media_storage({"MEDIA_STORAGE": "ftp"}, tmp_path)


def test_many_uploads_of_one_photo_at_once_store_it_once(kept):
    """As when a phone retries while its first upload is still going, or two nodes take the
    same photo at the same moment: exactly one upload stores it, the others find it there."""
    data, sha = factories.photo(10)
    uploads = 8
    start = threading.Barrier(uploads)

    def upload(_):
        start.wait()
        return kept.storage.put(sha, data)

    with ThreadPoolExecutor(uploads) as pool:
        stored = list(pool.map(upload, range(uploads)))
    assert sorted(stored) == [False] * (uploads - 1) + [True]
    assert kept.storage.read(sha) == data


def test_a_store_that_cannot_be_reached_is_said_unavailable():
    (nobody,) = free_ports(1)  # nothing listens there
    down = S3Storage(
        "photos",
        endpoint_url=f"http://127.0.0.1:{nobody}",
        region="us-east-1",
        access_key_id="key",
        secret_access_key="secret",
    )
    data, sha = factories.photo(11)
    for attempt in (lambda: down.put(sha, data), lambda: down.read(sha), lambda: down.exists(sha)):
        with pytest.raises(MediaUnavailable):
            attempt()
