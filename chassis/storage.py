"""Where static and media files live: Amazon S3 when AWS_STORAGE_BUCKET_NAME names a bucket, else the
process itself. Every deployable's settings say `STORAGES = storages_from_env()`.

    no bucket (the default)   static files served by WhiteNoise straight from the app folders (no
                              collectstatic step); media with Django's file system storage
    a bucket                  django-storages' S3 backends: static files under static/ (unsigned URLs, for
                              a public bucket policy or a CDN at AWS_S3_CUSTOM_DOMAIN), media under media/
                              (signed URLs, never overwritten); the release phase runs collectstatic

boto3 reads the credentials, the region and the endpoint (AWS_ENDPOINT_URL_S3, for an emulator) from the
standard AWS_* variables itself.
"""

from __future__ import annotations

from typing import Any

from chassis.env import env_str

S3_STORAGE = "storages.backends.s3.S3Storage"
S3_STATIC_STORAGE = "storages.backends.s3.S3StaticStorage"
LOCAL = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def storages_from_env() -> dict[str, Any]:
    """STORAGES: S3 for static and media files when AWS_STORAGE_BUCKET_NAME is set, the local ones otherwise."""
    bucket = env_str("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        return {name: dict(backend) for name, backend in LOCAL.items()}
    shared = {"bucket_name": bucket, "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN", "").strip() or None}
    return {
        "default": {"BACKEND": S3_STORAGE, "OPTIONS": {**shared, "location": "media", "file_overwrite": False}},
        "staticfiles": {"BACKEND": S3_STATIC_STORAGE, "OPTIONS": {**shared, "location": "static"}},
    }


def collects_static(storages: dict[str, Any]) -> bool:
    """Whether static files must be copied to their storage at release (they are not served from the app)."""
    return bool(storages.get("staticfiles", {}).get("BACKEND") == S3_STATIC_STORAGE)
