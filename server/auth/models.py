"""Who acts: actors (users now, app users next), their sessions and their role assignments."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow


class Actor(Base):
    """Anyone who can be authenticated and audited: a web user or (later) an app user."""

    __tablename__ = "actors"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(20))  # user | field_key
    display_name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped["User | None"] = relationship(back_populates="actor", uselist=False)
    __table_args__ = (sa.CheckConstraint("type IN ('user', 'field_key')", name="type"),)


class User(Base):
    __tablename__ = "users"
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # MD5(email:realm:password), what HTTP Digest (RFC 2617) needs; ODK Collect uses Digest over plain HTTP.
    digest_ha1: Mapped[str | None] = mapped_column(sa.String(32))
    actor: Mapped[Actor] = relationship(back_populates="user")


class Session(Base):
    """A bearer token. Only its SHA-256 is stored, so a database leak gives no working tokens."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[Actor] = relationship()


class Assignment(Base):
    """An actor holds a role site-wide (project_id NULL) or on one project."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"), index=True)
    role_id: Mapped[int] = mapped_column(sa.Integer)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    __table_args__ = (
        sa.Index("uq_assignments_actor_role_project", "actor_id", "role_id", "project_id", unique=True),
        sa.Index("uq_assignments_actor_role_sitewide", "actor_id", "role_id", unique=True,
                 sqlite_where=sa.text("project_id IS NULL"), postgresql_where=sa.text("project_id IS NULL")),
    )


class LoginFailure(Base):
    """One failed login (password, Basic or Digest), kept under "account:<email>" and "address:<ip>": login
    throttling counts them in the database, so that every worker and every node agrees (auth/throttling.py)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(400))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.Index("ix_login_failures_key_failed_at", "key", "failed_at"),)


class DigestNonce(Base):
    """The highest nonce count a Digest nonce was used with: a count that does not increase is a replay."""

    __tablename__ = "digest_nonces"
    nonce: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    nonce_count: Mapped[int] = mapped_column(sa.BigInteger)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
