from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Audit(Base):
    """One change: who did what to which thing, with details and the caller's X-Action-Notes."""

    __tablename__ = "audits"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actors.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    actee_type: Mapped[str | None] = mapped_column(sa.String(32))
    actee_id: Mapped[str | None] = mapped_column(sa.String(255))
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
