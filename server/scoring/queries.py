"""SQL for scores: what is still to be scored, and which score counts for each subject and period."""

import sqlalchemy as sa
import sqlalchemy.orm

from ..areas.models import Area
from ..areas.queries import descendants_select
from ..db import dialect_insert
from ..evidence import queries as evidence_queries
from ..evidence.models import EvidenceFlag
from ..evidence.settings import settings_of
from ..extensions import db
from ..forms.models import Form, FormDef
from ..registries.models import Entity
from ..subject_kinds import CONG_DAN, HOUSEHOLD_LINK, groups_of, kind_of
from ..submissions.models import Submission, SubmissionDef
from .area_totals import AreaRow
from .models import MemberScore, PlanTarget, RecognitionDecision, ScoringMark, SubjectScore


def list_current_form_defs(project_id):
    """The current published version of every live form of the project: its rules score the form's results."""
    query = (sa.select(FormDef).join(Form, Form.current_def_id == FormDef.id)
             .where(Form.project_id == project_id, Form.deleted_at.is_(None)))
    return db.session.execute(query).scalars().all()


def _marks(form_def_ids):
    """{form version id: (its form's id, its scoring mark or 0)} of current versions."""
    query = (sa.select(Form.current_def_id, Form.id, sa.func.coalesce(ScoringMark.upto_id, 0))
             .outerjoin(ScoringMark, ScoringMark.form_def_id == Form.current_def_id)
             .where(Form.current_def_id.in_(form_def_ids)))
    return {form_def_id: (form_id, upto) for form_def_id, form_id, upto in db.session.execute(query)}


def _unscored(form_def_id, form_id, upto):
    """Current submission versions of the form, above its current version's scoring mark, with no score under
    that version yet (new submissions, edits, and all of them after a new version is published). Deleted
    submissions are scored too, so that the mark still holds if one is restored."""
    scored = sa.exists().where(SubjectScore.submission_def_id == SubmissionDef.id,
                               SubjectScore.form_def_id == form_def_id)
    return sa.select(SubmissionDef).where(SubmissionDef.form_id == form_id, SubmissionDef.id > upto,
                                          SubmissionDef.current.is_(True), ~scored)


def list_unscored_current_defs(form_def_ids, limit):
    """(submission version, the form version to score it under), at most `limit`, oldest first per form."""
    found = []
    for form_def_id, (form_id, upto) in sorted(_marks(form_def_ids).items()):
        query = _unscored(form_def_id, form_id, upto).order_by(SubmissionDef.id).limit(limit - len(found))
        found += [(submission_def, form_def_id) for submission_def in db.session.execute(query).scalars()]
        if len(found) >= limit:
            break
    return found


def count_unscored(form_def_ids):
    return sum(db.session.execute(sa.select(sa.func.count()).select_from(_unscored(form_def_id, *found).subquery()))
               .scalar() for form_def_id, found in _marks(form_def_ids).items())


def advance_scoring_marks(form_def_ids, settled_before):
    """Move the marks of these form versions (call it when none has anything pending) up to the newest
    submission version of any form created before `settled_before`: a version created earlier but committed
    later than that is the only one a mark could pass over unscored, hence the margin. Versions of other forms
    below the mark do not matter, so an idle form's mark climbs too and the search above it stays short.
    Never moves a mark down."""
    newest = db.session.execute(sa.select(SubmissionDef.id).where(SubmissionDef.created_at < settled_before)
                                .order_by(SubmissionDef.id.desc()).limit(1)).scalar()
    if newest is None:
        return
    insert = dialect_insert(db.session, ScoringMark)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=["form_def_id"], set_={"upto_id": insert.excluded.upto_id},
        where=ScoringMark.upto_id < insert.excluded.upto_id),
        [{"form_def_id": form_def_id, "upto_id": newest} for form_def_id in form_def_ids])


def add_scores(rows):
    """Insert score rows (dicts of SubjectScore's columns) in one statement; a row already there (scored at the
    same time by another transaction) stays."""
    if rows:
        db.session.execute(_insert_or_nothing(SubjectScore, ["submission_def_id", "form_def_id"]), rows)


def _insert_or_nothing(kind, conflict_columns):
    return dialect_insert(db.session, kind).on_conflict_do_nothing(index_elements=conflict_columns)


