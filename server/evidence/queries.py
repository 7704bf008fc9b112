"""All SQL of the evidence checks: the versions waiting to be checked and their facts, the photos and senders
they are compared with, the checks and flags kept, and the flags a caller may read."""

from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm

from ..areas.models import Area
from ..areas.queries import descendants_select
from ..blobs.models import Blob
from ..db import dialect_insert
from ..extensions import db
from ..forms.models import Form, FormDef
from ..scoring.models import SubjectScore
from ..submissions.models import Submission, SubmissionAttachment, SubmissionDef
from .models import EvidenceCheck, EvidenceFlag, EvidenceMark, EvidenceSettings, PhotoFacts, PhotoHashBand
from .photos import bands

ScoredArea = sa.orm.aliased(Area)


class Pending(NamedTuple):
    def_id: int
    submission_id: int
    instance_id: str
    xml_form_id: str
    form_def_id: int
    xml: str
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    area_id: int | None
    area_code: str | None
    outside_areas: bool
    submitter_id: int | None
    created_at: object
    subject: str | None  # under the form's current rules, when scored
    period: int | None
    scored_area_code: str | None  # the area the rules name (e.g. the hamlet evaluated), when scored
    scored_area_id: int | None


def _pending_columns():
    return (SubmissionDef.id, Submission.id, Submission.instance_id, Form.xml_form_id, SubmissionDef.form_def_id,
            SubmissionDef.xml, SubmissionDef.latitude, SubmissionDef.longitude, SubmissionDef.accuracy,
            Submission.area_id, Area.code, Submission.outside_areas, Submission.submitter_id, Submission.created_at,
            SubjectScore.subject, SubjectScore.period, SubjectScore.area_code,
            sa.select(ScoredArea.id).where(ScoredArea.code == SubjectScore.area_code).scalar_subquery())


def _current_of_project(project_id, *columns):
    return (sa.select(*columns).select_from(SubmissionDef)
            .join(Submission, Submission.id == SubmissionDef.submission_id)
            .join(Form, Form.id == Submission.form_id)
            .outerjoin(Area, Area.id == Submission.area_id)
            .outerjoin(SubjectScore, sa.and_(SubjectScore.submission_def_id == SubmissionDef.id,
                                             SubjectScore.form_def_id == Form.current_def_id))
            .where(Form.project_id == project_id, Form.deleted_at.is_(None), SubmissionDef.current.is_(True),
                   Submission.deleted_at.is_(None)))


def list_pending(project_id: int, limit: int) -> list[Pending]:
    """Current versions of the project's live submissions not yet checked (above its mark), or whose files
    changed since, oldest first."""
    mark = mark_of(project_id)
    unchecked = (_current_of_project(project_id, *_pending_columns())
                 .outerjoin(EvidenceCheck, EvidenceCheck.submission_def_id == SubmissionDef.id)
                 .where(SubmissionDef.id > mark, EvidenceCheck.submission_def_id.is_(None))
                 .order_by(SubmissionDef.id).limit(limit))
    found = [Pending(*row) for row in db.session.execute(unchecked)]
    if len(found) < limit:
        stale = (_current_of_project(project_id, *_pending_columns())
                 .join(EvidenceCheck, EvidenceCheck.submission_def_id == SubmissionDef.id)
                 .where(EvidenceCheck.photos_seen < 0).order_by(SubmissionDef.id).limit(limit - len(found)))
        found += [Pending(*row) for row in db.session.execute(stale)]
    return found


def count_pending(project_id: int) -> int:
    unchecked = (_current_of_project(project_id, sa.func.count())
                 .outerjoin(EvidenceCheck, EvidenceCheck.submission_def_id == SubmissionDef.id)
                 .where(SubmissionDef.id > mark_of(project_id),
                        sa.or_(EvidenceCheck.submission_def_id.is_(None), EvidenceCheck.photos_seen < 0)))
    stale = (_current_of_project(project_id, sa.func.count())
             .join(EvidenceCheck, EvidenceCheck.submission_def_id == SubmissionDef.id)
             .where(SubmissionDef.id <= mark_of(project_id), EvidenceCheck.photos_seen < 0))
    return db.session.execute(unchecked).scalar() + db.session.execute(stale).scalar()


def mark_of(project_id: int) -> int:
    return db.session.execute(sa.select(EvidenceMark.upto_id).where(EvidenceMark.project_id == project_id)) \
        .scalar() or 0


def advance_mark(project_id: int, settled_before) -> None:
    """Move the project's mark (when nothing above it is pending) up to the newest version created before
    `settled_before` (one created earlier but committed later is the only one it could pass over). Never down."""
    newest = db.session.execute(sa.select(sa.func.max(SubmissionDef.id))
                                .where(SubmissionDef.created_at < settled_before)).scalar()
    if newest is None:
        return
    insert = dialect_insert(db.session, EvidenceMark)
    db.session.execute(insert.on_conflict_do_update(index_elements=["project_id"],
                                                    set_={"upto_id": insert.excluded.upto_id},
                                                    where=EvidenceMark.upto_id < insert.excluded.upto_id),
                       [{"project_id": project_id, "upto_id": newest}])


