"""What the desk remembers of a person: when she last opened each form's submissions (for "new since your
last visit")."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class DeskVisit(Base):
    __tablename__ = "desk_visits"
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"), primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("forms.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
