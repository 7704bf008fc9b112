"""Form operations: create from an XLSForm or XForm, drafts, publishing, attachments, state.

Mirrors ODK Central's lifecycle: a form is created as a draft (or published at once with
?publish=true); each published definition is a version whose string is unique within the form;
media files attach to a draft and are carried into the next draft by name.
"""

import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from .. import errors
from ..audit.service import log_action
from ..blobs.service import store_blob_bytes, store_blob_stream
from ..blobs.store import TooLarge
from ..db import utcnow
from ..extensions import db
from ..safexml import UnsafeXML
from ..scoring.rules import RulesError, read_rules
from . import queries
from .fields import read_fields
from .models import Form, FormAttachment, FormDef
from .xform import XFormError, read_xform, set_version
from .xlsform import (
    XLS_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    ValidatorUnavailable,
    XLSFormError,
    convert_xlsform,
    validate_xform,
)

XML_CONTENT_TYPES = ("application/xml", "text/xml")
MAX_SCORING_PROBLEMS = 500  # a hostile sheet could list tens of thousands; `count` says how many there were
FORM_STATES = ("open", "closing", "closed")


@dataclass(frozen=True)
class UploadOptions:
    content_type: str
    form_id_fallback: str | None
    ignore_warnings: bool
    validate: bool
    max_unzipped: int


@dataclass(frozen=True)
class Definition:
    """A checked form definition, ready to store."""

    xml: bytes
    info: object
    xls: bytes | None
    xls_content_type: str | None
    itemsets: bytes | None
    warnings: list


def read_definition(data: bytes, options: UploadOptions) -> Definition:
    """Turn an uploaded body into a checked definition. :raise 400.15/400.16/400.56/400.51/400.53/415.1:"""
    content_type = (options.content_type or "").split(";")[0].strip().lower()
    try:
        if content_type in (XLSX_CONTENT_TYPE, XLS_CONTENT_TYPE):
            return _from_xlsform(data, content_type, options)
        if content_type in XML_CONTENT_TYPES:
            return _from_xform(data, options)
    except ValidatorUnavailable as error:
        raise errors.validator_unavailable(reason=str(error)) from None
    raise errors.unsupported_media_type(content_type=content_type or None, expected=(
        f"an XLSForm ({XLSX_CONTENT_TYPE} or {XLS_CONTENT_TYPE}) or an XForm (application/xml)"))


def _from_xlsform(data, content_type, options):
    try:
        converted = convert_xlsform(data, content_type, options.form_id_fallback, validate=options.validate,
                                    max_unzipped=options.max_unzipped)
    except XLSFormError as error:
        raise errors.xlsform_not_valid(error=error.message, warnings=error.warnings) from None
    _check_scoring_sheets(data, content_type, converted.xform)
    if converted.warnings and not options.ignore_warnings:
        raise errors.form_warnings(warnings={"xlsFormWarnings": converted.warnings})
    info = _read_info(converted.xform)
    return Definition(converted.xform, info, data, content_type, converted.itemsets, converted.warnings)


def _check_scoring_sheets(data, content_type, xform):
    """Check the criteria sheets pyxform skips against the survey's fields (docs/xlsform-scoring.md).

    The rules are not stored: they are read again from the kept spreadsheet when scoring. :raise 400.53:
    """
    types = {field.path[-1]: field.type for field in read_fields(xform)}
    try:
        read_rules(data, file_type="xls" if content_type == XLS_CONTENT_TYPE else "xlsx", field_types=types)
    except RulesError as error:
        problems = [problem.to_dict() for problem in error.problems]
        raise errors.scoring_sheet_invalid(error=str(error.problems[0]), problems=problems[:MAX_SCORING_PROBLEMS],
                                           count=len(problems)) from None


