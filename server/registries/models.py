"""Registries as ODK Central entity lists ("datasets"): households, clans, units, citizens.

An entity keeps only its current version (label, data, version number); earlier versions live in the
audit log, which records every change with its data. Each entity may be tied to the hamlet or commune
it belongs to (`area_id`), resolved from its `thon` or `xa` property, so lists can be cut per app user.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Dataset(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    approval_required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)


class DatasetProperty(Base):
    __tablename__ = "dataset_properties"
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(sa.ForeignKey("datasets.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("dataset_id", "name"),)


class Entity(Base):
    __tablename__ = "entities"
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(sa.ForeignKey("datasets.id"), index=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    label: Mapped[str] = mapped_column(sa.Text)
    data: Mapped[dict] = mapped_column(sa.JSON)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    creator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"))
    updater_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"))  # who made the current version
    user_agent: Mapped[str | None] = mapped_column(sa.String(500))  # of the current version
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (sa.CheckConstraint("version >= 1", name="version"),)
