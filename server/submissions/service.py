"""Receiving and changing submissions, with ODK Central's semantics.

- Same instanceID and byte-identical XML is a resubmission: it only adds or replaces files (this is
  how ODK Collect's split uploads and retries after a lost response work), never a second record.
- Same instanceID with different XML is a conflict (409.1); Collect shows the message.
- meta/deprecatedID names the version being edited: a new version, reviewState "edited", earlier
  files carried over by name.
- Only files named by the XML's binary fields are kept; other parts are ignored.
Operations flush; the request commits once, after every file is durable in the blob store.
"""

import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from .. import errors
from ..areas.service import actor_scope, is_within
from ..audit.service import audit_entry, log_action, record_action
from ..auth.service import verbs_of_actor
from ..blobs.service import blob_store, ensure_blob_row, store_blob_stream
from ..blobs.store import TooLarge
from ..db import utcnow
from ..evidence.background import check_after_commit
from ..evidence.queries import files_changed
from ..extensions import db
from ..forms import queries as form_queries
from ..forms.fields import binary_fields, fields_of, fields_of_version, first_geopoint
from ..safexml import UnsafeXML
from ..text import is_storable, storable
from . import placing, queries
from .filing import NewAttachment, NewSubmission, file_submission
from .instance import InstanceError, attachment_names, read_geopoint, read_instance
from .models import REVIEW_STATES, Comment, Submission, SubmissionAttachment, SubmissionDef

MAX_INSTANCE_ID = 255  # the column's length


@dataclass(frozen=True)
class Sender:
    actor_id: int | None
    device_id: str | None = None
    user_agent: str | None = None
    actor_type: str | None = None  # "user" or "field_key" (an app user)


@dataclass(frozen=True)
class Received:
    """A file that came with the submission, already durable in the blob store."""
    stored: object  # blobs.store.StoredFile
    content_type: str


def read_submission_xml(xml: bytes):
    """Identify a submission's XML. :raise 400.2: no form id, :raise 400.51: malformed or hostile XML."""
    try:
        xml.decode("utf-8")
        instance = read_instance(xml)
    except UnicodeDecodeError:
        raise errors.hostile_xml(reason="the XML is not UTF-8 encoded") from None
    except UnsafeXML as error:
        raise errors.hostile_xml(reason=str(error)) from None
    except InstanceError:
        raise errors.missing_parameter(field="form ID xml attribute") from None
    for field, value in (("instanceID", instance.instance_id), ("deprecatedID", instance.deprecated_id)):
        if value is not None and (len(value) > MAX_INSTANCE_ID or not is_storable(value)):
            raise errors.unexpected_value(field=field, value=repr(value[:40] + "…"),
                                          reason=f"an instance ID is at most {MAX_INSTANCE_ID} characters.")
    return instance


def receive_submission(project_id, instance, xml: bytes, files, sender: Sender):
    """File an OpenRosa submission; return True if it is new. `files` maps part name → upload (.stream, .content_type).

    :raise 404.1: no such form, :raise 403.1: the sender may not submit to it, :raise 409.2: closed,
    :raise 404.6: the XML names a version never published.
    """
    target = queries.get_submission_target(project_id, instance.xml_form_id, instance.version, sender.actor_id)
    if target is None:
        raise errors.not_found()
    if not target.may_submit:
        raise errors.insufficient_rights()
    if target.state == "closed":
        raise errors.not_accepting_submissions()
    if target.form_def_id is None:
        raise errors.form_version_not_found(formVersion=instance.version)
    fields = fields_of_version(target.form_def_id, target.form_def_sha256,
                               lambda: form_queries.get_def_xml(target.form_def_id))
    names = named_files(instance, fields)
    received = store_received_files(names, files)
    check_after_commit(project_id)  # the evidence checks (evidence/background.py), once this has committed
    if instance.deprecated_id:
        form, form_def = form_queries.get_form(target.form_id), form_queries.get_def(target.form_def_id)
        return edit_submission(form, form_def, instance, xml, received, sender, check_editor=True)[1]
    version = (target.form_def_id, target.form_def_sha256, target.rules_sha256)
    new = new_submission(project_id, target.form_id, target.xml_form_id, version, fields, names, instance, xml,
                         received, sender)
    if file_submission(new) is not None:
        return True
    # Filed before (a retry, a split upload's next part, or the same upload arriving twice at once).
    existing = queries.get_def_by_instance_id(target.form_id, instance.instance_id)
    if received and existing.submitter_id != sender.actor_id \
            and "submission.update" not in verbs_of_actor(sender.actor_id, project_id, target.form_id):
        raise errors.insufficient_rights()  # only its sender (or an editor) may add or replace its files
    top_up(existing, xml, received)
    if received:
        files_changed(existing.id)
    return False