def _from_xform(data, options):
    info = _read_info(data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.xform_not_valid(reason="the XML is not UTF-8 encoded") from None
    warnings = []
    if options.validate:
        try:
            warnings = validate_xform(data)
        except XLSFormError as error:
            raise errors.xform_not_valid(reason=error.message) from None
    return Definition(data, info, None, None, None, warnings)


def _read_info(xml):
    try:
        return read_xform(xml)
    except UnsafeXML as error:
        raise errors.hostile_xml(reason=str(error)) from None
    except XFormError as error:
        raise errors.xform_not_valid(reason=str(error)) from None


def create_form(project, definition: Definition, publish=False, by=None):
    """Create a form whose first definition is a draft, or published at once. :raise 409.3: id taken."""
    xml_form_id = definition.info.xml_form_id
    if queries.get_form_by_project_and_xml_form_id(project.id, xml_form_id) is not None:
        raise errors.uniqueness_violation(fields="projectId, xmlFormId", values=f"{project.id}, {xml_form_id}")
    form = Form(project_id=project.id, xml_form_id=xml_form_id, created_by=by.id if by else None)
    db.session.add(form)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise errors.uniqueness_violation(fields="projectId, xmlFormId",
                                          values=f"{project.id}, {xml_form_id}") from None
    form.draft_def = _store_definition(form, definition, carry_from=None)
    db.session.flush()
    log_action(by, "form.create", "form", form.id, {"projectId": project.id, "xmlFormId": xml_form_id})
    if publish:
        publish_draft(form, by=by)
    return form


def create_draft(form, definition: Definition | None, by=None):
    """Replace the form's draft with a new definition, or a copy of the published one when none is given."""
    _refuse_if_closed(form)
    if definition is None:
        if form.current_def is None:
            raise errors.no_draft(xmlFormId=form.xml_form_id)
        definition = _definition_of(form.current_def)
    elif definition.info.xml_form_id != form.xml_form_id:
        raise errors.unexpected_value(field="xmlFormId", value=repr(definition.info.xml_form_id),
                                      reason=f"the draft must keep the form ID '{form.xml_form_id}'.")
    previous = form.draft_def or form.current_def
    form.draft_def = _store_definition(form, definition, carry_from=previous)
    form.updated_at = utcnow()
    db.session.flush()
    log_action(by, "form.update.draft.set", "form", form.id, {"version": definition.info.version})
    return form.draft_def


def _definition_of(form_def):
    xml = form_def.xml.encode("utf-8")
    return Definition(xml, read_xform(xml), None, None, None, form_def.warnings or [])


def _store_definition(form, definition, carry_from):
    xls_blob = store_blob_bytes(definition.xls) if definition.xls is not None else None
    if definition.xls is None and carry_from is not None and carry_from.xml.encode("utf-8") == definition.xml:
        xls_blob = carry_from.xls_blob  # a copied draft keeps its spreadsheet
    form_def = FormDef(form_id=form.id, xml=definition.xml.decode("utf-8"), version=definition.info.version,
                       name=definition.info.title, hash=hashlib.md5(definition.xml).hexdigest(),
                       sha256=hashlib.sha256(definition.xml).hexdigest(), warnings=definition.warnings or None,
                       xls_blob=xls_blob,
                       xls_content_type=definition.xls_content_type
                       or (carry_from.xls_content_type if xls_blob and carry_from else None))
    db.session.add(form_def)
    db.session.flush()
    carried = {item.name: item for item in carry_from.attachments} if carry_from is not None else {}
    for expected in definition.info.attachments:
        attachment = FormAttachment(form_def_id=form_def.id, name=expected.name, type=expected.type)
        previous = carried.get(expected.name)
        if previous is not None and previous.blob_id is not None:
            attachment.blob_id, attachment.content_type, attachment.updated_at = (
                previous.blob_id, previous.content_type, previous.updated_at)
        if expected.name == "itemsets.csv" and definition.itemsets is not None:
            attachment.blob_id, attachment.content_type = store_blob_bytes(definition.itemsets).id, "text/csv"
            attachment.updated_at = utcnow()
        db.session.add(attachment)
    db.session.flush()
    db.session.refresh(form_def)
    return form_def


def publish_draft(form, version=None, by=None):
    """Publish the draft as a new version. :raise 409.51: no draft, :raise 409.6: version used before."""
    draft = form.draft_def
    if draft is None:
        raise errors.no_draft(xmlFormId=form.xml_form_id)
    if version is not None and version != draft.version:
        xml = set_version(draft.xml.encode("utf-8"), version)
        draft.xml, draft.version = xml.decode("utf-8"), version
        draft.hash, draft.sha256 = hashlib.md5(xml).hexdigest(), hashlib.sha256(xml).hexdigest()
    if queries.get_published_def_by_version(form.id, draft.version) is not None:
        raise errors.version_conflict(xmlFormId=form.xml_form_id, version=draft.version)
    draft.published_at = utcnow()
    form.current_def, form.draft_def = draft, None
    form.updated_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise errors.version_conflict(xmlFormId=form.xml_form_id, version=draft.version) from None
    log_action(by, "form.update.publish", "form", form.id, {"version": draft.version})
    return draft


def abandon_draft(form, by=None):
    if form.draft_def is None:
        raise errors.not_found()
    if form.current_def is None:
        raise errors.no_published_version()
    form.draft_def = None
    db.session.flush()
    log_action(by, "form.update.draft.delete", "form", form.id)


def set_state(form, state, by=None):
    if state not in FORM_STATES:
        raise errors.unexpected_value(field="state", value=repr(state), reason="expected open, closing or closed.")
    form.state, form.updated_at = state, utcnow()
    log_action(by, "form.update", "form", form.id, {"state": state})


def delete_form(form, by=None):
    form.deleted_at = utcnow()
    log_action(by, "form.delete", "form", form.id)


def upload_attachment(form, name, stream, content_type, limit, by=None):
    """Attach a file to the draft under an expected name. :raise 404.1: the form expects no such file."""
    _refuse_if_closed(form)
    attachment = _draft_attachment(form, name)
    try:
        blob = store_blob_stream(stream, limit=limit)
    except TooLarge:
        raise errors.body_too_large(limit=limit) from None
    attachment.blob_id, attachment.content_type, attachment.updated_at = blob.id, content_type, utcnow()
    db.session.flush()
    log_action(by, "form.attachment.update", "form", form.id, {"name": name, "sha256": blob.sha256})
    return attachment


def clear_attachment(form, name, by=None):
    attachment = _draft_attachment(form, name)
    if attachment.blob_id is None:
        raise errors.not_found()
    attachment.blob_id, attachment.content_type, attachment.updated_at = None, None, utcnow()
    log_action(by, "form.attachment.update", "form", form.id, {"name": name, "cleared": True})


def _draft_attachment(form, name):
    if form.draft_def is None:
        raise errors.no_draft(xmlFormId=form.xml_form_id)
    attachment = queries.get_attachment(form.draft_def.id, name)
    if attachment is None:
        raise errors.not_found()
    return attachment


def _refuse_if_closed(form):
    if form.state == "closed":
        raise errors.form_closed(xmlFormId=form.xml_form_id)
