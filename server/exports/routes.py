"""Bulk exports of a form's submissions: ODK Central's endpoints (…/submissions.csv.zip, …/submissions.csv and
the same under …/draft/), GET or POST with Central's options (attachments, groupPaths, splitSelectMultiples,
deletedFields; booleans in any case) and $filter on __id and the __system fields (as the OData feed); plus the
desk's filters (area, state, submitter, since, until) and ?bom=true. Everything is limited to the caller's areas
and streamed."""

import datetime as dt
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, request, stream_with_context
from flask_babel import force_locale

from .. import errors
from ..audit.service import log_action
from ..auth.requests import current_actor
from ..db import writes_on_read
from ..forms import queries as form_queries
from ..forms.schema import schema_fields
from ..http import caller_scope, form_or_404
from ..scoring.scores import score_pending
from ..submissions import listing
from .csv_export import CsvOptions, csv_zip, export_layout, root_csv
from .etag import matches, selection_etag, tagged
from .geojson import default_geo_field, feature_collection, geo_fields
from .kml import kml_document, kml_labels
from .media_zip import media_zip
from .odata_filter import parse_filter
from .queries import FormRef
from .tables import safe_file_name
from .xlsx_export import XLSX_TYPE, submissions_xlsx

bp = Blueprint("exports", __name__, url_prefix="/v1/projects/<int:project_id>/forms/<xml_form_id>")
NOTHING = listing.Filters(since=dt.date.max)  # a draft has no submissions here


def flag(name: str, default: bool) -> bool:
    """A boolean option as Central reads it (true/false in any case); anything else is a 400."""
    value = request.values.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise errors.unexpected_value(field=name, value=value, reason="expected true or false.")


def export_filters(project_id) -> listing.Filters:
    """The desk's filters (area, state, submitter, since, until, period, version) as an export reads them: a value
    that cannot be read is a 400 here, never a silently larger export. A period filter scores what is pending
    first. :raise 400.8:"""
    values = request.values
    checks = {"state": lambda value: value in listing.STATES,
              "submitter": lambda value: value.isascii() and value.isdigit() and len(value) <= 9,
              "since": _is_date, "until": _is_date,
              "period": lambda value: value.isascii() and value.isdigit() and 1900 <= int(value) <= 2100,
              "area": lambda value: 0 < len(value) <= 32, "version": lambda value: 0 < len(value) <= 100}
    for name, check in checks.items():
        for value in values.getlist(name):
            if value != "" and not check(value):
                raise errors.unexpected_value(field=name, value=value[:100], reason="it cannot be read as a filter.")
    filters = listing.read_filters(values)
    if filters.period is not None:
        score_pending(project_id)
    return filters


def _is_date(value):
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def options() -> CsvOptions:
    return CsvOptions(attachments=flag("attachments", True), group_paths=flag("groupPaths", True),
                      split_select_multiples=flag("splitSelectMultiples", False),
                      deleted_fields=flag("deletedFields", False), bom=flag("bom", False))


def export_source(project_id, xml_form_id, draft):
    """The form, the versions whose fields make the columns (newest first), the caller's areas and filters."""
    form = form_or_404(project_id, xml_form_id, "submission.list")
    if draft:
        if form.draft_def is None:
            raise errors.not_found()
        versions = [form.draft_def]
    else:
        if form.current_def is None:
            raise errors.not_found()
        versions = [form.current_def] + [version for version in form_queries.list_published_defs(form.id)
                                         if version.id != form.current_def_id]
    chosen = options()
    if request.values.get("$filter"):
        parse_filter(request.values["$filter"])  # refused before anything is written
    filters = export_filters(form.project_id)
    condition = parse_filter(request.values["$filter"]) if request.values.get("$filter") else sa.true()
    return form, versions, caller_scope(form.project_id), filters, chosen, condition