def named_files(instance, fields):
    """The file names the instance's binary fields hold, in order."""
    return attachment_names(instance.root, binary_fields(fields))


def store_received_files(names, files):
    """{name: Received} for the files the XML names (`names`) that came with this request (others are
    ignored, as Central does); each is durable in the blob store before the request commits."""
    store = blob_store()
    return {name: Received(store.put_stream(files[name].stream),
                           storable(files[name].content_type, 255) or "application/octet-stream")
            for name in names if name in files}


def new_submission(project_id, form_id, xml_form_id, version, fields, names, instance, xml, received, sender):
    """The rows of a new submission, as plain data for filing, placed in its area (placing.py); `version` is
    the form version's (id, XForm sha256, workbook sha256 or None)."""
    now = utcnow()
    form_def_id = version[0]
    point = read_geopoint(instance.root, first_geopoint(fields))
    area_id = placing.place(project_id, version, instance.root, point)
    attachments = tuple(NewAttachment(name, received[name].stored if name in received else None,
                                      received[name].content_type if name in received else None) for name in names)
    return NewSubmission(
        form_id=form_id, xml_form_id=xml_form_id, form_def_id=form_def_id, instance_id=instance.instance_id,
        xml=xml.decode("utf-8"), xml_sha256=hashlib.sha256(xml).hexdigest(), instance_name=instance.instance_name,
        point=point, area_id=area_id,
        outside_areas=placing.is_outside(project_id, sender.actor_id, sender.actor_type, area_id),
        submitter_id=sender.actor_id,
        device_id=sender.device_id, user_agent=sender.user_agent, attachments=attachments,
        audit=audit_entry(sender.actor_id, "submission.create", "submission", logged_at=now,
                          details={"xmlFormId": xml_form_id, "instanceId": instance.instance_id}),
        received_at=now)


def top_up(existing_def, xml, received):
    """A resubmission of identical XML adds (or replaces) the files it carries. :raise 409.1: different XML."""
    if existing_def.xml_sha256 != hashlib.sha256(xml).hexdigest():
        raise errors.xml_conflict()
    for attachment in existing_def.attachments:
        if attachment.name in received:
            _attach_received(attachment, received[attachment.name])
    return db.session.get(Submission, existing_def.submission_id)


def edit_submission(form, form_def, instance, xml, received, sender, check_editor=False):
    """A new version of the submission whose current version is meta/deprecatedID. With `check_editor` (an
    edit from Collect), the sender must hold submission.update on the form, or have sent the version it
    replaces, and be allowed in the submission's area: :raise 403.1:"""
    previous = queries.get_def_by_instance_id(form.id, instance.deprecated_id)
    if previous is None:
        raise errors.deprecated_id_not_found(deprecatedId=instance.deprecated_id)
    if check_editor:
        check_may_edit(form, previous, sender)
    already = queries.get_def_by_instance_id(form.id, instance.instance_id)
    if already is not None:
        if already.xml_sha256 == hashlib.sha256(xml).hexdigest():
            return top_up(already, xml, received), False
        raise errors.instance_id_conflict()
    if not previous.current:
        raise errors.deprecating_old_submission(deprecatedId=instance.deprecated_id)
    submission = db.session.get(Submission, previous.submission_id)
    previous.current = False
    db.session.flush()
    submission_def = _new_def(submission, form_def, instance, xml, sender)
    _attach(submission_def, instance, form_def, received,
            carried={item.name: item for item in previous.attachments if item.blob_id is not None})
    submission.review_state, submission.updated_at = "edited", utcnow()
    submission.area_id = placing.place(form.project_id, placing.version_of(form_def), instance.root,
                                       read_geopoint(instance.root, first_geopoint(fields_of(form_def))))
    submission.outside_areas = placing.is_outside(form.project_id, sender.actor_id, sender.actor_type,
                                                  submission.area_id)
    record_action(sender.actor_id, "submission.update.version", "submission", submission.id,
                  {"instanceId": instance.instance_id, "deprecatedId": instance.deprecated_id})
    return submission, True


