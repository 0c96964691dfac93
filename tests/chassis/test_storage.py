"""Static and media files: on S3 when a bucket is configured (moto's server mode over HTTP here), served by
the process itself (WhiteNoise) otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import django.contrib.admin
import pytest
import requests
from moto.server import ThreadedMotoServer

from chassis.storage import collects_static, storages_from_env
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port

BUCKET = "concierge-assets"
# What the deployment's bucket says (README, "Static and media files"): anyone may read static/, not media/.
PUBLIC_STATIC = {"Version": "2012-10-17", "Statement": [{
    "Sid": "PublicStatic", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/static/*"}]}
ADMIN_CSS = Path(django.contrib.admin.__file__).parent / "static" / "admin" / "css" / "base.css"
SHOW_URLS = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.templatetags.static import static
print("url:", static("admin/css/base.css"))
print("url:", default_storage.url(default_storage.save("receipts/order.txt", ContentFile(b"order 1234"))))
"""


@pytest.fixture
def s3() -> Iterator[str]:
    """moto's S3 on a free port, with the bucket created."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client(endpoint).create_bucket(Bucket=BUCKET)
    client(endpoint).put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_STATIC))
    yield endpoint
    server.stop()


def client(endpoint: str) -> Any:  # boto3 builds its client classes at run time
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def notifications(command: list[str], tmp_path: Path, **overrides: str) -> ManagedProcess:
    env = process_env(ENVIRONMENT="development", SECRET_KEY="insecure-local-only-storage-tests", READ_DOT_ENV="false",
                      DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SERVICE_NAME="notifications",
                      SMS_VIA_SNS="false", **overrides)
    process = ManagedProcess([sys.executable, "-m", "extracted.notifications.manage", *command], env)
    assert process.finish(timeout=120) == 0, "\n".join(process.output())
    return process


def test_without_a_bucket_static_files_stay_with_the_process_and_nothing_is_collected(monkeypatch):
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    storages = storages_from_env()
    assert storages["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert not collects_static(storages)


def test_with_a_bucket_the_release_collects_static_files_to_s3_and_media_go_there_too(tmp_path, s3):
    """The notifications service's release phase, then its shell, with nothing but AWS_* variables set."""
    aws = {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_ENDPOINT_URL_S3": s3, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    release = notifications(["release"], tmp_path, **aws)
    stored = client(s3).get_object(Bucket=BUCKET, Key="static/admin/css/base.css")["Body"].read()
    shown = notifications(["shell", "-c", SHOW_URLS], tmp_path, **aws).output()
    static_url, media_url = (line.removeprefix("url: ") for line in shown if line.startswith("url: "))
    assert stored == ADMIN_CSS.read_bytes()
    assert any(line.get("command") == "collectstatic" for line in release.json_lines())
    assert static_url.startswith(f"{s3}/{BUCKET}/static/admin/css/base.css")
    assert requests.get(static_url, timeout=10).content == ADMIN_CSS.read_bytes()
    assert media_url.startswith(f"{s3}/{BUCKET}/media/receipts/order") and "Signature=" in media_url
    assert requests.get(media_url, timeout=10).content == b"order 1234"
    assert requests.get(media_url.split("?")[0], timeout=10).status_code == 403  # media only through signed URLs
