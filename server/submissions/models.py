"""Submissions: one row per instance, one definition row per version (the XML exactly as received)."""

from datetime import datetime

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..blobs.models import Blob
from ..db import Base, UTCDateTime, utcnow

REVIEW_STATES = ("hasIssues", "edited", "approved", "rejected")
# A PostGIS point on PostgreSQL; EWKT text on SQLite (no SpatiaLite needed for the embedded default).
POINT = sa.Text().with_variant(Geometry("POINT", srid=4326, spatial_index=False), "postgresql")


class Submission(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("forms.id"), index=True)
    instance_id: Mapped[str] = mapped_column(sa.String(255))  # the first version's instanceID: the stable id
    submitter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_agent: Mapped[str | None] = mapped_column(sa.String(500))
    review_state: Mapped[str | None] = mapped_column(sa.String(10))
    # Where it was made, given at ingest (submissions/placing.py): the subject's area from its registry entry,
    # else the hamlet whose boundary holds the geopoint, else none (then only users without an area limit see it)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    # An app user with areas sent it for a subject outside them: it counts only once approved
    outside_areas: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        sa.UniqueConstraint("form_id", "instance_id"),
        sa.CheckConstraint("review_state IS NULL OR review_state IN ('hasIssues', 'edited', 'approved', 'rejected')",
                           name="review_state"),
        sa.Index("ix_submissions_form_id_created_at", "form_id", "created_at"),  # the desk's table, newest first
        # the desk's counts and submitter list: live submissions, read from the index alone
        sa.Index("ix_submissions_live", "form_id", "submitter_id", "area_id", "review_state",
                 postgresql_where=sa.text("deleted_at IS NULL"), sqlite_where=sa.text("deleted_at IS NULL")),
    )


class SubmissionDef(Base):
    """One version of a submission, with what maps and scoring need extracted once at ingest."""

    __tablename__ = "submission_defs"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id"), index=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("forms.id"))
    form_def_id: Mapped[int] = mapped_column(sa.ForeignKey("form_defs.id"), index=True)
    instance_id: Mapped[str] = mapped_column(sa.String(255))
    xml: Mapped[str] = mapped_column(sa.Text)
    xml_sha256: Mapped[str] = mapped_column(sa.String(64))
    current: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    instance_name: Mapped[str | None] = mapped_column(sa.String(500))
    submitter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"))
    device_id: Mapped[str | None] = mapped_column(sa.String(255))
    user_agent: Mapped[str | None] = mapped_column(sa.String(500))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    altitude: Mapped[float | None] = mapped_column(sa.Float)
    accuracy: Mapped[float | None] = mapped_column(sa.Float)
    location = mapped_column(POINT, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attachments: Mapped[list["SubmissionAttachment"]] = relationship(order_by="SubmissionAttachment.id")
    __table_args__ = (sa.UniqueConstraint("form_id", "instance_id"),
                      sa.Index("ix_submission_defs_form_id_id", "form_id", "id"),  # what is above a scoring mark
                      # each submission's current version, and its name for the desk's search, without the XML
                      sa.Index("ix_submission_defs_current", "submission_id",
                               postgresql_include=["id", "instance_name"], postgresql_where=sa.text("current IS true"),
                               sqlite_where=sa.text("current IS 1")))
    # and on PostgreSQL ix_submission_defs_name_trgm: lower(instance_name) by trigrams, for the search (0013)


class SubmissionAttachment(Base):
    """A file the submission's XML names in a binary field; blob_id NULL until it arrives."""

    __tablename__ = "submission_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_def_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_defs.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    blob_id: Mapped[int | None] = mapped_column(sa.ForeignKey("blobs.id"))
    content_type: Mapped[str | None] = mapped_column(sa.String(255))
    blob: Mapped[Blob | None] = relationship()
    __table_args__ = (sa.UniqueConstraint("submission_def_id", "name"),)


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
