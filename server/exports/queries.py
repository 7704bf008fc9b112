"""The submissions an export reads, streamed from the database in Central's order (newest first), a batch at a
time: each one's current version's XML and what Central's root table says about it. Filters are the desk's
(submissions/listing.py), limited to the caller's areas."""

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..auth.models import Actor
from ..blobs.models import Blob
from ..extensions import db
from ..forms.models import FormDef
from ..submissions import listing
from ..submissions.models import Submission, SubmissionAttachment, SubmissionDef
from .tables import SubmissionMeta

BATCH = 500


@dataclass(frozen=True)
class Exported:
    meta: SubmissionMeta
    xml: str
    def_id: int


def exported_submissions(form, scope, filters: listing.Filters, batch: int = BATCH) -> Iterator[Exported]:
    """Every matching submission's current version, newest first (created_at DESC, id DESC, as Central)."""
    present = (sa.select(sa.func.count()).where(SubmissionAttachment.submission_def_id == SubmissionDef.id,
                                                SubmissionAttachment.blob_id.is_not(None)).scalar_subquery())
    expected = (sa.select(sa.func.count()).where(SubmissionAttachment.submission_def_id == SubmissionDef.id)
                .scalar_subquery())
    version = aliased(SubmissionDef)
    edits = sa.select(sa.func.count() - 1).where(version.submission_id == Submission.id).scalar_subquery()
    columns = [Submission.instance_id, Submission.created_at, Submission.submitter_id, Actor.display_name, present,
               expected, Submission.review_state, Submission.device_id, edits, FormDef.version, SubmissionDef.xml,
               SubmissionDef.id]
    query = (listing.matching(form, scope, filters, columns)
             .outerjoin(Actor, Actor.id == Submission.submitter_id)
             .join(FormDef, FormDef.id == SubmissionDef.form_def_id)
             .order_by(Submission.created_at.desc(), Submission.id.desc()))
    result = db.session.execute(query.execution_options(yield_per=batch))
    for values in result:
        yield Exported(SubmissionMeta(*values[:10]), values[10], values[11])


def present_media(def_ids: list[int]) -> list[tuple[str, str, str | None]]:
    """(file name, blob sha256, content type) of the received files of these versions, in their order."""
    rows = db.session.execute(
        sa.select(SubmissionAttachment.submission_def_id, SubmissionAttachment.name, Blob.sha256,
                  SubmissionAttachment.content_type)
        .join(Blob, Blob.id == SubmissionAttachment.blob_id)
        .where(SubmissionAttachment.submission_def_id.in_(def_ids))
        .order_by(SubmissionAttachment.submission_def_id, SubmissionAttachment.id))
    order = {def_id: position for position, def_id in enumerate(def_ids)}
    return [(name, sha256, content_type)
            for _, name, sha256, content_type in sorted(rows, key=lambda row: order[row[0]])]
