"""SQL for scores: what is still to be scored, and which score counts for each subject and period."""

import sqlalchemy as sa

from ..areas.models import Area
from ..areas.queries import descendants_select
from ..extensions import db
from ..forms.models import Form, FormDef
from ..submissions.models import Submission, SubmissionDef
from .models import PlanTarget, RecognitionDecision, SubjectScore
from .rollup import AreaRow


def list_current_form_defs(project_id):
    """The current published version of every live form of the project: its rules score the form's results."""
    query = (sa.select(FormDef).join(Form, Form.current_def_id == FormDef.id)
             .where(Form.project_id == project_id, Form.deleted_at.is_(None)))
    return db.session.execute(query).scalars().all()


def _unscored(form_def_ids):
    """Current versions of live submissions to forms whose current version is one of `form_def_ids`, with no
    score under that version yet (new submissions, edits, and all of them after a new version is published)."""
    scored = sa.exists().where(SubjectScore.submission_def_id == SubmissionDef.id,
                               SubjectScore.form_def_id == Form.current_def_id)
    return (sa.select(SubmissionDef, Form.current_def_id).join(Submission, Submission.id == SubmissionDef.submission_id)
            .join(Form, Form.id == Submission.form_id)
            .where(SubmissionDef.current.is_(True), Form.current_def_id.in_(form_def_ids),
                   Submission.deleted_at.is_(None), ~scored))


def list_unscored_current_defs(form_def_ids, limit):
    """(submission version, the form version to score it under), at most `limit`, oldest first."""
    return db.session.execute(_unscored(form_def_ids).order_by(SubmissionDef.id).limit(limit)).all()


def count_unscored(form_def_ids):
    return db.session.execute(sa.select(sa.func.count()).select_from(_unscored(form_def_ids).subquery())).scalar()


def add_scores(rows):
    """Insert score rows (dicts of SubjectScore's columns) in one statement."""
    if rows:
        db.session.execute(sa.insert(SubjectScore), rows)


def counted_results(project_id, model=None, period=None, area_code=None):
    """The score that counts for each (model, subject, period) in the project: the latest submission that is not
    rejected (nor deleted), in its current version, scored under the rules of its form's current version.
    Filters: model, period, and an area with every area below it. Rows: SubjectScore, instance id, form id,
    review state."""
    rank = sa.func.row_number().over(
        partition_by=(SubjectScore.model, SubjectScore.subject, SubjectScore.period),
        order_by=(Submission.created_at.desc(), Submission.id.desc())).label("rank")
    ranked = (sa.select(SubjectScore.id.label("score_id"), rank)
              .join(Submission, Submission.id == SubjectScore.submission_id)
              .join(SubmissionDef, SubmissionDef.id == SubjectScore.submission_def_id)
              .join(Form, Form.id == Submission.form_id)
              .where(Form.project_id == project_id, Form.deleted_at.is_(None), Submission.deleted_at.is_(None),
                     sa.or_(Submission.review_state.is_(None), Submission.review_state != "rejected"),
                     SubmissionDef.current.is_(True), SubjectScore.form_def_id == Form.current_def_id,
                     SubjectScore.subject.is_not(None)))
    if model is not None:
        ranked = ranked.where(SubjectScore.model == model)
    if period is not None:
        ranked = ranked.where(SubjectScore.period == period)
    if area_code is not None:
        within = sa.select(Area.code).where(Area.id.in_(descendants_select(sa.select(Area.id)
                                                                           .where(Area.code == area_code))))
        ranked = ranked.where(SubjectScore.area_code.in_(within))
    ranked = ranked.subquery()
    query = (sa.select(SubjectScore, Submission.instance_id, Form.xml_form_id, Submission.review_state)
             .join(ranked, sa.and_(ranked.c.score_id == SubjectScore.id, ranked.c.rank == 1))
             .join(Submission, Submission.id == SubjectScore.submission_id)
             .join(Form, Form.id == Submission.form_id)
             .order_by(SubjectScore.model, SubjectScore.period, SubjectScore.area_code, SubjectScore.subject))
    return db.session.execute(query).all()


def list_area_rows():
    """Every area as a plain AreaRow (the tree the roll-ups climb)."""
    query = sa.select(Area.id, Area.code, Area.name, Area.level, Area.parent_id, Area.legacy_district_id)
    return [AreaRow(*row) for row in db.session.execute(query)]


def list_targets(project_id, year=None):
    query = sa.select(PlanTarget).where(PlanTarget.project_id == project_id)
    if year is not None:
        query = query.where(PlanTarget.year == year)
    order = (PlanTarget.plan, PlanTarget.area, PlanTarget.year, PlanTarget.indicator, PlanTarget.population)
    return db.session.execute(query.order_by(*order)).scalars().all()


def get_decision(project_id, model, subject, period):
    query = sa.select(RecognitionDecision).where(
        RecognitionDecision.project_id == project_id, RecognitionDecision.model == model,
        RecognitionDecision.subject == subject, RecognitionDecision.period == period)
    return db.session.execute(query).scalar_one_or_none()


def list_decisions(project_id, model=None, period=None):
    query = sa.select(RecognitionDecision).where(RecognitionDecision.project_id == project_id)
    if model is not None:
        query = query.where(RecognitionDecision.model == model)
    if period is not None:
        query = query.where(RecognitionDecision.period == period)
    return db.session.execute(query).scalars().all()
