"""SQL for scores: what is still to be scored, and which score counts for each subject and period."""

import sqlalchemy as sa
import sqlalchemy.orm

from ..areas.models import Area
from ..areas.queries import descendants_select
from ..extensions import db
from ..forms.models import Form, FormDef
from ..submissions.models import Submission, SubmissionDef
from ..registries.models import Entity
from .models import MemberScore, PlanTarget, RecognitionDecision, SubjectScore
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
    """Insert score rows (dicts of SubjectScore's columns) in one statement; a row already there (scored at the
    same time by another transaction) stays."""
    if rows:
        db.session.execute(_insert_or_nothing(SubjectScore, ["submission_def_id", "form_def_id"]), rows)


def _insert_or_nothing(model, conflict_columns):
    from sqlalchemy.dialects import postgresql, sqlite
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=conflict_columns)


def _counted(project_id, model=None, period=None, area_code=None, models=None, within=None):
    """The scores that count, one per (model, subject, period) in the project: the latest submission that is
    not rejected (nor deleted), in its current version, scored under the rules of its form's current version.
    A subquery of (score_id, form_def_id, model, subject, area_code, period, recognised, rank); rank 1 counts.
    Filters: model (or any of `models`), period, an area with every area below it, and `within` (a SELECT of
    area codes: the caller's scope)."""
    rank = sa.func.row_number().over(
        partition_by=(SubjectScore.model, SubjectScore.subject, SubjectScore.period),
        order_by=(Submission.created_at.desc(), Submission.id.desc())).label("rank")
    ranked = (sa.select(SubjectScore.id.label("score_id"), SubjectScore.form_def_id, SubjectScore.model,
                        SubjectScore.subject, SubjectScore.area_code, SubjectScore.period, SubjectScore.recognised,
                        rank)
              .join(Submission, Submission.id == SubjectScore.submission_id)
              .join(SubmissionDef, SubmissionDef.id == SubjectScore.submission_def_id)
              .join(Form, Form.id == Submission.form_id)
              .where(Form.project_id == project_id, Form.deleted_at.is_(None), Submission.deleted_at.is_(None),
                     sa.or_(Submission.review_state.is_(None), Submission.review_state != "rejected"),
                     SubmissionDef.current.is_(True), SubjectScore.form_def_id == Form.current_def_id,
                     SubjectScore.subject.is_not(None)))
    if model is not None:
        ranked = ranked.where(SubjectScore.model == model)
    if models is not None:
        ranked = ranked.where(SubjectScore.model.in_(models))
    if period is not None:
        ranked = ranked.where(SubjectScore.period == period)
    if area_code is not None:
        below = sa.select(Area.code).where(Area.id.in_(descendants_select(sa.select(Area.id)
                                                                          .where(Area.code == area_code))))
        ranked = ranked.where(SubjectScore.area_code.in_(below))
    if within is not None:
        ranked = ranked.where(SubjectScore.area_code.in_(within))
    return ranked.subquery()


def _decided(project_id, counted):
    """The officer's decision on a counted score, if any: join it to `counted` with an outer join."""
    return sa.and_(RecognitionDecision.project_id == project_id, RecognitionDecision.model == counted.c.model,
                   RecognitionDecision.subject == counted.c.subject, RecognitionDecision.period == counted.c.period)


def counted_results(project_id, model=None, period=None, area_code=None, within=None):
    """The score that counts for each (model, subject, period) in the project (see _counted), with its filters.
    Rows: SubjectScore, instance id, form id, review state."""
    counted = _counted(project_id, model, period, area_code, within=within)
    query = (sa.select(SubjectScore, Submission.instance_id, Form.xml_form_id, Submission.review_state)
             .join(counted, sa.and_(counted.c.score_id == SubjectScore.id, counted.c.rank == 1))
             .join(Submission, Submission.id == SubjectScore.submission_id)
             .join(Form, Form.id == Submission.form_id)
             .order_by(SubjectScore.model, SubjectScore.period, SubjectScore.area_code, SubjectScore.subject))
    return db.session.execute(query).all()


def count_outcomes(project_id, period, exclude_form_def_ids, models=None):
    """Rows (model, period, area_code, evaluated, recognised) summed in the database over the results that count
    (of `models`, if given), but those scored under `exclude_form_def_ids` (their result depends on their
    members: members.py). Recognised is the outcome: the officer's decision where there is one, else the
    proposal."""
    counted = _counted(project_id, period=period, models=models)
    outcome = sa.func.coalesce(RecognitionDecision.recognised, counted.c.recognised)
    query = (sa.select(counted.c.model, counted.c.period, counted.c.area_code, sa.func.count(),
                       sa.func.sum(sa.case((outcome, 1), else_=0)))
             .outerjoin(RecognitionDecision, _decided(project_id, counted))
             .where(counted.c.rank == 1, counted.c.form_def_id.not_in(exclude_form_def_ids))
             .group_by(counted.c.model, counted.c.period, counted.c.area_code))
    return [(model, row_period, area_code, evaluated, int(recognised or 0))
            for model, row_period, area_code, evaluated, recognised in db.session.execute(query)]


