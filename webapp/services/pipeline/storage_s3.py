"""The S3 backend of the file store (AWS S3, SeaweedFS, MinIO, …) through boto3; keys are the files' sha256."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer import exceptions as transfer

from webapp.services.pipeline.storage_contract import DIGEST, FETCH_PREFIX, ObjectMissing, StorageUnavailable

# A refused connection is retried twice within about a second: an upload answers 503 quickly when storage is down.
_CLIENT = BotoConfig(connect_timeout=3, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
# Files up to 64 MB go up in one PUT streamed from disk; larger ones in 16 MB parts, four at a time (bounded memory).
_TRANSFER = TransferConfig(multipart_threshold=64 * 2**20, multipart_chunksize=16 * 2**20, max_concurrency=4)
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


@contextmanager
def _answers() -> Iterator[None]:
    """Turn boto3's errors into the store's two: missing object, or storage away (anything else)."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in _NOT_FOUND:
            raise ObjectMissing(str(exc)) from exc
        raise StorageUnavailable(f"the file store refused the request: {error.get('Code') or exc}") from exc
    except (BotoCoreError, Boto3Error, transfer.RetriesExceededError, transfer.S3DownloadFailedError,
            transfer.S3UploadFailedError) as exc:
        raise StorageUnavailable(f"the file store is not answering: {exc}") from exc


class S3Storage:
    """Files as objects in one bucket, named by their sha256."""

    def __init__(self, bucket: str, endpoint_url: str = "", access_key: str = "", secret_key: str = "",
                 region: str = ""):
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        # Empty credentials leave boto3 to its usual chain (environment, ~/.aws, an instance role).
        config = _CLIENT.merge(BotoConfig(s3={"addressing_style": "path"})) if endpoint_url else _CLIENT
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None, region_name=region or "us-east-1", config=config,
        )

    @classmethod
    def from_config(cls, config) -> "S3Storage":
        """Build the store from the app's S3 settings."""
        return cls(config["S3_BUCKET"], config.get("S3_ENDPOINT_URL", ""), config.get("AWS_ACCESS_KEY_ID", ""),
                   config.get("AWS_SECRET_ACCESS_KEY", ""), config.get("AWS_DEFAULT_REGION", ""))

    def describe(self) -> str:
        """Say where the files are, for operators."""
        return f"the bucket {self.bucket}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def spool_dir(self) -> Path:
        """Spool in the system's temp folder: nothing is kept on this machine."""
        return Path(tempfile.gettempdir())

    def keep(self, spooled: Path, sha256: str) -> None:
        """Upload a spooled file under its digest unless the bucket has it already; the spool is removed either way."""
        try:
            if self.size(sha256) is None:
                self.upload(spooled, sha256)
        finally:
            spooled.unlink(missing_ok=True)

    def upload(self, path: Path, sha256: str) -> None:
        """Put a local file into the bucket under this digest."""
        with _answers():
            self.client.upload_file(str(path), self.bucket, sha256, Config=_TRANSFER)

    @contextmanager
    def fetched(self, sha256: str) -> Iterator[Path]:
        """Download the object to a temporary file, yield its path, and delete it whatever happens."""
        handle = tempfile.NamedTemporaryFile(prefix=FETCH_PREFIX, delete=False)
        handle.close()
        try:
            with _answers():
                self.client.download_file(self.bucket, sha256, handle.name, Config=_TRANSFER)
            yield Path(handle.name)
        finally:
            os.unlink(handle.name)

    def open(self, sha256: str) -> tuple[BinaryIO, int]:
        """Start reading the object; return its body as a stream and its size."""
        with _answers():
            answer = self.client.get_object(Bucket=self.bucket, Key=sha256)
        return answer["Body"], answer["ContentLength"]

    def size(self, sha256: str) -> int | None:
        """Return the object's size, or None if the bucket has no such object."""
        try:
            with _answers():
                return self.client.head_object(Bucket=self.bucket, Key=sha256)["ContentLength"]
        except ObjectMissing:
            return None

    def delete(self, sha256: str) -> None:
        """Remove the object (removing a missing one is not an error)."""
        with _answers():
            self.client.delete_object(Bucket=self.bucket, Key=sha256)

    def objects(self) -> Iterator[tuple[str, int]]:
        """Yield (digest, size) of every object in the bucket whose name is a digest."""
        with _answers():
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
                for item in page.get("Contents", []):
                    if DIGEST.fullmatch(item["Key"]):
                        yield item["Key"], item["Size"]

    def ping(self) -> bool:
        """Tell whether the bucket answers to our credentials."""
        try:
            with _answers():
                self.client.head_bucket(Bucket=self.bucket)
        except ObjectMissing as exc:
            raise StorageUnavailable(f"there is no bucket named {self.bucket}") from exc
        return True

    def create_bucket(self) -> None:
        """Create the bucket if it does not exist yet (tests and embedded servers)."""
        try:
            self.ping()
        except StorageUnavailable:
            with _answers():
                self.client.create_bucket(Bucket=self.bucket)
