"""App users ("field keys"): actors that authenticate with a token in the URL, as ODK Collect does."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Actor
from ..db import Base, UTCDateTime


class FieldKey(Base):
    """An app user of one project. `token` is shown again in listings (as Central does), NULL once revoked."""

    __tablename__ = "field_keys"
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"), primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"))
    token: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor: Mapped[Actor] = relationship(foreign_keys=[actor_id])


class FormAssignment(Base):
    """An actor holds a role on one form (app users: role 2, may download it and submit to it)."""

    __tablename__ = "form_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"), index=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("forms.id"), index=True)
    role_id: Mapped[int] = mapped_column(sa.Integer)
    __table_args__ = (sa.UniqueConstraint("actor_id", "form_id", "role_id"),)
