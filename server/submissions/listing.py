"""Finding a form's submissions as a reviewer filters them: by area (within the caller's), review state,
submitter, date range, recognised or not, and text; sorted; a page at a time. The desk's table, map, gallery
and "save and next" all read through here, so one filter means the same everywhere.

`read_filters` is pure (query-string text in, Filters out; what cannot be read is left out, never a 500). The
queries read each submission's current version, its area (hamlet, commune) and the score under its form's
current rules (scoring/scores.py keeps one row per version and rule set).
"""

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..areas.models import Area
from ..areas.queries import descendants_select
from ..auth.models import Actor
from ..db import LOCAL_TIME
from ..evidence import queries as evidence_queries
from ..evidence.settings import KINDS as FLAG_KINDS
from ..evidence.settings import settings_of
from ..extensions import db
from ..forms.models import FormDef
from ..registries.models import Dataset, Entity
from ..scoring.models import SubjectScore
from .models import REVIEW_STATES, Submission, SubmissionAttachment, SubmissionDef

RECEIVED = "received"  # the review state NULL, as a filter value
STATES = (RECEIVED, *REVIEW_STATES)
SORTS = ("-date", "date", "-score", "score", "name", "-name")
PAGE_SIZES = (25, 50, 100, 250)
MAX_QUERY = 100
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")  # what a page shows inline


@dataclass(frozen=True)
class Filters:
    area: str | None = None  # an area code: that area and everything below it
    states: tuple = ()  # of STATES; empty: all
    submitter: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    recognised: bool | None = None
    period: int | None = None  # the evaluation year the current version's score gives
    version: str | None = None  # the form version the current version was filled in
    flagged: str | None = None  # evidence: "any" flag shown, an "error" one, or one of its kinds (evidence/settings)
    query: str = ""
    sort: str = "-date"
    page: int = 1
    per_page: int = 50

    def as_args(self, **changes) -> dict:
        """The filters as query-string arguments (defaults left out), for links that keep them."""
        current = replace(self, **changes)
        args = {"area": current.area, "state": list(current.states) or None, "submitter": current.submitter,
                "since": current.since and current.since.isoformat(),
                "until": current.until and current.until.isoformat(),
                "recognised": None if current.recognised is None else ("yes" if current.recognised else "no"),
                "period": current.period, "version": current.version, "flag": current.flagged,
                "q": current.query or None, "sort": None if current.sort == "-date" else current.sort,
                "page": None if current.page == 1 else current.page,
                "per_page": None if current.per_page == 50 else current.per_page}
        return {key: value for key, value in args.items() if value is not None}


def read_filters(args) -> Filters:
    """Filters from a query string (a MultiDict); values that cannot be read are ignored."""
    return Filters(
        area=_text(args.get("area"), 32), states=tuple(state for state in args.getlist("state") if state in STATES),
        submitter=_number(args.get("submitter")), since=_date(args.get("since")), until=_date(args.get("until")),
        recognised={"yes": True, "no": False}.get(args.get("recognised")),
        period=_number(args.get("period")) if 1900 <= (_number(args.get("period")) or 0) <= 2100 else None,
        version=_text(args.get("version"), 100),
        flagged=args.get("flag") if args.get("flag") in ("any", "error", *FLAG_KINDS) else None,
        query=_text(args.get("q"), MAX_QUERY) or "",
        sort=args.get("sort") if args.get("sort") in SORTS else "-date",
        page=min(_number(args.get("page")) or 1, 100_000),
        per_page=_number(args.get("per_page")) if _number(args.get("per_page")) in PAGE_SIZES else 50)


def _text(value, length):
    value = (value or "").strip()
    return value[:length].replace("\x00", "") or None


def _number(value):
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) <= 9 and int(value) > 0 else None


def _date(value):
    try:
        return dt.date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Row:
    submission_id: int
    instance_id: str
    instance_name: str | None
    review_state: str | None
    created_at: dt.datetime
    submitter_id: int | None
    submitter: str | None
    def_id: int
    xml: str | None
    latitude: float | None
    longitude: float | None
    area_code: str | None
    area: str | None  # the hamlet (or whatever area it was placed in)
    commune: str | None  # the area above it
    subject: str | None  # the subject's registry label (else its raw value)
    total: float | None
    result: str | None
    recognised: bool | None  # None: not scored (no criteria, or cannot be scored)
    scoring_error: dict | None


