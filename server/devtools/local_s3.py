"""A real S3-compatible server on 127.0.0.1 (moto's, from the `moto[server]` dev dependency)
for the off-site backup tests and the restore drill: started on a free port, stopped by its
own PID, with one bucket made beforehand, as an operator makes theirs.
"""

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

START_TIMEOUT_SECONDS = 30.0
# moto accepts any keys; these stand for the operator's, and show up nowhere they should not.
ACCESS_KEY_ID = "AKIAORDERSYSTEMTEST1"
SECRET_ACCESS_KEY = "s3cr3t-backup-key-never-in-logs"  # noqa: S105
REGION = "eu-west-1"


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class LocalS3:
    endpoint: str
    bucket: str

    def client(self) -> Any:
        """A boto3 S3 client for it (boto3 comes with moto and has no types of its own)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION,
        )

    def settings(self, prefix: str = "order_system") -> dict[str, str]:
        """The BACKUP_S3_* settings of backup.sh and restore.sh for this bucket."""
        return {
            "BACKUP_S3_ENDPOINT": self.endpoint,
            "BACKUP_S3_BUCKET": self.bucket,
            "BACKUP_S3_REGION": REGION,
            "BACKUP_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "BACKUP_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "BACKUP_S3_PREFIX": prefix,
        }

    def object_keys(self) -> list[str]:
        """Every object's key in the bucket, sorted."""
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def write(self, key: str, body: bytes) -> None:
        self.client().put_object(Bucket=self.bucket, Key=key, Body=body)


@contextmanager
def local_s3(bucket: str = "order-system-backups") -> Iterator[LocalS3]:
    """moto's server on a free loopback port, with `bucket` made; stopped afterwards."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = LocalS3(endpoint=f"http://127.0.0.1:{port}", bucket=bucket)
        for attempt in Retrying(
            stop=stop_after_delay(START_TIMEOUT_SECONDS),
            wait=wait_fixed(0.1),
            retry=retry_if_exception_type(OSError),
            reraise=True,
        ):
            with attempt:
                assert process.poll() is None, f"moto's server exited on port {port}"
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
        server.client().create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
