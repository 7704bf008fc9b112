"""Scores (one row per submission version and the form version whose rules scored it) and plan targets.

A score row is derived data, written by the scoring step (server/scoring/scores.py) and never edited:
rescoring under new rules adds a row beside the old one, so that every result stays reproducible under its
version.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class SubjectScore(Base):
    __tablename__ = "scores"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id"), index=True)
    submission_def_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_defs.id"))
    form_def_id: Mapped[int] = mapped_column(sa.ForeignKey("form_defs.id"))  # whose rules scored it
    ruleset_id: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column("model", sa.String(20))  # gia_dinh, dong_ho, cong_dong, don_vi, cong_dan
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    area_code: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    period: Mapped[int | None] = mapped_column(sa.Integer)
    total: Mapped[float | None] = mapped_column(sa.Float)
    result: Mapped[str | None] = mapped_column(sa.String(100))  # the band or level name reached
    level: Mapped[int | None] = mapped_column(sa.Integer)
    recognised: Mapped[bool] = mapped_column(sa.Boolean)
    mandatory_met: Mapped[bool] = mapped_column(sa.Boolean)
    points: Mapped[dict] = mapped_column(sa.JSON)  # {indicator code: points earned, or null}
    unmet: Mapped[list] = mapped_column(sa.JSON)  # indicator codes not met
    held_back_by: Mapped[list] = mapped_column(sa.JSON)  # requirement codes that held the result back
    # {"vi", "en"}: why it cannot be scored (then it counts in no sum); SQL NULL when it could
    error: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        sa.UniqueConstraint("submission_def_id", "form_def_id"),
        sa.Index("ix_scores_model_period_subject", "model", "period", "subject"),
        sa.Index("ix_scores_listing", "form_def_id", "submission_def_id",  # the desk's table: sort and search
                 postgresql_include=["total", "subject"]),
        # and ix_scores_order (form_def_id, total DESC NULLS LAST, submission_id DESC): by score (migration 0013)
    )


class PlanTarget(Base):
    """One target of a plan, imported from the plan's table (server/scoring/targets.py)."""

    __tablename__ = "plan_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    plan: Mapped[str] = mapped_column(sa.String(255))
    area: Mapped[str] = mapped_column(sa.String(255))  # the area's name as the plan writes it
    area_level: Mapped[str] = mapped_column(sa.String(10))
    area_code: Mapped[str | None] = mapped_column(sa.String(32))  # when the file gives it
    year: Mapped[int] = mapped_column(sa.Integer)
    indicator: Mapped[str] = mapped_column(sa.String(40))
    population: Mapped[str] = mapped_column(sa.String(100))
    target_percent: Mapped[float] = mapped_column(sa.Float)
    comparison: Mapped[str] = mapped_column(sa.String(2))
    source: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("project_id", "plan", "area", "year", "indicator", "population"),)


class RecognitionDecision(Base):
    """An officer's decision on a subject for a period: it confirms the engine's proposal or overrides it
    (with a reason). One per subject and period; a new decision replaces it (the audit log keeps each)."""

    __tablename__ = "recognition_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    kind: Mapped[str] = mapped_column("model", sa.String(20))
    subject: Mapped[str] = mapped_column(sa.String(255))
    period: Mapped[int] = mapped_column(sa.Integer)
    recognised: Mapped[bool] = mapped_column(sa.Boolean)
    proposed: Mapped[bool | None] = mapped_column(sa.Boolean)  # what the engine proposed when deciding
    score_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scores.id"))  # the result decided on
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by: Mapped[int] = mapped_column(sa.ForeignKey("actors.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("project_id", "model", "subject", "period"),)


class MemberScore(Base):
    """A result whose rules read its members' results (share_recognised('gia_dinh')…), scored with the member
    counts it was read with: {"gia_dinh": {"evaluated": 120, "recognised": 95}}. Derived and never edited: when
    the members change, a new row is added under the new counts, so each stays reproducible and reading the same
    counts again costs nothing (server/scoring/member_rollups.py; member_counts.py says how they are kept)."""

    __tablename__ = "member_scores"
    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(sa.ForeignKey("scores.id"), index=True)
    member_counts: Mapped[dict] = mapped_column(sa.JSON)
    member_counts_digest: Mapped[str] = mapped_column(sa.String(64))  # member_counts.counts_digest: one row per counts
    total: Mapped[float | None] = mapped_column(sa.Float)
    result: Mapped[str | None] = mapped_column(sa.String(100))
    level: Mapped[int | None] = mapped_column(sa.Integer)
    recognised: Mapped[bool] = mapped_column(sa.Boolean)
    mandatory_met: Mapped[bool] = mapped_column(sa.Boolean)
    points: Mapped[dict] = mapped_column(sa.JSON)  # {indicator code: points earned, or null}, as scores.points
    unmet: Mapped[list] = mapped_column(sa.JSON)
    held_back_by: Mapped[list] = mapped_column(sa.JSON)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("score_id", "member_counts_digest"),)


class ScoringMark(Base):
    """How far a form version's results are known to be scored: every submission version of its form with an
    id up to `upto_id` is scored under it, or is no longer current (ids are shared by all forms). Looking for
    what is pending then reads only the versions above the mark (server/scoring/scores.py), not a country's
    worth of scores."""

    __tablename__ = "scoring_marks"
    form_def_id: Mapped[int] = mapped_column(sa.ForeignKey("form_defs.id"), primary_key=True)
    upto_id: Mapped[int] = mapped_column(sa.Integer)
