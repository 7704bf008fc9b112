"""Filing a new submission: every row its first POST creates, in as few round trips as the database allows.

ODK Collect's submissions are the server's busiest write, so this is the one place that skips the ORM.
On PostgreSQL the submission, its first version, its attachments, their blob rows and the audit entry
travel as one statement (data-modifying CTEs): one round trip instead of six. SQLite runs in-process,
where round trips cost nothing, and takes the same rows one statement at a time. Nothing is committed
here; the request commits once, after the files are durable in the blob store.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from .. import errors
from ..audit.queries import insert_audits
from ..blobs.models import Blob
from ..blobs.store import StoredFile
from ..db import execute_plain
from ..extensions import db
from .instance import Geopoint
from .models import Submission, SubmissionAttachment, SubmissionDef


@dataclass(frozen=True)
class NewAttachment:
    name: str
    stored: StoredFile | None  # None: named by the XML, not received yet
    content_type: str | None


@dataclass(frozen=True)
class NewSubmission:
    form_id: int
    xml_form_id: str
    form_def_id: int
    instance_id: str
    xml: str
    xml_sha256: str
    instance_name: str | None
    point: Geopoint | None
    area_id: int | None  # placing.place
    outside_areas: bool  # placing.is_outside
    submitter_id: int | None
    device_id: str | None
    user_agent: str | None
    attachments: tuple  # of NewAttachment
    audit: dict  # audit.service.audit_entry's values, but actee_id: the new submission's id, known once filed
    received_at: datetime


def file_submission(new: NewSubmission):
    """Insert a new submission with everything it carries; return its id, or None when its instanceID
    is already filed (then nothing is inserted: a retry or a split upload's next part, for the caller to
    top up). :raise 409.8: an edited version of another submission already uses the instanceID."""
    file = _file_on_postgresql if db.session.get_bind().dialect.name == "postgresql" else _file_one_by_one
    try:
        return file(new)
    except IntegrityError:
        raise errors.instance_id_conflict() from None


POSTGRESQL_FILING = sa.text("""
WITH new_blobs AS (
    INSERT INTO blobs (sha256, md5, size, created_at)
    SELECT b.sha256, b.md5, b.size, :received_at
    FROM jsonb_to_recordset(CAST(:blobs AS jsonb)) AS b(sha256 text, md5 text, size bigint)
    ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256  -- a no-op that makes RETURNING give old rows too
    RETURNING id, sha256
), new_submission AS (
    INSERT INTO submissions (form_id, instance_id, submitter_id, device_id, user_agent, area_id, outside_areas,
                             created_at)
    VALUES (:form_id, :instance_id, :submitter_id, :device_id, :user_agent, :area_id, :outside_areas, :received_at)
    ON CONFLICT (form_id, instance_id) DO NOTHING
    RETURNING id
), new_def AS (
    INSERT INTO submission_defs (submission_id, form_id, form_def_id, instance_id, xml, xml_sha256, current,
                                 instance_name, submitter_id, device_id, user_agent, latitude, longitude, altitude,
                                 accuracy, location, created_at)
    SELECT id, :form_id, :form_def_id, :instance_id, :xml, :xml_sha256, true, :instance_name, :submitter_id,
           :device_id, :user_agent, :latitude, :longitude, :altitude, :accuracy, ST_GeomFromEWKT(:location),
           :received_at
    FROM new_submission
    RETURNING id
), new_attachments AS (
    INSERT INTO submission_attachments (submission_def_id, name, blob_id, content_type)
    SELECT new_def.id, a.name, new_blobs.id, a.content_type
    FROM new_def CROSS JOIN ROWS FROM (jsonb_to_recordset(CAST(:attachments AS jsonb))
                                       AS (name text, sha256 text, content_type text))
         WITH ORDINALITY AS a(name, sha256, content_type, position)
    LEFT JOIN new_blobs ON new_blobs.sha256 = a.sha256
    ORDER BY a.position
), audit AS (
    INSERT INTO audits (actor_id, action, actee_type, actee_id, details, notes, logged_at)
    SELECT :audit_actor_id, :audit_action, :audit_actee_type, CAST(id AS text), CAST(:audit_details AS json),
           :audit_notes, :audit_logged_at
    FROM new_submission
)
SELECT id FROM new_submission
""")


def _file_on_postgresql(new):
    blobs = {item.stored.sha256: item.stored for item in new.attachments if item.stored is not None}
    point = new.point
    return execute_plain(db.session, POSTGRESQL_FILING, {
        **_submission_values(new), **_def_values(new), "received_at": new.received_at,
        "blobs": json.dumps([{"sha256": b.sha256, "md5": b.md5, "size": b.size} for b in blobs.values()]),
        "attachments": json.dumps([{"name": item.name, "sha256": item.stored.sha256 if item.stored else None,
                                    "content_type": item.content_type} for item in new.attachments]),
        "location": point.ewkt if point is not None else None,
        **{f"audit_{name}": value for name, value in new.audit.items() if name != "actee_id"},
        "audit_details": json.dumps(new.audit["details"], ensure_ascii=False),
    }).scalar()


def _file_one_by_one(new):
    inserted = db.session.execute(
        sqlite.insert(Submission).values(created_at=new.received_at, **_submission_values(new))
        .on_conflict_do_nothing(index_elements=["form_id", "instance_id"]).returning(Submission.id))
    submission_id = inserted.scalar()
    if submission_id is None:
        return None
    point = new.point
    def_id = db.session.execute(sa.insert(SubmissionDef).values(
        submission_id=submission_id, form_id=new.form_id, current=True, location=point.ewkt if point else None,
        created_at=new.received_at, **_def_values(new)).returning(SubmissionDef.id)).scalar()
    for item in new.attachments:
        blob_id = _blob_id(item.stored, new.received_at) if item.stored is not None else None
        db.session.execute(sa.insert(SubmissionAttachment).values(
            submission_def_id=def_id, name=item.name, blob_id=blob_id, content_type=item.content_type))
    insert_audits([{**new.audit, "actee_id": str(submission_id)}])
    return submission_id


def _blob_id(stored, now):
    values = {"sha256": stored.sha256, "md5": stored.md5, "size": stored.size, "created_at": now}
    inserted = db.session.execute(sqlite.insert(Blob).values(**values)
                                  .on_conflict_do_nothing(index_elements=["sha256"]).returning(Blob.id)).scalar()
    return inserted or db.session.execute(sa.select(Blob.id).where(Blob.sha256 == stored.sha256)).scalar_one()


def _submission_values(new):
    return {"form_id": new.form_id, "instance_id": new.instance_id, "submitter_id": new.submitter_id,
            "device_id": new.device_id, "user_agent": new.user_agent, "area_id": new.area_id,
            "outside_areas": new.outside_areas}


def _def_values(new):
    point = new.point
    return {"form_def_id": new.form_def_id, "instance_id": new.instance_id, "xml": new.xml,
            "xml_sha256": new.xml_sha256, "instance_name": new.instance_name, "submitter_id": new.submitter_id,
            "device_id": new.device_id, "user_agent": new.user_agent,
            "latitude": point.latitude if point else None, "longitude": point.longitude if point else None,
            "altitude": point.altitude if point else None, "accuracy": point.accuracy if point else None}

