"""The administrative tree: provinces, (legacy) districts, communes and hamlets, and app users' area scopes.

Vietnam abolished districts on 1 July 2025: a commune's parent is now its province, and the district it
belonged to before stays as `legacy_district_id`, so records of both shapes coexist in one tree.
"""

from datetime import date, datetime

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

LEVELS = ("province", "district", "commune", "hamlet")
# A PostGIS multipolygon on PostgreSQL (written from GeoJSON text, GIST-indexed by the migration);
# the GeoJSON text itself on SQLite, as submission locations keep text there.
BOUNDARY = sa.Text().with_variant(
    Geometry("MULTIPOLYGON", srid=4326, spatial_index=False, from_text="ST_GeomFromGeoJSON"), "postgresql")


class Area(Base):
    """One administrative unit. `code` is the national code (province 2 digits, district 3, commune 5) or,
    for hamlets, which have none, a code the project assigns (e.g. the commune's code + '-' + a number)."""

    __tablename__ = "areas"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    level: Mapped[str] = mapped_column(sa.String(10))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    legacy_district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    boundary = mapped_column(BOUNDARY, nullable=True, deferred=True)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        sa.CheckConstraint("level IN ('province', 'district', 'commune', 'hamlet')", name="level"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="validity"),
    )


class FieldKeyArea(Base):
    """An app user serves an area (and everything below it): the registries it downloads are cut to these."""

    __tablename__ = "field_key_areas"
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("field_keys.actor_id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), primary_key=True, index=True)


class UserArea(Base):
    """A web user's work in a project is limited to an area (and everything below it): a commune officer
    confirms recognition only for the commune's subjects and sees only its results. A user with no areas in a
    project is not limited there (server/areas/service.py user_scope)."""

    __tablename__ = "user_areas"
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), primary_key=True, index=True)
