"""Blob rows over the store: write bytes durably, then record (or find) their row."""

from flask import current_app

from ..db import insert_or_nothing
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
    """The Blob row for stored bytes: inserted, or the existing one (also when another request just stored them)."""
    blob = insert_or_nothing(db.session, Blob, {"sha256": stored.sha256, "md5": stored.md5, "size": stored.size},
                             ["sha256"])
    return blob if blob is not None else queries.get_blob_by_sha256(stored.sha256)


def open_blob(blob: Blob):
    return blob_store().open(blob.sha256)
