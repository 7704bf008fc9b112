"""Forms, drafts, versions and form attachments: ODK Central's /v1/projects/{p}/forms endpoints."""

from flask import Blueprint, current_app, jsonify, request, send_file

from .. import errors
from ..auth.requests import current_actor
from ..blobs.responses import blob_download, bytes_download
from ..blobs.service import open_blob
from ..http import caller_scope, form_or_404, project_or_404, read_body
from ..params import query_flag, wants_extended_metadata
from ..registries.attachments import registry_csv_for_actor
from ..schemas import load_json
from ..scoring.rescoring import rescore_after_commit
from ..scoring.scores import scorer_of_form_def
from . import queries, service
from .schemas import FormAttachmentSchema, FormSchema, FormUpdateSchema

bp = Blueprint("forms", __name__, url_prefix="/v1/projects/<int:project_id>/forms")


def draft_or_404(form):
    if form.draft_def is None:
        raise errors.not_found()
    return form.draft_def


def published_or_404(form):
    if form.current_def is None:
        raise errors.not_found()
    return form.current_def


def form_json(form, definition=None):
    definition = definition or form.current_def or form.draft_def
    body = FormSchema().dump({"form": form, "definition": definition})
    if wants_extended_metadata():
        body.update(submissions=0, lastSubmission=None, excelContentType=definition.xls_content_type)
    return body


def read_upload():
    """The request body as a checked form definition (the XLSForm or XForm upload)."""
    data = read_body(current_app.config["MAX_FORM_BYTES"])
    options = service.UploadOptions(
        content_type=request.content_type or "", form_id_fallback=request.headers.get("X-XlsForm-FormId-Fallback"),
        ignore_warnings=query_flag("ignoreWarnings"), validate=current_app.config["ODK_VALIDATE"],
        max_unzipped=current_app.config["MAX_XLSX_UNZIPPED_BYTES"])
    return service.read_definition(data, options)


def xml_response(form_def):
    return current_app.response_class(form_def.xml.encode("utf-8"), mimetype="application/xml",
                                      headers={"Content-Type": "application/xml; charset=utf-8"})


def xlsx_response(form_def):
    if form_def.xls_blob is None:
        raise errors.not_found()
    extension = "xls" if form_def.xls_content_type == "application/vnd.ms-excel" else "xlsx"
    return send_file(open_blob(form_def.xls_blob), mimetype=form_def.xls_content_type, as_attachment=True,
                     download_name=f"{form_def.form.xml_form_id}.{extension}", etag=form_def.xls_blob.md5)


def attachment_response(attachment):
    if attachment is None or attachment.blob is None:
        raise errors.not_found()
    return blob_download(attachment.blob, attachment.name, attachment.content_type)


@bp.get("")
def list_forms(project_id):
    project = project_or_404(project_id, "form.list")
    return jsonify([form_json(form) for form in queries.list_forms_by_project(project.id)])


@bp.post("")
def create_form(project_id):
    project = project_or_404(project_id, "form.create")
    definition = read_upload()
    form = service.create_form(project, definition, publish=query_flag("publish"), by=current_actor())
    if form.current_def is not None:
        rescore_after_commit(project.id)
    return jsonify(form_json(form))


@bp.get("/<xml_form_id>")
def get_form(project_id, xml_form_id):
    return jsonify(form_json(form_or_404(project_id, xml_form_id)))


@bp.get("/<xml_form_id>.xml")
def get_form_xml(project_id, xml_form_id):
    return xml_response(published_or_404(form_or_404(project_id, xml_form_id)))


@bp.get("/<xml_form_id>.xlsx")
@bp.get("/<xml_form_id>.xls")
def get_form_xlsx(project_id, xml_form_id):
    return xlsx_response(published_or_404(form_or_404(project_id, xml_form_id)))


@bp.patch("/<xml_form_id>")
def update_form(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "form.update")
    service.set_state(form, load_json(FormUpdateSchema())["state"], by=current_actor())
    return jsonify(form_json(form))


@bp.delete("/<xml_form_id>")
def delete_form(project_id, xml_form_id):
    service.delete_form(form_or_404(project_id, xml_form_id, "form.delete"), by=current_actor())
    return jsonify(success=True)


@bp.get("/<xml_form_id>/attachments")
def list_attachments(project_id, xml_form_id):
    form_def = published_or_404(form_or_404(project_id, xml_form_id))
    return jsonify(FormAttachmentSchema(many=True).dump(form_def.attachments))


