"""Content-addressed file storage on local disk: bytes are written once, under their SHA-256.

A write goes to a temporary file in the same directory tree, is fsynced, then renamed into place
and the directory fsynced: a crash leaves either the whole file or none of it. The store is a small
interface (put_stream, open, path_of, exists) so an S3-compatible one can stand beside it later.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    md5: str
    size: int


class TooLarge(Exception):
    """The stream went past the byte limit given to put_stream; nothing was stored."""


class LocalBlobStore:
    def __init__(self, root):
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path_of(sha256), "rb")

    def remove_stale_incoming(self, older_than_seconds: float = 3600) -> int:
        """Delete temporary files a crash left half-written in incoming/; return how many."""
        import time
        removed, cutoff = 0, time.time() - older_than_seconds
        for path in (self.root / "incoming").glob("*"):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def put_bytes(self, data: bytes) -> StoredFile:
        import io
        return self.put_stream(io.BytesIO(data))

    def put_stream(self, stream: BinaryIO, limit: int | None = None) -> StoredFile:
        """Copy `stream` into the store, never holding it whole in memory."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        sha256, md5, size = hashlib.sha256(), hashlib.md5(), 0
        fd, temp_path = tempfile.mkstemp(dir=incoming)
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise TooLarge(limit)
                    sha256.update(chunk)
                    md5.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            stored = StoredFile(sha256.hexdigest(), md5.hexdigest(), size)
            self._move_into_place(temp_path, self.path_of(stored.sha256))
            return stored
        finally:
            if os.path.exists(temp_path):
                os.unlink(temp_path)

    @staticmethod
    def _move_into_place(temp_path, final_path):
        final_path.parent.mkdir(parents=True, exist_ok=True)
        if final_path.exists():  # same bytes already stored
            return
        os.replace(temp_path, final_path)
        directory = os.open(final_path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