def _member_group(counted, link):
    """The column naming the group (the subject whose member it is) of each counted member result, and the
    joins it needs."""
    if link.area:
        return counted.c.area_code, lambda query: query
    entity, household = sa.orm.aliased(Entity), sa.orm.aliased(Entity)
    group = sa.func.coalesce(entity.data[link.property].as_string(), household.data[link.property].as_string())
    return group, lambda query: (query.join(entity, entity.uuid == counted.c.subject)
                                 .outerjoin(household, household.uuid == entity.data["ho"].as_string()))


def count_members(project_id, member_model, link, period, exclude_form_def_ids):
    """Rows (period, group, evaluated, recognised) of the `member_model` results that count, per group named
    by a registry property (a link by area is summed by count_outcomes), but those scored under
    `exclude_form_def_ids`; recognised is the outcome (decision, else proposal)."""
    counted = _counted(project_id, member_model, period)
    group, joined = _member_group(counted, link)
    outcome = sa.func.coalesce(RecognitionDecision.recognised, counted.c.recognised)
    query = joined(sa.select(counted.c.period, group, sa.func.count(), sa.func.sum(sa.case((outcome, 1), else_=0)))
                   .select_from(counted)
                   .outerjoin(RecognitionDecision, _decided(project_id, counted)))
    query = (query.where(counted.c.rank == 1, counted.c.form_def_id.not_in(exclude_form_def_ids))
             .group_by(counted.c.period, group))
    return [(row_period, found, evaluated, int(recognised or 0))
            for row_period, found, evaluated, recognised in db.session.execute(query) if found is not None]


def list_member_groups(project_id, member_model, link, period, form_def_ids):
    """Rows (score_id, period, group, decided) of the `member_model` results that count and were scored under
    `form_def_ids` (those whose own result is rolled up over their members); decided is the decision or None."""
    counted = _counted(project_id, member_model, period)
    group, joined = _member_group(counted, link)
    query = joined(sa.select(counted.c.score_id, counted.c.period, group, RecognitionDecision.recognised)
                   .select_from(counted).outerjoin(RecognitionDecision, _decided(project_id, counted)))
    query = query.where(counted.c.rank == 1, counted.c.form_def_id.in_(form_def_ids))
    return [row for row in db.session.execute(query) if row[2] is not None]


def list_counted_of_forms(project_id, form_def_ids, models, period=None):
    """The results that count scored under `form_def_ids` (forms of `models`): rows (score_id, submission_def_id,
    form_def_id, model, subject, area_code, period, decided), decided being the officer's decision or None."""
    counted = _counted(project_id, period=period, models=models)
    query = (sa.select(counted.c.score_id, SubjectScore.submission_def_id, counted.c.form_def_id, counted.c.model,
                       counted.c.subject, counted.c.area_code, counted.c.period,
                       RecognitionDecision.recognised.label("decided"))
             .join(SubjectScore, SubjectScore.id == counted.c.score_id)
             .outerjoin(RecognitionDecision, _decided(project_id, counted))
             .where(counted.c.rank == 1, counted.c.form_def_id.in_(form_def_ids)))
    return db.session.execute(query).all()


def list_member_scores(project_id, form_def_ids, models, period=None):
    """The kept member scores of the results that count scored under `form_def_ids` (forms of `models`)."""
    counted = _counted(project_id, period=period, models=models)
    columns = [getattr(MemberScore, name) for name in ("score_id", "members", "total", "result", "level", "recognised",
                                                       "mandatory_met", "unmet", "held_back_by")]
    query = (sa.select(*columns).join(counted, counted.c.score_id == MemberScore.score_id)
             .where(counted.c.rank == 1, counted.c.form_def_id.in_(form_def_ids)))
    return db.session.execute(query).all()


def add_member_scores(rows):
    """Insert member scores (dicts of MemberScore's columns); one already kept for the same counts stays."""
    for start in range(0, len(rows), 1000):
        db.session.execute(_insert_or_nothing(MemberScore, ["score_id", "members"]), rows[start:start + 1000])


def list_submission_xml(submission_def_ids):
    """{submission version id: (xml, created_at)}, read in chunks."""
    found, ids = {}, list(submission_def_ids)
    for start in range(0, len(ids), 1000):
        query = (sa.select(SubmissionDef.id, SubmissionDef.xml, SubmissionDef.created_at)
                 .where(SubmissionDef.id.in_(ids[start:start + 1000])))
        found.update((row.id, (row.xml, row.created_at)) for row in db.session.execute(query))
    return found


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