@bp.get("/<xml_form_id>/attachments/<name>")
def get_attachment(project_id, xml_form_id, name):
    """A published version's media file: the uploaded file, else a registry list (thon.csv,
    ho_gia_dinh.csv…) generated for the caller, cut to the areas an app user serves."""
    form_def = published_or_404(form_or_404(project_id, xml_form_id))
    attachment = queries.get_attachment(form_def.id, name)
    if attachment is not None and attachment.blob is None:
        registry = registry_csv_for_actor(project_id, name, current_actor())
        if registry is not None:
            return bytes_download(registry, name, "text/csv")
    return attachment_response(attachment)


@bp.get("/<xml_form_id>/versions")
def list_versions(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id)
    return jsonify([form_json(form, definition) for definition in queries.list_published_defs(form.id)])


def version_or_404(project_id, xml_form_id, version):
    form = form_or_404(project_id, xml_form_id)
    definition = queries.get_published_def_by_version(form.id, version)
    if definition is None:
        raise errors.not_found()
    return form, definition


@bp.get("/<xml_form_id>/versions/<version>")
def get_version(project_id, xml_form_id, version):
    return jsonify(form_json(*version_or_404(project_id, xml_form_id, version)))


@bp.get("/<xml_form_id>/versions/<version>.xml")
def get_version_xml(project_id, xml_form_id, version):
    return xml_response(version_or_404(project_id, xml_form_id, version)[1])


@bp.get("/<xml_form_id>/versions/<version>.xlsx")
@bp.get("/<xml_form_id>/versions/<version>.xls")
def get_version_xlsx(project_id, xml_form_id, version):
    return xlsx_response(version_or_404(project_id, xml_form_id, version)[1])


@bp.get("/<xml_form_id>/versions/<version>/attachments")
def list_version_attachments(project_id, xml_form_id, version):
    definition = version_or_404(project_id, xml_form_id, version)[1]
    return jsonify(FormAttachmentSchema(many=True).dump(definition.attachments))


@bp.get("/<xml_form_id>/draft")
def get_draft(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "form.update")
    return jsonify(form_json(form, draft_or_404(form)))


@bp.post("/<xml_form_id>/draft")
def create_draft(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "form.update")
    has_body = request.content_length or request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    service.create_draft(form, read_upload() if has_body else None, by=current_actor())
    return jsonify(success=True)


@bp.delete("/<xml_form_id>/draft")
def delete_draft(project_id, xml_form_id):
    service.abandon_draft(form_or_404(project_id, xml_form_id, "form.update"), by=current_actor())
    return jsonify(success=True)


@bp.get("/<xml_form_id>/draft.xml")
def get_draft_xml(project_id, xml_form_id):
    return xml_response(draft_or_404(form_or_404(project_id, xml_form_id, "form.update")))


@bp.get("/<xml_form_id>/draft.xlsx")
@bp.get("/<xml_form_id>/draft.xls")
def get_draft_xlsx(project_id, xml_form_id):
    return xlsx_response(draft_or_404(form_or_404(project_id, xml_form_id, "form.update")))


@bp.post("/<xml_form_id>/draft/publish")
def publish_draft(project_id, xml_form_id):
    """A new version of a criteria form rescores every area: only a manager without an area limit may publish
    one. :raise 403.1:"""
    form = form_or_404(project_id, xml_form_id, "form.update")
    if form.draft_def is not None and caller_scope(project_id) is not None \
            and scorer_of_form_def(form.draft_def) is not None:
        raise errors.insufficient_rights()
    service.publish_draft(form, version=request.args.get("version"), by=current_actor())
    rescore_after_commit(project_id)
    return jsonify(success=True)


@bp.get("/<xml_form_id>/draft/attachments")
def list_draft_attachments(project_id, xml_form_id):
    form = form_or_404(project_id, xml_form_id, "form.update")
    return jsonify(FormAttachmentSchema(many=True).dump(draft_or_404(form).attachments))


@bp.get("/<xml_form_id>/draft/attachments/<name>")
def get_draft_attachment(project_id, xml_form_id, name):
    form = form_or_404(project_id, xml_form_id, "form.update")
    return attachment_response(queries.get_attachment(draft_or_404(form).id, name))


@bp.post("/<xml_form_id>/draft/attachments/<name>")
def upload_draft_attachment(project_id, xml_form_id, name):
    form = form_or_404(project_id, xml_form_id, "form.update")
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    service.upload_attachment(form, name, request.stream, request.mimetype or None, limit, by=current_actor())
    return jsonify(success=True)


@bp.delete("/<xml_form_id>/draft/attachments/<name>")
def clear_draft_attachment(project_id, xml_form_id, name):
    service.clear_attachment(form_or_404(project_id, xml_form_id, "form.update"), name, by=current_actor())
    return jsonify(success=True)