def _counted(project_id, kind=None, period=None, area_code=None, kinds=None, within=None, subjects=None):
    """The scores that count, one per (kind, subject, period) in the project: the latest submission that is
    not rejected (nor deleted), in its current version, scored under the rules of its form's current version.
    A submission an app user sent for a subject outside its areas counts only once approved; one with an
    error-severity evidence flag counts, but as not recognised until approved (held_by_evidence).
    A subquery of (score_id, form_def_id, kind, subject, area_code, period, recognised, scorable, held, rank): rank 1
    counts; one that could not be scored (not scorable) is listed as such but never summed nor rolled up.
    Filters: kind (or any of `kinds`), period, an area with every area below it, `within` (a SELECT of
    area codes: the caller's scope), and some subjects."""
    rank = sa.func.row_number().over(
        partition_by=(SubjectScore.kind, SubjectScore.subject, SubjectScore.period),
        order_by=(Submission.created_at.desc(), Submission.id.desc())).label("rank")
    held = held_by_evidence(project_id)
    ranked = (sa.select(SubjectScore.id.label("score_id"), SubjectScore.form_def_id, SubjectScore.kind,
                        SubjectScore.subject, SubjectScore.area_code, SubjectScore.period,
                        sa.and_(SubjectScore.recognised, sa.not_(held)).label("recognised"),
                        SubjectScore.error.is_(None).label("scorable"), held.label("held"), rank)
              .join(Submission, Submission.id == SubjectScore.submission_id)
              .join(SubmissionDef, SubmissionDef.id == SubjectScore.submission_def_id)
              .join(Form, Form.id == Submission.form_id)
              .where(Form.project_id == project_id, Form.deleted_at.is_(None), Submission.deleted_at.is_(None),
                     sa.or_(Submission.review_state.is_(None), Submission.review_state != "rejected"),
                     sa.or_(Submission.outside_areas.is_(False), Submission.review_state == "approved"),
                     SubmissionDef.current.is_(True), SubjectScore.form_def_id == Form.current_def_id,
                     SubjectScore.subject.is_not(None)))
    if kind is not None:
        ranked = ranked.where(SubjectScore.kind == kind)
    if kinds is not None:
        ranked = ranked.where(SubjectScore.kind.in_(kinds))
    if subjects is not None:
        ranked = ranked.where(SubjectScore.subject.in_(subjects))
    if period is not None:
        ranked = ranked.where(SubjectScore.period == period)
    if area_code is not None:
        below = sa.select(Area.code).where(Area.id.in_(descendants_select(sa.select(Area.id)
                                                                          .where(Area.code == area_code))))
        ranked = ranked.where(SubjectScore.area_code.in_(below))
    if within is not None:
        ranked = ranked.where(SubjectScore.area_code.in_(within))
    return ranked.subquery()


def held_by_evidence(project_id):
    """Whether the submission version (SubmissionDef, Submission in the query) is held back by its evidence: it has
    a flag of a kind the project counts as an error and no supervisor has approved it (where the project holds
    recognition on errors: evidence/settings.py)."""
    settings = settings_of(evidence_queries.stored_settings(project_id))
    kinds = settings.error_kinds()
    if not settings.hold_recognition or not kinds:
        return sa.false()
    flagged = sa.exists().where(EvidenceFlag.submission_def_id == SubmissionDef.id, EvidenceFlag.kind.in_(kinds))
    return sa.and_(flagged, sa.or_(Submission.review_state.is_(None), Submission.review_state != "approved"))


def _decided(project_id, counted):
    """The officer's decision on a counted score, if any: join it to `counted` with an outer join."""
    return sa.and_(RecognitionDecision.project_id == project_id, RecognitionDecision.kind == counted.c.kind,
                   RecognitionDecision.subject == counted.c.subject, RecognitionDecision.period == counted.c.period)


def _outcome(counted):
    """Recognised in the end: the officer's decision (joined with _decided) where there is one, else the proposal."""
    return sa.func.coalesce(RecognitionDecision.recognised, counted.c.recognised)


def counted_results(project_id, kind=None, period=None, area_code=None, within=None, subjects=None):
    """The score that counts for each (kind, subject, period) in the project (see _counted), with its filters.
    Rows: SubjectScore, instance id, form id, review state, held back by its evidence."""
    counted = _counted(project_id, kind, period, area_code, within=within, subjects=subjects)
    query = (sa.select(SubjectScore, Submission.instance_id, Form.xml_form_id, Submission.review_state,
                       counted.c.held)
             .join(counted, sa.and_(counted.c.score_id == SubjectScore.id, counted.c.rank == 1))
             .join(Submission, Submission.id == SubjectScore.submission_id)
             .join(Form, Form.id == Submission.form_id)
             .order_by(SubjectScore.kind, SubjectScore.period, SubjectScore.area_code, SubjectScore.subject))
    return db.session.execute(query).all()


