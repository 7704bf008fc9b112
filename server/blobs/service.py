"""Blob rows over the store: write bytes durably, then record (or find) their row."""

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from . import queries
from .models import Blob
from .store import LocalBlobStore


def blob_store():
    return LocalBlobStore(current_app.config["BLOB_DIR"])


def store_blob_stream(stream, limit=None) -> Blob:
    """Store the stream's bytes and return their Blob row (shared when the bytes already exist)."""
    return ensure_blob_row(blob_store().put_stream(stream, limit=limit))


def store_blob_bytes(data: bytes) -> Blob:
    return ensure_blob_row(blob_store().put_bytes(data))


def ensure_blob_row(stored) -> Blob:
    existing = queries.get_blob_by_sha256(stored.sha256)
    if existing:
        return existing
    blob = Blob(sha256=stored.sha256, md5=stored.md5, size=stored.size)
    try:
        with db.session.begin_nested():
            db.session.add(blob)
    except IntegrityError:  # another request stored the same bytes a moment ago
        return queries.get_blob_by_sha256(stored.sha256)
    return blob


def open_blob(blob: Blob):
    return blob_store().open(blob.sha256)
