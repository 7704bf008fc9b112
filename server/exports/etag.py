"""Central's weak ETag on the submission exports (`ETag: W/"eventhash:…"` on …/submissions.csv.zip, …/submissions.csv
and the OData tables): a client that sends it back in If-None-Match gets a 304 with no body while nothing it would
read has changed, so Power BI's and scripts' scheduled refreshes cost one small query instead of the whole export.

The tag is a digest of the request (its URL and options), the form's versions, the submitters' names and one
aggregate of the selected rows: how many, which submissions and current versions (ids: an edit makes a new
version), the latest change to any of them (a review or an edit sets updated_at), the latest deletion and how many
of their files have arrived. Those are what an export's cells are made of."""

import hashlib

import sqlalchemy as sa
from flask import request

from ..auth.models import Actor
from ..extensions import db
from ..forms.models import FormDef
from ..submissions import listing
from ..submissions.models import Submission, SubmissionAttachment, SubmissionDef

FORMAT = "1"  # part of every tag: change it when what an export writes changes


def selection_etag(form, scope, filters: listing.Filters, condition=sa.true(), order=(), after=None,
                   limit: int | None = None) -> str:
    """The tag of the rows listing.matching selects (in `order`, after the (created_at, id) `after`, the first
    `limit`), for this request. One query."""
    selection = listing.matching(form, scope, filters, [Submission.id.label("submission_id"),
                                                        SubmissionDef.id.label("def_id"),
                                                        sa.func.coalesce(Submission.updated_at, Submission.created_at)
                                                        .label("changed_at"),
                                                        Submission.deleted_at.label("deleted_at")]).where(condition)
    if after is not None:
        selection = selection.where(sa.or_(Submission.created_at < after.created_at,
                                           sa.and_(Submission.created_at == after.created_at,
                                                   Submission.id < after.id)))
    if limit is not None:
        selection = selection.order_by(*order, Submission.created_at.desc(), Submission.id.desc()).limit(limit)
    rows = selection.subquery()
    received = (sa.select(sa.func.count()).select_from(SubmissionAttachment)
                .where(SubmissionAttachment.blob_id.is_not(None),
                       SubmissionAttachment.submission_def_id.in_(sa.select(rows.c.def_id))).scalar_subquery())
    versions = (sa.select(sa.func.count(), sa.func.max(FormDef.id)).where(FormDef.form_id == form.id)
                .subquery())
    summary = db.session.execute(sa.select(
        sa.func.count(rows.c.submission_id), sa.func.sum(rows.c.submission_id), sa.func.sum(rows.c.def_id),
        sa.func.max(rows.c.changed_at), sa.func.max(rows.c.deleted_at), received,
        sa.select(versions.c[0]).scalar_subquery(), sa.select(versions.c[1]).scalar_subquery(),
        sa.select(sa.func.max(Actor.updated_at)).scalar_subquery())).one()
    parts = [FORMAT, request.method, request.url, sorted(request.form.items(multi=True)), form.current_def_id,
             getattr(form, "draft_def_id", None), [str(value) for value in summary]]
    return "eventhash:" + hashlib.md5(repr(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def matches(etag: str) -> bool:
    """Whether the request's If-None-Match names this tag (weak or strong, as Central compares; or *)."""
    sent = request.headers.get("If-None-Match")
    if not sent:
        return False
    tags = {item.strip() for item in sent.split(",")}
    return "*" in tags or f'"{etag}"' in tags or f'W/"{etag}"' in tags


def tagged(response, etag: str):
    response.headers["ETag"] = f'W/"{etag}"'
    return response