Hamlet, Parent = aliased(Area), aliased(Area)


def _score_join(form):
    return sa.and_(SubjectScore.submission_def_id == SubmissionDef.id,
                   SubjectScore.form_def_id == (form.current_def_id or -1))


def _subject_label(project_id):
    return (sa.select(Entity.label).join(Dataset, Dataset.id == Entity.dataset_id)
            .where(Dataset.project_id == project_id, Entity.uuid == SubjectScore.subject, Entity.deleted_at.is_(None))
            .limit(1).scalar_subquery())


def _filtered(form, scope, filters: Filters, columns, version=True, score=True):
    """SELECT `columns` of the form's live submissions (current version, area, score) matching `filters`,
    within `scope` (a SELECT of area ids: the caller's limit; None: not limited). `version`/`score`: whether to
    join the current version / its score (needed when `columns` or the order read them; the recognised filter
    joins them anyway)."""
    score = score or filters.recognised is not None
    query = sa.select(*columns).select_from(Submission)
    if version or score:
        query = query.join(SubmissionDef, sa.and_(SubmissionDef.submission_id == Submission.id,
                                                  SubmissionDef.current.is_(True)))
    if score:
        query = query.outerjoin(SubjectScore, _score_join(form))
    query = _on_submissions(query, form, scope, filters)
    if filters.recognised is not None:
        query = query.where(SubjectScore.recognised.is_(filters.recognised), SubjectScore.error.is_(None))
    if filters.query:
        query = query.where(_matching(form, filters.query))
    return query


def matching(form, scope, filters: Filters, columns, score=False):
    """SELECT `columns` of the matching submissions joined to their current version (SubmissionDef) and, with
    `score`, its score (SubjectScore), unordered: for the exports, which read them in their own order."""
    return _filtered(form, scope, filters, columns, version=True, score=score)


def _narrow(form, scope, filters: Filters, columns, sort=None):
    """_filtered joining only what the filters and the order `sort` read: the submissions table alone decides
    most lists (each live submission has exactly one current version)."""
    key = (sort or "").lstrip("-")
    return _filtered(form, scope, filters, columns, version=key == "name", score=key == "score")


def _matching(form, text):
    """The text search: the instance name, the subject's registry label or the submitter's name contains `text`
    in any case, or the instance id does (instance ids are lower-case ASCII without spaces, so other text is not
    looked for there). A condition on the submissions table:
    the names, subjects and people that match are found once (IN), not row by row; on PostgreSQL the names by
    trigrams (ix_submission_defs_name_trgm)."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def contains(column):
        return sa.func.lower(column).like(pattern, escape="\\")

    named, score = aliased(SubmissionDef), aliased(SubjectScore)
    names = sa.select(named.submission_id).where(named.form_id == form.id, named.current.is_(True),
                                                 contains(named.instance_name))
    labels = (sa.select(Entity.uuid).join(Dataset, Dataset.id == Entity.dataset_id)
              .where(Dataset.project_id == form.project_id, Entity.deleted_at.is_(None), contains(Entity.label)))
    # scored under the current rules with such a subject (also a version before an edit that changed it)
    subjects = sa.select(score.submission_id).where(score.form_def_id == (form.current_def_id or -1),
                                                    score.subject.in_(labels))
    person = aliased(Actor)
    people = sa.select(person.id).where(contains(person.display_name))
    found = [Submission.id.in_(names.union_all(subjects)), Submission.submitter_id.in_(people)]
    if text.isascii() and not any(character.isspace() for character in text):  # what an instance id can hold
        found.append(Submission.instance_id.like(pattern, escape="\\"))
    return sa.or_(*found)


def _flag_kinds(project_id, flagged):
    """The kinds a flag filter stands for under the project's settings (a kind turned off: none)."""
    settings = settings_of(evidence_queries.stored_settings(project_id))
    if flagged == "error":
        return settings.error_kinds()
    shown = settings.shown_kinds()
    return shown if flagged == "any" else [flagged] if flagged in shown else []