def _logged(form, draft, filters, chosen) -> listing.Filters:
    """The audit entry of an export that is written (not of a 304); the filters it reads (a draft: none)."""
    log_action(current_actor(), "form.submission.export", "form", form.id,
               {"draft": draft, "filters": filters.as_args(), "options": vars(chosen)})
    return NOTHING if draft else filters


def _csv_download(form, draft, filters, scope, condition, chosen, make_chunks, name, content_type):
    """Central's CSV exports with its weak ETag: a 304 without a body (nor an audit entry) when the client has
    this selection's tag already."""
    ref = FormRef.of(form)
    etag = selection_etag(ref, scope, NOTHING if draft else filters, condition)
    if matches(etag):
        return tagged(Response(status=304), etag)
    filters = _logged(form, draft, filters, chosen)
    return tagged(download(make_chunks(ref, filters), name, content_type), etag)


def download(chunks, name, content_type):
    response = Response(stream_with_context(chunks), mimetype=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"; filename*=UTF-8\'\'{name}'
    return response


@bp.route("/submissions.csv.zip", methods=["GET", "POST"])
@writes_on_read  # the audit entry
@bp.route("/draft/submissions.csv.zip", methods=["GET", "POST"], endpoint="draft_csv_zip", defaults={"draft": True})
def csv_zip_export(project_id, xml_form_id, draft=False):
    form, versions, scope, filters, chosen, condition = export_source(project_id, xml_form_id, draft)
    layout = export_layout(form.xml_form_id, versions, chosen, root_only=False)
    name = safe_file_name(f"{form.xml_form_id}.zip" if chosen.attachments else f"{form.xml_form_id}.csv.zip")
    return _csv_download(form, draft, filters, scope, condition, chosen,
                         lambda ref, chosen_filters: csv_zip(ref, layout, scope, chosen_filters, chosen, condition),
                         name, "application/zip")


@bp.route("/submissions.csv", methods=["GET", "POST"])
@writes_on_read
@bp.route("/draft/submissions.csv", methods=["GET", "POST"], endpoint="draft_csv", defaults={"draft": True})
def csv_export(project_id, xml_form_id, draft=False):
    form, versions, scope, filters, chosen, condition = export_source(project_id, xml_form_id, draft)
    layout = export_layout(form.xml_form_id, versions, chosen, root_only=True)
    return _csv_download(form, draft, filters, scope, condition, chosen,
                         lambda ref, chosen_filters: root_csv(ref, layout, scope, chosen_filters, chosen, condition),
                         safe_file_name(f"{form.xml_form_id}.csv"), "text/csv; charset=utf-8")


@bp.route("/submissions.xlsx", methods=["GET", "POST"])
@writes_on_read
def xlsx_export(project_id, xml_form_id):
    """Minh Chứng's: every table as a sheet, labels in ?lang= (vi, the default, or en) above Central's names."""
    form, versions, scope, filters, chosen, condition = export_source(project_id, xml_form_id, False)
    lang = request.values.get("lang", "vi")
    if lang not in ("vi", "en"):
        raise errors.unexpected_value(field="lang", value=lang, reason="expected vi or en.")
    layout = export_layout(form.xml_form_id, versions, chosen, root_only=False)
    filters = _logged(form, False, filters, chosen)
    chunks = submissions_xlsx(FormRef.of(form), layout, versions[0].xml, scope, filters, condition, chosen, lang)
    return download(chunks, safe_file_name(f"{form.xml_form_id}.xlsx"), XLSX_TYPE)


def _geo_source(project_id, xml_form_id):
    """(form, geo field or None, whether ?fieldpath= named it, the OData condition, filters, scope, photo URL maker)
    of a map export, its options checked."""
    form = form_or_404(project_id, xml_form_id, "submission.list")
    if form.current_def is None:
        raise errors.not_found()
    fields = schema_fields(form.current_def.xml.encode("utf-8"))
    paths = request.args.getlist("fieldpath")
    if len(set(paths)) > 1:
        raise errors.invalid_query(paramSet=sorted(set(paths)), violationText="at most one fieldpath may be specified")
    if paths:
        field = next((item for item in geo_fields(fields)[0] if item.path == paths[0]), None)
        if field is None:
            raise errors.unexpected_value(field="fieldpath", value=paths[0], reason="not a geo field of the form.")
    else:
        field = default_geo_field(fields)
    condition = parse_filter(request.args["$filter"]) if request.args.get("$filter") else sa.true()
    base = f"{request.host_url.rstrip('/')}/v1/projects/{form.project_id}/forms/{form.xml_form_id}/submissions"

    def attachment_url(instance_id, name):
        return f"{base}/{quote(instance_id, safe='')}/attachments/{quote(name, safe='')}"

    return (form, field, bool(paths), condition, export_filters(form.project_id), caller_scope(form.project_id),
            attachment_url)


@bp.get("/submissions.kml")
def kml_export(project_id, xml_form_id):
    """Minh Chứng's KML: placemarks in a folder per commune and hamlet (?fieldpath=, $filter, the desk's
    filters, ?lang=vi|en for the descriptions)."""
    form, field, _, condition, filters, scope, attachment_url = _geo_source(project_id, xml_form_id)
    lang = request.args.get("lang", "vi")
    if lang not in ("vi", "en"):
        raise errors.unexpected_value(field="lang", value=lang, reason="expected vi or en.")
    ref = FormRef.of(form)
    rows = listing.every_row(ref, scope, filters, condition, by_area=True) if field is not None else iter(())
    with force_locale(lang):
        labels = kml_labels()
    chunks = kml_document(form.current_def.name or form.xml_form_id, field, rows, attachment_url, labels)
    response = Response(stream_with_context(chunks), mimetype="application/vnd.google-earth.kml+xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_file_name(form.xml_form_id + ".kml")}"'
    return response


@bp.get("/submissions.geojson")
def geojson_export(project_id, xml_form_id):
    """Central's FeatureCollection (?fieldpath=, ?limit=, $filter), or with Minh Chứng's ?properties=all what a map
    user wants in each feature's properties; with the desk's filters too."""
    form, field, asked, condition, filters, scope, attachment_url = _geo_source(project_id, xml_form_id)
    properties = request.args.get("properties")
    if properties not in (None, "", "all"):
        raise errors.unexpected_value(field="properties", value=properties, reason="expected all.")
    limit = request.args.get("limit")
    if limit not in (None, "") and not (limit.isascii() and limit.isdigit() and len(limit) <= 9):
        raise errors.unexpected_value(field="limit", value=limit, reason="expected a whole number.")
    if field is None:  # a form without a location: an empty collection, as Central
        return Response('{"type":"FeatureCollection","features":[]}', mimetype="application/geo+json")
    ref = FormRef.of(form)
    rows = listing.every_row(ref, scope, filters, condition, limit=int(limit) if limit else None)
    chunks = feature_collection(ref, field, asked, rows, properties == "all", attachment_url)
    return Response(stream_with_context(chunks), mimetype="application/geo+json")


@bp.get("/media.zip")
@writes_on_read  # the audit entry
def media_export(project_id, xml_form_id):
    """Minh Chứng's: the received files as commune/hamlet/subject/question-n.ext with an index.csv ($filter and the
    desk's filters)."""
    form, field, _, condition, filters, scope, _ = _geo_source(project_id, xml_form_id)
    binary = [item for item in schema_fields(form.current_def.xml.encode("utf-8")) if item.binary]
    log_action(current_actor(), "form.submission.export", "form", form.id,
               {"media": True, "filters": filters.as_args()})
    with force_locale(request.args.get("lang", "vi") if request.args.get("lang") in ("vi", "en") else "vi"):
        labels = kml_labels()
    rows = listing.every_row(FormRef.of(form), scope, filters, condition, by_area=True)
    return download(media_zip(rows, binary, labels), safe_file_name(f"{form.xml_form_id}-media.zip"),
                    "application/zip")
