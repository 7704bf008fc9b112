from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Blob(Base):
    """A file's identity; its bytes live in the blob store under the SHA-256."""

    __tablename__ = "blobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    md5: Mapped[str] = mapped_column(sa.String(32))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Thumbnail(Base):
    """A photo made small once (server/blobs/thumbnails.py) and kept as a blob of its own: its JPEG bytes live in
    the store like any other file, so each size of each photo is made once, whoever asks and on any server."""

    __tablename__ = "thumbnails"
    blob_id: Mapped[int] = mapped_column(sa.ForeignKey("blobs.id"), primary_key=True)
    size: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # the longest side, in pixels
    thumb_blob_id: Mapped[int] = mapped_column(sa.ForeignKey("blobs.id"))
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
