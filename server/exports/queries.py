"""The submissions an export reads, streamed from the database in Central's order (newest first), a batch at a
time: each one's current version's XML and what Central's root table says about it. Filters are the desk's
(submissions/listing.py), limited to the caller's areas."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import errors
from ..auth.models import Actor
from ..blobs.models import Blob
from ..extensions import db
from ..forms.models import FormDef
from ..submissions import listing
from ..submissions.models import Submission, SubmissionAttachment, SubmissionDef
from .odata import System
from .tables import SubmissionMeta

BATCH = 500


@dataclass(frozen=True)
class FormRef:
    """What the streamed exports read of a form: plain values, since the response is written after the request's
    transaction has ended (its ORM objects are gone by then)."""
    id: int
    project_id: int
    current_def_id: int | None
    xml_form_id: str

    @classmethod
    def of(cls, form):
        return cls(form.id, form.project_id, form.current_def_id, form.xml_form_id)


@dataclass(frozen=True)
class Exported:
    meta: SubmissionMeta
    xml: str
    def_id: int


def _counts():
    """Per row: files received, files expected (of the current version) and edits (versions after the first)."""
    present = (sa.select(sa.func.count()).where(SubmissionAttachment.submission_def_id == SubmissionDef.id,
                                                SubmissionAttachment.blob_id.is_not(None)).scalar_subquery())
    expected = (sa.select(sa.func.count()).where(SubmissionAttachment.submission_def_id == SubmissionDef.id)
                .scalar_subquery())
    version = aliased(SubmissionDef)
    edits = sa.select(sa.func.count() - 1).where(version.submission_id == Submission.id).scalar_subquery()
    return present, expected, edits


def exported_submissions(form, scope, filters: listing.Filters, condition=sa.true(),
                         batch: int = BATCH) -> Iterator[Exported]:
    """Every matching submission's current version (the desk's `filters` and an OData $filter `condition`),
    newest first (created_at DESC, id DESC, as Central)."""
    present, expected, edits = _counts()
    columns = [Submission.instance_id, Submission.created_at, Submission.submitter_id, Actor.display_name, present,
               expected, Submission.review_state, Submission.device_id, edits, FormDef.version, SubmissionDef.xml,
               SubmissionDef.id]
    query = (listing.matching(form, scope, filters, columns).where(condition)
             .outerjoin(Actor, Actor.id == Submission.submitter_id)
             .join(FormDef, FormDef.id == SubmissionDef.form_def_id)
             .order_by(Submission.created_at.desc(), Submission.id.desc()))
    result = db.session.execute(query.execution_options(yield_per=batch))
    for values in result:
        yield Exported(SubmissionMeta(*values[:10]), values[10], values[11])


def present_media(def_ids: list[int], with_def: bool = False) -> list[tuple]:
    """(file name, blob sha256, content type) of the received files of these versions, in their order; with
    `with_def`, (version id, file name, blob sha256, content type)."""
    rows = db.session.execute(
        sa.select(SubmissionAttachment.submission_def_id, SubmissionAttachment.name, Blob.sha256,
                  SubmissionAttachment.content_type)
        .join(Blob, Blob.id == SubmissionAttachment.blob_id)
        .where(SubmissionAttachment.submission_def_id.in_(def_ids))
        .order_by(SubmissionAttachment.submission_def_id, SubmissionAttachment.id))
    order = {def_id: position for position, def_id in enumerate(def_ids)}
    ordered = sorted(rows, key=lambda row: order[row[0]])
    return [tuple(row) if with_def else tuple(row[1:]) for row in ordered]


@dataclass(frozen=True)
class ODataSubmission:
    instance_id: str
    xml: str
    system: System


def skiptoken_mark(form, instance_id: str):
    """(created_at, id) of the submission a $skiptoken names. :raise 400.35: no such submission."""
    mark = db.session.execute(sa.select(Submission.created_at, Submission.id)
                              .where(Submission.form_id == form.id, Submission.instance_id == instance_id)).first()
    if mark is None:
        raise errors.invalid_skiptoken()
    return mark


def odata_submissions(form, scope, condition, order: list, after=None,
                      limit: int | None = None, batch: int = BATCH) -> Iterator[ODataSubmission]:
    """The caller's live submissions matching an OData `condition`, in `order` then Central's (newest first);
    `after`: only those after that (created_at, id) in Central's order ($skiptoken, skiptoken_mark)."""
    present, expected, edits = _counts()
    columns = [Submission.instance_id, SubmissionDef.xml, Submission.created_at, Submission.updated_at,
               Submission.submitter_id, Actor.display_name, present, expected, Submission.review_state,
               Submission.device_id, edits, FormDef.version, Submission.deleted_at]
    query = (listing.matching(form, scope, listing.Filters(), columns).where(condition)
             .outerjoin(Actor, Actor.id == Submission.submitter_id)
             .join(FormDef, FormDef.id == SubmissionDef.form_def_id)
             .order_by(*order, Submission.created_at.desc(), Submission.id.desc()))
    if after is not None:
        mark = after
        query = query.where(sa.or_(Submission.created_at < mark.created_at,
                                   sa.and_(Submission.created_at == mark.created_at, Submission.id < mark.id)))
    if limit is not None:
        query = query.limit(limit)
    for values in db.session.execute(query.execution_options(yield_per=batch)):
        yield ODataSubmission(values[0], values[1], System(*values[2:]))


def batches(items: Iterable, size: int) -> Iterator[list]:
    """`items` in lists of `size` (the last one shorter): rows looked up or written a batch at a time."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
