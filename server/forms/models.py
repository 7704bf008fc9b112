"""Forms, their versions (definitions) and the media files each version carries."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..blobs.models import Blob
from ..db import Base, UTCDateTime, utcnow

NOT_DELETED = sa.text("deleted_at IS NULL")
PUBLISHED = sa.text("published_at IS NOT NULL")


class Form(Base):
    __tablename__ = "forms"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    xml_form_id: Mapped[str] = mapped_column(sa.String(256))
    state: Mapped[str] = mapped_column(sa.String(10), default="open")
    current_def_id: Mapped[int | None] = mapped_column(sa.ForeignKey("form_defs.id", use_alter=True))
    draft_def_id: Mapped[int | None] = mapped_column(sa.ForeignKey("form_defs.id", use_alter=True))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_def: Mapped["FormDef | None"] = relationship(foreign_keys=[current_def_id], post_update=True)
    draft_def: Mapped["FormDef | None"] = relationship(foreign_keys=[draft_def_id], post_update=True)
    __table_args__ = (
        sa.Index("uq_forms_project_xml_form_id", "project_id", "xml_form_id", unique=True,
                 sqlite_where=NOT_DELETED, postgresql_where=NOT_DELETED),
        sa.CheckConstraint("state IN ('open', 'closing', 'closed')", name="state"),
    )


class FormDef(Base):
    """One version of a form: the XForm exactly as served, and the spreadsheet it came from."""

    __tablename__ = "form_defs"
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("forms.id"), index=True)
    xml: Mapped[str] = mapped_column(sa.Text, deferred=True)  # loaded when used: submissions need only its fields
    version: Mapped[str] = mapped_column(sa.String(256), default="")
    name: Mapped[str] = mapped_column(sa.String(500))
    hash: Mapped[str] = mapped_column(sa.String(32))  # md5 of the XML bytes: the formList hash
    sha256: Mapped[str] = mapped_column(sa.String(64))
    xls_blob_id: Mapped[int | None] = mapped_column(sa.ForeignKey("blobs.id"))
    xls_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    warnings: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attachments: Mapped[list["FormAttachment"]] = relationship(back_populates="form_def", order_by="FormAttachment.id")
    xls_blob: Mapped[Blob | None] = relationship()
    form: Mapped[Form] = relationship(foreign_keys=[form_id])
    __table_args__ = (
        sa.Index("uq_form_defs_published_version", "form_id", "version", unique=True,
                 sqlite_where=PUBLISHED, postgresql_where=PUBLISHED),
    )

    @property
    def content_key(self) -> tuple:
        """What the version is made of: its XForm's sha256 and its workbook's (None if uploaded as XML; the
        scoring rules live there). Caches of what a version means key on this, not on the id, which comes
        again when a database is made anew."""
        return self.sha256, self.xls_blob.sha256 if self.xls_blob is not None else None


class FormAttachment(Base):
    """A media or data file a form version expects; blob_id is NULL until someone uploads it."""

    __tablename__ = "form_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    form_def_id: Mapped[int] = mapped_column(sa.ForeignKey("form_defs.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(10))
    blob_id: Mapped[int | None] = mapped_column(sa.ForeignKey("blobs.id"))
    content_type: Mapped[str | None] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_def: Mapped[FormDef] = relationship(back_populates="attachments")
    blob: Mapped[Blob | None] = relationship()
    __table_args__ = (sa.UniqueConstraint("form_def_id", "name"),)