def check_may_edit(form, previous, sender):
    """An edit by deprecatedID needs submission.update on the form, or being the submitter of the version it
    replaces; and the submission in the sender's areas. :raise 403.1:"""
    may_update = "submission.update" in verbs_of_actor(sender.actor_id, form.project_id, form.id)
    if not may_update and previous.submitter_id != sender.actor_id:
        raise errors.insufficient_rights()
    check_sender_areas(form.project_id, db.session.get(Submission, previous.submission_id).area_id, sender)


def check_sender_areas(project_id, area_id, sender):
    """A sender limited to areas may file over REST, and edit, only in them (Collect's new filings are kept and
    marked instead: placing.py). :raise 403.1:"""
    if not is_within(actor_scope(project_id, sender.actor_id, sender.actor_type), area_id):
        raise errors.insufficient_rights()


def create_from_rest(form, instance, xml, sender):
    """POST …/forms/{f}/submissions with an XML body. :raise 400.8: other form, :raise 409.3: id exists,
    :raise 403.1: a subject outside the sender's areas."""
    _check_same_form(form, instance)
    if form.state == "closed":
        raise errors.not_accepting_submissions()
    if queries.get_def_by_instance_id(form.id, instance.instance_id) is not None:
        raise errors.uniqueness_violation(fields="instanceID", values=instance.instance_id)
    form_def = form_def_for(form, instance.version)
    fields = fields_of(form_def)
    new = new_submission(form.project_id, form.id, form.xml_form_id, placing.version_of(form_def), fields,
                         named_files(instance, fields), instance, xml, {}, sender)
    check_sender_areas(form.project_id, new.area_id, sender)
    submission_id = file_submission(new)
    if submission_id is None:  # filed by another request a moment ago
        raise errors.uniqueness_violation(fields="instanceID", values=instance.instance_id)
    return db.session.get(Submission, submission_id)


def edit_from_rest(form, submission, instance, xml, sender):
    """PUT …/submissions/{instanceId}: the XML's deprecatedID must be the current version. :raise 400.19:"""
    _check_same_form(form, instance)
    current = queries.get_current_def(submission.id)
    if instance.deprecated_id != current.instance_id:
        raise errors.expected_deprecation()
    submission, _ = edit_submission(form, form_def_for(form, instance.version), instance, xml, {}, sender)
    check_sender_areas(form.project_id, submission.area_id, sender)  # else the request rolls the edit back
    return submission


def form_def_for(form, version):
    """The published version a submission names (any, not only the newest). :raise 404.6:"""
    if form.current_def is not None and form.current_def.version == version:
        return form.current_def
    form_def = form_queries.get_published_def_by_version(form.id, version)
    if form_def is None:
        raise errors.form_version_not_found(formVersion=version)
    return form_def


def upload_attachment(submission_def, name, stream, content_type, actor, limit=None):
    """POST …/submissions/{id}/attachments/{name}. :raise 404.1: the XML names no such file, :raise 413.1:"""
    attachment = queries.get_attachment(submission_def.id, name)
    if attachment is None:
        raise errors.not_found()
    try:
        blob = store_blob_stream(stream, limit=limit)
    except TooLarge:
        raise errors.body_too_large(limit=limit) from None
    attachment.blob_id, attachment.content_type = blob.id, storable(content_type, 255)
    log_action(actor, "submission.attachment.update", "submission", submission_def.submission_id, {"name": name})
    _files_changed(submission_def)
    return attachment


def _files_changed(submission_def):
    """Its evidence is checked again (its photos changed), once this has committed."""
    files_changed(submission_def.id)
    check_after_commit(form_queries.get_form(submission_def.form_id).project_id)


def clear_attachment(submission_def, name, actor):
    attachment = queries.get_attachment(submission_def.id, name)
    if attachment is None or attachment.blob_id is None:
        raise errors.not_found()
    attachment.blob_id, attachment.content_type = None, None
    log_action(actor, "submission.attachment.update", "submission", submission_def.submission_id,
               {"name": name, "cleared": True})
    _files_changed(submission_def)