def _on_submissions(query, form, scope, filters: Filters):
    """`query` limited by the filters that read the submissions table alone (form, area, state, submitter, dates)."""
    query = query.where(Submission.form_id == form.id, Submission.deleted_at.is_(None))
    if scope is not None:
        query = query.where(Submission.area_id.in_(descendants_select(scope)))
    if filters.area:
        named = sa.select(Area.id).where(Area.code == filters.area)
        query = query.where(Submission.area_id.in_(descendants_select(named)))
    if filters.flagged:
        query = query.where(Submission.id.in_(evidence_queries.flagged_submissions(
            form.id, _flag_kinds(form.project_id, filters.flagged))))
    if filters.states:
        named = [state for state in filters.states if state != RECEIVED]
        condition = Submission.review_state.in_(named) if named else sa.false()
        if RECEIVED in filters.states:
            condition = sa.or_(condition, Submission.review_state.is_(None))
        query = query.where(condition)
    if filters.submitter:
        query = query.where(Submission.submitter_id == filters.submitter)
    if filters.since:
        query = query.where(Submission.created_at >= _midnight(filters.since))
    if filters.until:
        query = query.where(Submission.created_at < _midnight(filters.until + dt.timedelta(days=1)))
    if filters.version is not None:
        filled = (sa.select(SubmissionDef.submission_id).join(FormDef, FormDef.id == SubmissionDef.form_def_id)
                  .where(SubmissionDef.form_id == form.id, SubmissionDef.current.is_(True),
                         FormDef.version == filters.version))
        query = query.where(Submission.id.in_(filled))
    if filters.period is not None:
        scored = (sa.select(SubjectScore.submission_id)
                  .join(SubmissionDef, SubmissionDef.id == SubjectScore.submission_def_id)
                  .where(SubjectScore.form_def_id == (form.current_def_id or -1), SubmissionDef.current.is_(True),
                         SubjectScore.period == filters.period))
        query = query.where(Submission.id.in_(scored))
    return query


