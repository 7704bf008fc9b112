"""What the evidence checks keep (server/evidence/service.py): what each photo says of itself, which submission
versions have been checked and with what facts, the flags found, and each project's thresholds."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class PhotoFacts(Base):
    """What a photo's bytes say, read once per blob (photos.py): its capture time as the camera wrote it (EXIF
    DateTimeOriginal, local, with its offset where present) and a perceptual hash. `error` says why nothing
    could be read (not an image the server decodes)."""

    __tablename__ = "photo_facts"
    blob_id: Mapped[int] = mapped_column(sa.ForeignKey("blobs.id"), primary_key=True)
    taken_at: Mapped[str | None] = mapped_column(sa.String(19))  # "2026-11-20T09:05:00", as written
    taken_offset: Mapped[str | None] = mapped_column(sa.String(6))  # "+07:00", when the camera wrote one
    phash: Mapped[int | None] = mapped_column(sa.BigInteger)  # 64 bits, as a signed integer
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.String(200))
    thumb: Mapped[bytes | None] = mapped_column(sa.LargeBinary)  # its central region, 32 × 32 grey (1 KiB)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhotoHashBand(Base):
    """The index of the perceptual hashes (photos.bands): each hash's 5 bands, so that the photos within a few
    bits of a hash are found by exact look-ups (a hash within 4 bits shares a band), not by reading them all."""

    __tablename__ = "photo_hash_bands"
    band: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    phash: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)  # in the key: a look-up reads the index alone
    blob_id: Mapped[int] = mapped_column(sa.ForeignKey("blobs.id"), primary_key=True)


class EvidenceCheck(Base):
    """A submission version that has been checked, with what later checks of other versions compare against:
    its subject, sender and the instance's start and end. `photos_seen` is how many of its files had arrived;
    -1 when one arrived since (it is then checked again)."""

    __tablename__ = "evidence_checks"
    submission_def_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_defs.id", ondelete="CASCADE"),
                                                   primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    submitter_id: Mapped[int | None] = mapped_column(sa.Integer)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    photos_seen: Mapped[int] = mapped_column(sa.Integer)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.Index("ix_evidence_checks_pace", "project_id", "submitter_id", "ended_at"),
                      sa.Index("ix_evidence_checks_stale", "photos_seen", postgresql_where=sa.text("photos_seen < 0"),
                               sqlite_where=sa.text("photos_seen < 0")))


class EvidenceFlag(Base):
    """One thing a check found about a submission version: its `kind` (checks.KINDS), what in the version it is
    about (`ref`: a photo's name and the other version, or "" for the version as a whole) and the `evidence`
    (distances, times, the other submission). Severity is the project's setting for the kind, read when shown.
    `found_by_def_id`: the version whose check found it (a reused photo flags both versions)."""

    __tablename__ = "evidence_flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_def_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_defs.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    ref: Mapped[str] = mapped_column(sa.String(300), default="")
    evidence: Mapped[dict] = mapped_column(sa.JSON)
    found_by_def_id: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("submission_def_id", "kind", "ref"),
                      sa.Index("ix_evidence_flags_project_kind", "project_id", "kind"))


class EvidenceMark(Base):
    """How far a project's submission versions are known to be checked: every version with an id up to
    `upto_id` is checked or no longer current (as scoring's marks: looking for what is pending reads only the
    versions above it)."""

    __tablename__ = "evidence_marks"
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    upto_id: Mapped[int] = mapped_column(sa.Integer)


class EvidenceSettings(Base):
    """A project's thresholds and severities, where they differ from the defaults (settings.py)."""

    __tablename__ = "evidence_settings"
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    settings: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