def set_review_state(submission, state, actor):
    """received (null), hasIssues, edited, approved, rejected. :raise 400.8: any other value."""
    if state is not None and state not in REVIEW_STATES:
        raise errors.unexpected_value(field="reviewState", value=repr(state),
                                      reason="expected null, hasIssues, edited, approved or rejected.")
    submission.review_state, submission.updated_at = state, utcnow()
    log_action(actor, "submission.update", "submission", submission.id, {"reviewState": state})
    return submission


MAX_BULK_REVIEW = 1000


def review_many(form, instance_ids, state, comment, actor, check_area):
    """Give many submissions of the form one review state (and, when `comment` is given, the same comment), all
    or nothing: every instance id must name a live submission of the form that `check_area(submission)` lets
    the caller touch. Each change is audited per submission, as one PATCH would be. Returns the submissions.
    :raise 400.8: no ids, too many, not text, or an unknown state, :raise 404.1: an id names nothing,
    :raise 403.1: one lies outside the caller's areas."""
    if not isinstance(instance_ids, list) or not instance_ids or len(instance_ids) > MAX_BULK_REVIEW \
            or not all(isinstance(item, str) and is_storable(item) for item in instance_ids):
        raise errors.unexpected_value(field="instanceIds", value=f"({type(instance_ids).__name__})",
                                      reason=f"expected a list of 1 to {MAX_BULK_REVIEW} instance IDs.")
    if comment is not None and not isinstance(comment, str):
        raise errors.unexpected_value(field="comment", value=f"({type(comment).__name__})", reason="expected text.")
    wanted = list(dict.fromkeys(instance_ids))
    found = {item.instance_id: item for item in queries.get_submissions_by_instance_ids(form.id, wanted)}
    missing = [instance_id for instance_id in wanted if instance_id not in found]
    if missing:
        raise errors.not_found()
    submissions = [found[instance_id] for instance_id in wanted]
    for submission in submissions:
        check_area(submission)
    for submission in submissions:
        set_review_state(submission, state, actor)
        if comment and comment.strip():
            add_comment(submission, comment.strip(), actor)
    return submissions


def add_comment(submission, body, actor):
    if not isinstance(body, str) or not body.strip():
        raise errors.missing_parameter(field="body")
    comment = Comment(submission_id=submission.id, actor_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    log_action(actor, "comment.create", "submission", submission.id, {"commentId": comment.id})
    return comment


def _check_same_form(form, instance):
    if instance.xml_form_id != form.xml_form_id:
        raise errors.unexpected_value(field="form ID", value=repr(instance.xml_form_id),
                                      reason=f"this is the form '{form.xml_form_id}'.")


def _new_def(submission, form_def, instance, xml, sender):
    fields = fields_of(form_def)
    point = read_geopoint(instance.root, first_geopoint(fields))
    submission_def = SubmissionDef(
        submission_id=submission.id, form_id=submission.form_id, form_def_id=form_def.id,
        instance_id=instance.instance_id, xml=xml.decode("utf-8"), xml_sha256=hashlib.sha256(xml).hexdigest(),
        instance_name=instance.instance_name, submitter_id=sender.actor_id, device_id=sender.device_id,
        user_agent=sender.user_agent, current=True)
    if point is not None:
        submission_def.latitude, submission_def.longitude = point.latitude, point.longitude
        submission_def.altitude, submission_def.accuracy = point.altitude, point.accuracy
        submission_def.location = point.ewkt
    db.session.add(submission_def)
    try:
        db.session.flush()
    except IntegrityError:  # an instanceID that an edited version already uses
        raise errors.instance_id_conflict() from None
    return submission_def


def _attach(submission_def, instance, form_def, received, carried):
    """One row per file the XML names: received now, carried from the edited version, or awaited."""
    for name in named_files(instance, fields_of(form_def)):
        attachment = SubmissionAttachment(submission_def_id=submission_def.id, name=name)
        if name in received:
            _attach_received(attachment, received[name])
        elif name in carried:
            attachment.blob_id, attachment.content_type = carried[name].blob_id, carried[name].content_type
        db.session.add(attachment)
    db.session.flush()


def _attach_received(attachment, received):
    attachment.blob_id, attachment.content_type = ensure_blob_row(received.stored).id, received.content_type
