"""The submissions an export reads, streamed from the database in Central's order (newest first), a batch at a
time: each one's current version's XML and what Central's root table says about it. Filters are the desk's
(submissions/listing.py), limited to the caller's areas."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import errors
from ..auth.models import Actor
from ..blobs.models import Blob
from ..db import read_ahead, stream_plain
from ..extensions import db
from ..forms.models import FormDef
from ..submissions import listing
from ..submissions.models import Submission, SubmissionAttachment, SubmissionDef
from .models import ExportRow
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


class Exported(NamedTuple):  # named tuples: an export makes one per row
    meta: SubmissionMeta
    xml: str | None  # None when a stored row was found (cells)
    def_id: int
    cells: str | None = None  # the version's stored row (stored_rows.py), when asked for and found
    rest: str | None = None


def _counts():
    """Per row: files received, files expected (of the current version) and edits (versions after the first)."""
    present = (sa.select(sa.func.count()).where(SubmissionAttachment.submission_def_id == SubmissionDef.id,
                                                SubmissionAttachment.blob_id.is_not(None)).scalar_subquery())
    expected = (sa.select(sa.func.count()).where(SubmissionAttachment.submission_def_id == SubmissionDef.id)
                .scalar_subquery())
    version = aliased(SubmissionDef)
    edits = sa.select(sa.func.count() - 1).where(version.submission_id == Submission.id).scalar_subquery()
    return present, expected, edits


@dataclass(frozen=True)
class StoredAsk:
    """Which stored rows an export reads (stored_rows.py): its fields key and kind, and whether it needs their
    `rest` (a layout with repeats)."""
    key: str
    kind: str
    with_rest: bool


def exported_submissions(form, scope, filters: listing.Filters, condition=sa.true(), stored: StoredAsk | None = None,
                         batch: int = BATCH) -> Iterator[Exported]:
    """Every matching submission's current version (the desk's `filters` and an OData $filter `condition`),
    newest first (created_at DESC, id DESC, as Central); with `stored`, each one's stored row where there is one,
    and its XML only where there is none."""
    present, expected, edits = _counts()
    columns = [Submission.instance_id, Submission.created_at, Submission.submitter_id, Actor.display_name, present,
               expected, Submission.review_state, Submission.device_id, edits, FormDef.version, SubmissionDef.id]
    query = (listing.matching(form, scope, filters, columns + _stored_columns(stored)).where(condition)
             .outerjoin(Actor, Actor.id == Submission.submitter_id)
             .join(FormDef, FormDef.id == SubmissionDef.form_def_id)
             .order_by(Submission.created_at.desc(), Submission.id.desc()))
    for values, xml, cells, rest in _with_xml(query, stored, 10, batch):
        yield Exported(SubmissionMeta(*values[:10]), xml, values[10], cells, rest)


def _stored_columns(stored):
    """The columns after the version's id: its stored cells (and rest), each read by the version's key (a probe
    of export_rows' primary key per row, whatever the table's statistics say), or, without `stored`, its XML."""
    if stored is None:
        return [SubmissionDef.xml]
    probe = sa.and_(ExportRow.submission_def_id == SubmissionDef.id, ExportRow.fields_key == stored.key,
                    ExportRow.kind == stored.kind)
    columns = [sa.select(ExportRow.cells).where(probe).scalar_subquery()]
    if stored.with_rest:
        columns.append(sa.select(ExportRow.rest).where(probe).scalar_subquery())
    return columns


def _with_xml(query, stored, def_column, batch, limit=None):
    """(row, XML, stored cells, stored rest) per row of `query` (made with _stored_columns after the version id
    at `def_column`): the XML of the versions without a stored row read a batch at a time, by id. On PostgreSQL the
    batches are read ahead, on a connection of their own, while the export writes the rows before them (unless
    the query's `limit` fits in one batch: nothing to overlap then)."""
    if limit is not None and limit <= batch:
        yield from (row for rows in _batches_with_xml(query, stored, def_column, batch) for row in rows)
        return
    for rows in read_ahead(lambda: _batches_with_xml(query, stored, def_column, batch)):
        yield from rows


def _batches_with_xml(query, stored, def_column, batch):
    _without_jit()
    for rows in stream_plain(db.session, query, batch):
        if stored is None:
            yield [(values, values[def_column + 1], None, None) for values in rows]
            continue
        missing = [values[def_column] for values in rows if values[def_column + 1] is None]
        xml = dict(db.session.execute(sa.select(SubmissionDef.id, SubmissionDef.xml)
                                      .where(SubmissionDef.id.in_(missing))).all()) if missing else {}
        with_rest = stored.with_rest
        yield [(values, xml.get(values[def_column]) if values[def_column + 1] is None else None,
                values[def_column + 1], values[def_column + 2] if with_rest else None) for values in rows]


def _without_jit():
    """PostgreSQL's JIT compiles an export's query for longer than the query runs (0.24 s of 0.53 s for 20,000
    rows): off for the rest of this transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))


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


class ODataSubmission(NamedTuple):
    instance_id: str
    xml: str | None  # None when a stored row was found (cells)
    system: System
    def_id: int
    cells: str | None = None
    rest: str | None = None


def skiptoken_mark(form, instance_id: str):
    """(created_at, id) of the submission a $skiptoken names. :raise 400.35: no such submission."""
    mark = db.session.execute(sa.select(Submission.created_at, Submission.id)
                              .where(Submission.form_id == form.id, Submission.instance_id == instance_id)).first()
    if mark is None:
        raise errors.invalid_skiptoken()
    return mark


def odata_submissions(form, scope, condition, order: list, after=None, limit: int | None = None,
                      stored: StoredAsk | None = None, batch: int = BATCH) -> Iterator[ODataSubmission]:
    """The caller's live submissions matching an OData `condition`, in `order` then Central's (newest first);
    `after`: only those after that (created_at, id) in Central's order ($skiptoken, skiptoken_mark); `stored`:
    as exported_submissions."""
    present, expected, edits = _counts()
    columns = [Submission.instance_id, Submission.created_at, Submission.updated_at, Submission.submitter_id,
               Actor.display_name, present, expected, Submission.review_state, Submission.device_id, edits,
               FormDef.version, Submission.deleted_at, SubmissionDef.id]
    query = (listing.matching(form, scope, listing.Filters(), columns + _stored_columns(stored)).where(condition)
             .outerjoin(Actor, Actor.id == Submission.submitter_id)
             .join(FormDef, FormDef.id == SubmissionDef.form_def_id)
             .order_by(*order, Submission.created_at.desc(), Submission.id.desc()))
    if after is not None:
        mark = after
        query = query.where(sa.or_(Submission.created_at < mark.created_at,
                                   sa.and_(Submission.created_at == mark.created_at, Submission.id < mark.id)))
    if limit is not None:
        query = query.limit(limit)
    for values, xml, cells, rest in _with_xml(query, stored, 12, batch, limit):
        yield ODataSubmission(values[0], xml, System(*values[1:12]), values[12], cells, rest)


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
