"""Photos in an S3-compatible object store (SeaweedFS, MinIO, Ceph, AWS S3), shared by every
node of a cluster, with the folder's guarantees (sync.media.MediaStorage):

- addressed by SHA-256: the object's key is the hash of its bytes, and bytes that are not the
  ones it names are refused before anything is sent (HashMismatch);
- whole or not at all: the upload carries the bytes' SHA-256 checksum, so the store keeps an
  object only when every byte arrived (a body cut short in transit is refused by the store);
- never overwritten: the upload is conditional (`If-None-Match: *`), so the store refuses it
  when an object is there already, even one written a moment before by another node.
"""

import base64
import contextlib

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as StoreConnectionError

from sync.media import MediaMissing, MediaUnavailable, check_hash, sniff_type


def _status(error: ClientError) -> int:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)


@contextlib.contextmanager
def _reaching_the_store():
    """The store unreachable (no connection, a timeout) or failing on its side (5xx, after
    boto3's retries) is MediaUnavailable; its other answers pass as they are."""
    try:
        yield
    except (StoreConnectionError, HTTPClientError) as error:
        raise MediaUnavailable(str(error)) from error
    except ClientError as error:
        if _status(error) >= 500:
            raise MediaUnavailable(str(error)) from error
        raise


class S3Storage:
    """One bucket; each photo an object named by its SHA-256."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        client=None,
    ):
        self.bucket = bucket
        if client is None:
            # Path-style addresses (endpoint/bucket/key) for a store of our own, which has no
            # wildcard DNS name per bucket; AWS itself takes either. Credentials left out come
            # from boto3's usual places (AWS_* variables, ~/.aws, the machine's role).
            addressing = {"addressing_style": "path"} if endpoint_url else {}
            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret_access_key or None,
                config=Config(
                    s3=addressing,
                    connect_timeout=5,
                    read_timeout=30,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        self.client = client

    def key(self, sha256: str) -> str:
        return sha256

    def exists(self, sha256: str) -> bool:
        try:
            with _reaching_the_store():
                self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as error:
            if _status(error) == 404:
                return False
            raise
        return True

    def put(self, sha256: str, data: bytes) -> bool:
        """Store the bytes once, whole: False when the store holds them already."""
        digest = check_hash(sha256, data)
        try:
            with _reaching_the_store():
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.key(sha256),
                    Body=data,
                    ContentType=sniff_type(data) or "application/octet-stream",
                    ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                    IfNoneMatch="*",
                )
        except ClientError as error:
            status = _status(error)
            if status == 412:  # PreconditionFailed: an object is there, and stays as it is
                return False
            # 409 ConditionalRequestConflict: another upload of the same key at this moment.
            if status == 409 and self.exists(sha256):
                return False
            raise
        return True

    def read(self, sha256: str) -> bytes:
        try:
            with _reaching_the_store():
                answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
                with answer["Body"] as body:
                    return body.read()
        except ClientError as error:
            if _status(error) == 404:
                raise MediaMissing(sha256) from None
            raise