def received_files(def_ids: list[int]) -> list[tuple]:
    """(version id, file name, blob id, sha256, content type, size) of the files these versions have received."""
    return db.session.execute(
        sa.select(SubmissionAttachment.submission_def_id, SubmissionAttachment.name, Blob.id, Blob.sha256,
                  SubmissionAttachment.content_type, Blob.size)
        .join(Blob, Blob.id == SubmissionAttachment.blob_id)
        .where(SubmissionAttachment.submission_def_id.in_(def_ids))
        .order_by(SubmissionAttachment.submission_def_id, SubmissionAttachment.id)).all()


def readings_of(blob_ids) -> dict:
    """{blob id: PhotoFacts} of the photos already read."""
    return {facts.blob_id: facts for facts in db.session.execute(
        sa.select(PhotoFacts).where(PhotoFacts.blob_id.in_(list(blob_ids)))).scalars()}


def add_readings(rows: list[dict]) -> None:
    """Keep photos' readings (dicts of PhotoFacts' columns) and index their hashes (photos.bands)."""
    if not rows:
        return
    db.session.execute(dialect_insert(db.session, PhotoFacts).on_conflict_do_nothing(index_elements=["blob_id"]),
                       rows)
    banded = [{"band": band, "value": value, "phash": row["phash"], "blob_id": row["blob_id"]}
              for row in rows if row.get("phash") is not None for band, value in bands(row["phash"])]
    if banded:
        db.session.execute(dialect_insert(db.session, PhotoHashBand).on_conflict_do_nothing(
            index_elements=["band", "value", "phash", "blob_id"]), banded)


def hashes_with_bands(pairs: set) -> list[tuple]:
    """(blob id, phash) of the photos whose hash has one of these (band, value) pairs exactly: a look-up per band
    that reads the index alone (its key holds the hash). A photo may come more than once."""
    if not pairs:
        return []
    by_band = {}
    for band, value in pairs:
        by_band.setdefault(band, []).append(value)
    looked_up = [sa.select(PhotoHashBand.blob_id, PhotoHashBand.phash)
                 .where(PhotoHashBand.band == band, PhotoHashBand.value.in_(values))
                 for band, values in sorted(by_band.items())]
    return db.session.execute(sa.union_all(*looked_up)).all()


def thumbs_of(blob_ids: list[int]) -> list[tuple]:
    """(blob id, thumb) of these photos, those that have one."""
    return db.session.execute(sa.select(PhotoFacts.blob_id, PhotoFacts.thumb)
                              .where(PhotoFacts.blob_id.in_(blob_ids), PhotoFacts.thumb.is_not(None))).all()


class Elsewhere(NamedTuple):
    blob_id: int
    def_id: int
    submission_id: int
    instance_id: str
    xml_form_id: str
    photo: str
    subject: str | None


def same_files_elsewhere(project_id: int, blob_ids: list[int], submission_id: int) -> list[Elsewhere]:
    """The checked current versions of the project's other live submissions that hold one of these files."""
    query = (_current_of_project(project_id, SubmissionAttachment.blob_id, SubmissionDef.id, Submission.id,
                                 Submission.instance_id, Form.xml_form_id, SubmissionAttachment.name,
                                 EvidenceCheck.subject)
             .join(SubmissionAttachment, SubmissionAttachment.submission_def_id == SubmissionDef.id)
             .join(EvidenceCheck, EvidenceCheck.submission_def_id == SubmissionDef.id)
             .where(SubmissionAttachment.blob_id.in_(blob_ids), Submission.id != submission_id)
             .order_by(SubmissionDef.id))
    return [Elsewhere(*row) for row in db.session.execute(query)]


def checked_from_sender(project_id: int, submitter_id: int, since, until) -> list[tuple]:
    """(version id, submission id, subject) of the sender's checked current versions that ended in [since, until]."""
    query = (_current_of_project(project_id, SubmissionDef.id, Submission.id, EvidenceCheck.subject)
             .join(EvidenceCheck, EvidenceCheck.submission_def_id == SubmissionDef.id)
             .where(EvidenceCheck.project_id == project_id, EvidenceCheck.submitter_id == submitter_id,
                    EvidenceCheck.ended_at >= since, EvidenceCheck.ended_at <= until))
    return db.session.execute(query).all()


def keep_check(row: dict) -> None:
    """The version's check, replacing one made before (its files changed, or another process checked it too)."""
    insert = dialect_insert(db.session, EvidenceCheck)
    db.session.execute(insert.on_conflict_do_update(
        index_elements=["submission_def_id"],
        set_={name: insert.excluded[name] for name in row if name != "submission_def_id"}), [row])