def count_outcomes(project_id, period, exclude_form_def_ids, kinds=None, area_codes=None):
    """Rows (kind, period, area_code, evaluated, recognised) summed in the database over the results that count
    (of `kinds`, in `area_codes`, if given), but those scored under `exclude_form_def_ids` (their result
    depends on their members: member_rollups.py). Recognised is the outcome: the officer's decision where there is
    one, else the proposal."""
    counted = _counted(project_id, period=period, kinds=kinds, within=area_codes)
    counts = sa.and_(counted.c.rank == 1, counted.c.scorable, counted.c.form_def_id.not_in(exclude_form_def_ids))
    outcome = _outcome(counted)
    # counted in the sums rather than filtered by WHERE: PostgreSQL cannot estimate how many rows rank 1 keeps
    # and would sort them all for a GroupAggregate; over every row it hashes (6 s, not 10, for 2 million)
    query = (sa.select(counted.c.kind, counted.c.period, counted.c.area_code,
                       sa.func.sum(sa.case((counts, 1), else_=0)),
                       sa.func.sum(sa.case((sa.and_(counts, outcome), 1), else_=0)))
             .outerjoin(RecognitionDecision, _decided(project_id, counted))
             .group_by(counted.c.kind, counted.c.period, counted.c.area_code))
    return [(kind, row_period, area_code, int(evaluated), int(recognised))
            for kind, row_period, area_code, evaluated, recognised in db.session.execute(query) if evaluated]


def list_recognised_subjects(project_id, kind, period, exclude_form_def_ids):
    """The subjects of `model` whose result counts in `period` and is recognised in the end (decision, else
    proposal), but those scored under `exclude_form_def_ids`."""
    counted = _counted(project_id, kind, period)
    outcome = _outcome(counted)
    query = (sa.select(counted.c.subject).outerjoin(RecognitionDecision, _decided(project_id, counted))
             .where(counted.c.rank == 1, counted.c.scorable, counted.c.form_def_id.not_in(exclude_form_def_ids),
                    outcome.is_(True)))
    return db.session.execute(query).scalars().all()


def list_citizen_groups(project_id, period):
    """Rows (area_code, outcome, then the group of each kind in subject_kinds.groups_of(CONG_DAN)) of the
    citizens whose results count in `period`: the outcome is the decision, else the proposal; a group is named
    as _member_groups says, None where the citizen has none."""
    counted = _counted(project_id, CONG_DAN, period)
    groups, joined = _member_groups(counted, groups_of(CONG_DAN), outer=True)
    query = joined(sa.select(counted.c.area_code, _outcome(counted), *groups).select_from(counted)
                   .outerjoin(RecognitionDecision, _decided(project_id, counted)))
    return db.session.execute(query.where(counted.c.rank == 1, counted.c.scorable)).all()


def _member_groups(counted, group_kinds, outer=False):
    """The columns naming, for each of `group_kinds`, the group (the subject whose member it is) of each counted
    member result, and the joins they need: the member's area for a hamlet, else the kind's member_link on the
    member's registry entity or else on its household's (subject_kinds.py)."""
    entity, household = sa.orm.aliased(Entity), sa.orm.aliased(Entity)
    links = [kind_of(kind).member_link for kind in group_kinds]
    columns = [counted.c.area_code if link is None else
               sa.func.coalesce(entity.data[link].as_string(), household.data[link].as_string()) for link in links]
    if all(link is None for link in links):
        return columns, lambda query: query
    join = "outerjoin" if outer else "join"
    return columns, lambda query: (getattr(query, join)(entity, entity.uuid == counted.c.subject)
                                   .outerjoin(household, household.uuid == entity.data[HOUSEHOLD_LINK].as_string()))