def _midnight(day):
    """The start of a day in Vietnam (an officer's "since 1 November" starts at 00:00 there, 17:00 UTC before)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TIME)


def _ordering(sort):
    column = {"date": Submission.created_at, "score": SubjectScore.total,
              "name": SubmissionDef.instance_name}[sort.lstrip("-")]
    direction = column.desc() if sort.startswith("-") else column.asc()
    if sort.lstrip("-") != "date":  # created_at is never NULL: without NULLS LAST the date index gives the order
        direction = direction.nulls_last()
    return [direction, Submission.id.desc() if sort.startswith("-") else Submission.id.asc()]


def count(form, scope, filters: Filters) -> int:
    """How many match."""
    return db.session.execute(_narrow(form, scope, filters, [sa.func.count()])).scalar()


def _row_columns(form, with_xml=True):
    return [Submission.id, Submission.instance_id, SubmissionDef.instance_name, Submission.review_state,
            Submission.created_at, Submission.submitter_id, Actor.display_name,
            SubmissionDef.id, SubmissionDef.xml if with_xml else sa.null(),
            SubmissionDef.latitude, SubmissionDef.longitude, Hamlet.code, Hamlet.name, Parent.name,
            sa.func.coalesce(_subject_label(form.project_id), SubjectScore.subject),
            SubjectScore.total, SubjectScore.result, SubjectScore.recognised, SubjectScore.error]


def _with_row_joins(query):
    return (query.outerjoin(Actor, Actor.id == Submission.submitter_id)
            .outerjoin(Hamlet, Hamlet.id == Submission.area_id).outerjoin(Parent, Parent.id == Hamlet.parent_id))


def every_row(form, scope, filters: Filters, condition=sa.true(), limit=None, by_area=False, batch=500):
    """Every matching submission as a Row (its XML included), newest first as Central exports them (created_at
    DESC, id DESC; with `by_area`, by commune and hamlet name first), streamed a batch at a time; `condition`: more
    on the submissions table (an OData $filter)."""
    order = [Parent.name.asc().nulls_last(), Hamlet.name.asc().nulls_last(), Hamlet.id] if by_area else []
    query = (_with_row_joins(_filtered(form, scope, filters, _row_columns(form), score=True)).where(condition)
             .order_by(*order, Submission.created_at.desc(), Submission.id.desc()).limit(limit))
    for values in db.session.execute(query.execution_options(yield_per=batch)):
        yield _row(values)


def page(form, scope, filters: Filters, with_xml=True) -> list[Row]:
    """One page of rows, in the filters' order. Two steps: the page's submission ids, found from narrow rows
    (only what the filters and the order read), then those rows' columns; so the versions' XML of the rows
    before the page is never read."""
    ids = _page_ids(form, scope, filters)
    if not ids:
        return []
    query = _with_row_joins(sa.select(*_row_columns(form, with_xml)).select_from(Submission)
                            .join(SubmissionDef, sa.and_(SubmissionDef.submission_id == Submission.id,
                                                         SubmissionDef.current.is_(True)))
                            .outerjoin(SubjectScore, _score_join(form))).where(Submission.id.in_(ids))
    rows = {values[0]: _row(values) for values in db.session.execute(query)}
    return [rows[found] for found in ids if found in rows]


def _page_ids(form, scope, filters: Filters) -> list[int]:
    """The submission ids of the page. By score in two parts, the order _ordering gives: those with a total, in
    the order of the scores index (ix_scores_order: no sort of every row), then the rest by id."""
    offset, limit = (filters.page - 1) * filters.per_page, filters.per_page
    if filters.sort.lstrip("-") != "score":
        chosen = _narrow(form, scope, filters, [Submission.id], filters.sort).order_by(*_ordering(filters.sort))
        return list(db.session.execute(chosen.limit(limit).offset(offset)).scalars())
    descending = filters.sort.startswith("-")
    scored = _filtered(form, scope, filters, [Submission.id], score=True).where(SubjectScore.total.is_not(None))
    # as the index reads forwards or backwards (no total is NULL here); the score's submission is the row's
    order = ((SubjectScore.total.desc().nulls_last(), SubjectScore.submission_id.desc()) if descending
             else (SubjectScore.total.asc().nulls_first(), SubjectScore.submission_id.asc()))
    ids = list(db.session.execute(scored.order_by(*order).limit(limit).offset(offset)).scalars())
    if len(ids) == limit:
        return ids
    scored_count = offset + len(ids) if ids else db.session.execute(
        _filtered(form, scope, filters, [sa.func.count()], score=True).where(SubjectScore.total.is_not(None))).scalar()
    rest = (_filtered(form, scope, filters, [Submission.id], score=True).where(SubjectScore.total.is_(None))
            .order_by(Submission.id.desc() if descending else Submission.id.asc())
            .limit(limit - len(ids)).offset(max(0, offset - scored_count)))
    return ids + list(db.session.execute(rest).scalars())


def _row(values):
    row = Row(*values)
    if row.scoring_error is not None or row.total is None and row.result is None:
        row = replace(row, recognised=None)
    return row


def neighbours(form, scope, filters: Filters, submission: Submission) -> tuple[str | None, str | None]:
    """The instance ids before and after `submission` in the filtered list, in its order ("save and next"); when
    it is not in the list (a filter no longer matches it), none before and the list's first after. Worked out in
    the database with window functions, so a long list is never sent over."""
    order = _ordering(filters.sort)
    ranked = _narrow(form, scope, filters, [
        Submission.instance_id.label("instance_id"),
        sa.func.lag(Submission.instance_id).over(order_by=order).label("before"),
        sa.func.lead(Submission.instance_id).over(order_by=order).label("after")], filters.sort).subquery()
    found = db.session.execute(sa.select(ranked.c.before, ranked.c.after)
                               .where(ranked.c.instance_id == submission.instance_id)).first()
    if found is not None:
        return found.before, found.after
    first = db.session.execute(_narrow(form, scope, filters, [Submission.instance_id], filters.sort)
                               .order_by(*order).limit(1))
    return None, first.scalar()


@dataclass(frozen=True)
class Point:
    instance_id: str
    instance_name: str | None
    latitude: float
    longitude: float
    review_state: str | None
    recognised: bool | None
    total: float | None
    photo: str | None  # the first photo's file name, for the popup's thumbnail
    def_id: int


def points(form, scope, filters: Filters, limit=100_000) -> list[Point]:
    """Every matching submission that has a geopoint (the map's markers)."""
    first_photo = (sa.select(sa.func.min(SubmissionAttachment.name))
                   .where(SubmissionAttachment.submission_def_id == SubmissionDef.id,
                          SubmissionAttachment.blob_id.is_not(None), SubmissionAttachment.content_type.in_(IMAGE_TYPES))
                   .scalar_subquery())
    columns = [Submission.instance_id, SubmissionDef.instance_name, SubmissionDef.latitude, SubmissionDef.longitude,
               Submission.review_state, SubjectScore.recognised, SubjectScore.total, first_photo, SubmissionDef.id]
    query = (_filtered(form, scope, filters, columns).where(SubmissionDef.latitude.is_not(None))
             .order_by(Submission.id).limit(limit))
    return [Point(*values) for values in db.session.execute(query)]


@dataclass(frozen=True)
class Photo:
    instance_id: str
    instance_name: str | None
    review_state: str | None
    name: str  # the file name the XML gives
    content_type: str | None
    created_at: dt.datetime
    recognised: bool | None
    total: float | None
    xml: str | None  # the version's XML, when asked for (to tell which question a photo answers)


def photos(form, scope, filters: Filters, limit=60, offset=0, with_xml=False) -> tuple[list[Photo], bool]:
    """The photos (received, of an image type) of the matching submissions' current versions, in the filters'
    order, `limit` from `offset`; and whether there are more."""
    columns = [Submission.instance_id, SubmissionDef.instance_name, Submission.review_state,
               SubmissionAttachment.name, SubmissionAttachment.content_type, Submission.created_at,
               SubjectScore.recognised, SubjectScore.total, SubmissionDef.xml if with_xml else sa.null()]
    query = (_filtered(form, scope, filters, columns)
             .join(SubmissionAttachment, SubmissionAttachment.submission_def_id == SubmissionDef.id)
             .where(SubmissionAttachment.blob_id.is_not(None), SubmissionAttachment.content_type.in_(IMAGE_TYPES))
             .order_by(*_ordering(filters.sort), SubmissionAttachment.id).limit(limit + 1).offset(offset))
    found = [Photo(*values) for values in db.session.execute(query)]
    return found[:limit], len(found) > limit


def review_counts(form_ids, scope) -> dict:
    """{form id: {state or RECEIVED: count}} of live submissions within `scope`."""
    query = (sa.select(Submission.form_id, Submission.review_state, sa.func.count())
             .where(Submission.form_id.in_(form_ids), Submission.deleted_at.is_(None))
             .group_by(Submission.form_id, Submission.review_state))
    if scope is not None:
        query = query.where(Submission.area_id.in_(descendants_select(scope)))
    counts = {form_id: {} for form_id in form_ids}
    for form_id, state, number in db.session.execute(query):
        counts[form_id][state or RECEIVED] = number
    return counts


def count_since(form_ids_since: dict, scope) -> dict:
    """{form id: submissions created after the given time} for {form id: time or None (never visited: all)}."""
    found = {}
    for form_id, since in form_ids_since.items():
        query = sa.select(sa.func.count()).where(Submission.form_id == form_id, Submission.deleted_at.is_(None))
        if since is not None:
            query = query.where(Submission.created_at > since)
        if scope is not None:
            query = query.where(Submission.area_id.in_(descendants_select(scope)))
        found[form_id] = db.session.execute(query).scalar()
    return found


def periods(form) -> list[int]:
    """The evaluation periods the scores under the form's current version name, newest first."""
    query = (sa.select(SubjectScore.period).where(SubjectScore.form_def_id == (form.current_def_id or -1),
                                                  SubjectScore.period.is_not(None))
             .group_by(SubjectScore.period).order_by(SubjectScore.period.desc()))
    return list(db.session.execute(query).scalars())


def submitters(form, scope) -> list[tuple[int, str]]:
    """(actor id, name) of everyone who sent a submission to the form that the caller may see: each actor is
    looked up once in the (form, submitter) index, however many submissions she sent."""
    sent = sa.select(Submission.id).where(Submission.submitter_id == Actor.id, Submission.form_id == form.id,
                                          Submission.deleted_at.is_(None))
    if scope is not None:
        sent = sent.where(Submission.area_id.in_(descendants_select(scope)))
    query = sa.select(Actor.id, Actor.display_name).where(sent.exists()).order_by(Actor.display_name, Actor.id)
    return [tuple(row) for row in db.session.execute(query)]