def replace_flags(found_by_def_id: int, rows: list[dict]) -> None:
    """The flags a version's check found (on itself and on others), in place of those it found before; a flag
    another check found already stays as it is."""
    db.session.execute(sa.delete(EvidenceFlag).where(EvidenceFlag.found_by_def_id == found_by_def_id))
    if rows:
        db.session.execute(dialect_insert(db.session, EvidenceFlag).on_conflict_do_nothing(
            index_elements=["submission_def_id", "kind", "ref"]), rows)


def files_changed(def_id: int) -> None:
    """A file of the version arrived or went: check it again (its photos are what changed)."""
    db.session.execute(sa.update(EvidenceCheck).where(EvidenceCheck.submission_def_id == def_id)
                       .values(photos_seen=-1))


def stored_settings(project_id: int) -> dict | None:
    return db.session.execute(sa.select(EvidenceSettings.settings)
                              .where(EvidenceSettings.project_id == project_id)).scalar()


def store_settings(project_id: int, settings: dict, now) -> None:
    insert = dialect_insert(db.session, EvidenceSettings)
    db.session.execute(insert.on_conflict_do_update(index_elements=["project_id"],
                                                    set_={"settings": insert.excluded.settings,
                                                          "updated_at": insert.excluded.updated_at}),
                       [{"project_id": project_id, "settings": settings, "updated_at": now}])


def flagged_submissions(form_id: int, kinds: list[str]):
    """SELECT of the form's submissions whose current version has a flag of one of these kinds."""
    return (sa.select(EvidenceFlag.submission_id)
            .join(SubmissionDef, SubmissionDef.id == EvidenceFlag.submission_def_id)
            .where(SubmissionDef.form_id == form_id, SubmissionDef.current.is_(True), EvidenceFlag.kind.in_(kinds)))


def kinds_by_def(def_ids: list[int], kinds: list[str]) -> dict:
    """{version id: [kinds of its flags, once each, in settings.KINDS order]} among `kinds`."""
    if not def_ids or not kinds:
        return {}
    found = {}
    for def_id, kind in db.session.execute(sa.select(EvidenceFlag.submission_def_id, EvidenceFlag.kind).distinct()
                                           .where(EvidenceFlag.submission_def_id.in_(def_ids),
                                                  EvidenceFlag.kind.in_(kinds))):
        found.setdefault(def_id, []).append(kind)
    return {def_id: sorted(items, key=kinds.index) for def_id, items in found.items()}


def flagged_versions_of_form(form_id: int, kinds: list[str]) -> dict:
    """{current version id: [kinds]} of the form's flagged current versions (as many as there are flags)."""
    if not kinds:
        return {}
    found = {}
    for def_id, kind in db.session.execute(
            sa.select(EvidenceFlag.submission_def_id, EvidenceFlag.kind).distinct()
            .join(SubmissionDef, SubmissionDef.id == EvidenceFlag.submission_def_id)
            .where(SubmissionDef.form_id == form_id, SubmissionDef.current.is_(True), EvidenceFlag.kind.in_(kinds))):
        found.setdefault(def_id, []).append(kind)
    return found


class Flagged(NamedTuple):
    submission_id: int
    instance_id: str
    xml_form_id: str
    area_code: str | None
    kind: str
    ref: str
    evidence: dict
    created_at: object


def flags_of_current(project_id: int, kinds: list[str], submission_ids: list[int] | None = None, scope=None,
                     area_code: str | None = None, xml_form_id: str | None = None) -> list[Flagged]:
    """The flags of these kinds on current versions of the project's live submissions: some submissions', or
    those placed within `scope` (area ids, or None: no limit) and below the area `area_code`, of one form; newest
    submission first."""
    query = (_current_of_project(project_id, Submission.id, Submission.instance_id, Form.xml_form_id, Area.code,
                                 EvidenceFlag.kind,
                                 EvidenceFlag.ref, EvidenceFlag.evidence, EvidenceFlag.created_at)
             .join(EvidenceFlag, EvidenceFlag.submission_def_id == SubmissionDef.id)
             .where(EvidenceFlag.kind.in_(kinds))
             .order_by(Submission.created_at.desc(), Submission.id.desc(), EvidenceFlag.id))
    if submission_ids is not None:
        query = query.where(Submission.id.in_(submission_ids))
    if scope is not None:
        query = query.where(Submission.area_id.in_(descendants_select(scope)))
    if area_code is not None:
        query = query.where(Submission.area_id.in_(descendants_select(sa.select(Area.id)
                                                                      .where(Area.code == area_code))))
    if xml_form_id is not None:
        query = query.where(Form.xml_form_id == xml_form_id)
    return [Flagged(*row) for row in db.session.execute(query)]


def form_def_of(form_def_id: int) -> FormDef:
    return db.session.get(FormDef, form_def_id)