def count_members(project_id, member_kind, group_kind, period, exclude_form_def_ids, groups=None):
    """Rows (period, group, evaluated, recognised) of the `member_model` results that count, per group named
    by a registry property (a link by area is summed by count_outcomes), but those scored under
    `exclude_form_def_ids`, of `groups` if given; recognised is the outcome (decision, else proposal)."""
    counted = _counted(project_id, member_kind, period)
    [group], joined = _member_groups(counted, [group_kind])
    outcome = _outcome(counted)
    query = joined(sa.select(counted.c.period, group, sa.func.count(), sa.func.sum(sa.case((outcome, 1), else_=0)))
                   .select_from(counted)
                   .outerjoin(RecognitionDecision, _decided(project_id, counted)))
    query = query.where(counted.c.rank == 1, counted.c.scorable, counted.c.form_def_id.not_in(exclude_form_def_ids))
    if groups is not None:
        query = query.where(group.in_(groups))
    query = query.group_by(counted.c.period, group)
    return [(row_period, found, evaluated, int(recognised or 0))
            for row_period, found, evaluated, recognised in db.session.execute(query) if found is not None]


def list_member_groups(project_id, member_kind, group_kind, period, form_def_ids):
    """Rows (score_id, period, group, decided) of the `member_model` results that count and were scored under
    `form_def_ids` (those whose own result is rolled up over their members); decided is the decision or None."""
    counted = _counted(project_id, member_kind, period)
    [group], joined = _member_groups(counted, [group_kind])
    query = joined(sa.select(counted.c.score_id, counted.c.period, group, RecognitionDecision.recognised)
                   .select_from(counted).outerjoin(RecognitionDecision, _decided(project_id, counted)))
    query = query.where(counted.c.rank == 1, counted.c.scorable, counted.c.form_def_id.in_(form_def_ids))
    return [row for row in db.session.execute(query) if row[2] is not None]


def list_counted_of_forms(project_id, form_def_ids, kinds, period=None, with_reasons=False, subjects=None):
    """The results that count scored under `form_def_ids` (forms of `kinds`), each with every member score
    kept for it (or none): rows (score_id, submission_def_id, form_def_id, kind, subject, area_code, period,
    decided, held (by its evidence), then MemberScore's member_counts, member_counts_digest, total, result,
    level, recognised, mandatory_met, points and, `with_reasons`,
    unmet and held_back_by, None without one). Decided is the officer's decision or None. Only `subjects`
    if given."""
    counted = _counted(project_id, period=period, kinds=kinds, subjects=subjects)
    names = ("member_counts", "member_counts_digest", "total", "result", "level", "recognised", "mandatory_met",
             "points")
    kept = [getattr(MemberScore, name) for name in names + (("unmet", "held_back_by") if with_reasons else ())]
    query = (sa.select(counted.c.score_id, SubjectScore.submission_def_id, counted.c.form_def_id, counted.c.kind,
                       counted.c.subject, counted.c.area_code, counted.c.period,
                       RecognitionDecision.recognised.label("decided"), counted.c.held, *kept)
             .join(SubjectScore, SubjectScore.id == counted.c.score_id)
             .outerjoin(RecognitionDecision, _decided(project_id, counted))
             .outerjoin(MemberScore, MemberScore.score_id == counted.c.score_id)
             .where(counted.c.rank == 1, counted.c.scorable, counted.c.form_def_id.in_(form_def_ids)))
    return db.session.execute(query).all()


def add_member_scores(rows):
    """Insert member scores (dicts of MemberScore's columns); one already kept for the same counts stays."""
    for start in range(0, len(rows), 1000):
        db.session.execute(_insert_or_nothing(MemberScore, ["score_id", "member_counts_digest"]),
                           rows[start:start + 1000])


def list_submission_xml(submission_def_ids):
    """{submission version id: its XML}, read in chunks."""
    found, ids = {}, list(submission_def_ids)
    for start in range(0, len(ids), 1000):
        query = sa.select(SubmissionDef.id, SubmissionDef.xml).where(SubmissionDef.id.in_(ids[start:start + 1000]))
        found.update((row.id, row.xml) for row in db.session.execute(query))
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


def get_decision(project_id, kind, subject, period):
    query = sa.select(RecognitionDecision).where(
        RecognitionDecision.project_id == project_id, RecognitionDecision.kind == kind,
        RecognitionDecision.subject == subject, RecognitionDecision.period == period)
    return db.session.execute(query).scalar_one_or_none()


def list_decisions(project_id, kind=None, period=None):
    query = sa.select(RecognitionDecision).where(RecognitionDecision.project_id == project_id)
    if kind is not None:
        query = query.where(RecognitionDecision.kind == kind)
    if period is not None:
        query = query.where(RecognitionDecision.period == period)
    return db.session.execute(query).scalars().all()
