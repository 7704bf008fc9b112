"""ODK Central's OData feed of a form: GET …/forms/{f}.svc (service document), …/forms/{f}.svc/$metadata (EDMX),
…/forms/{f}.svc/Submissions and one table per repeat, and the same under …/forms/{f}/draft.svc. Query options as
Central: $top, $skip, $skiptoken, $count, $wkt (booleans in any case: pyodk sends True), $filter and $orderby on
__id and __system fields, $select on top-level fields, $expand=*; anything else is 501.1. Rows are streamed, and
limited to the caller's areas as every other read. Power Query and Excel use Basic over HTTPS with no redirect."""

import base64
import json
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, request, stream_with_context

from .. import errors
from ..extensions import db
from ..forms.schema import schema_fields
from ..http import caller_scope, form_or_404
from ..safexml import parse_stored_xml
from ..submissions import listing
from ..submissions.models import Submission
from . import odata
from .etag import matches, selection_etag, tagged
from .odata_filter import parse_filter, parse_orderby
from .queries import FormRef, StoredAsk, odata_submissions, skiptoken_mark
from .routes import NOTHING
from .stored_rows import Keeper, fields_key

bp = Blueprint("odata", __name__, url_prefix="/v1/projects/<int:project_id>/forms")
SUPPORTED = {"$top", "$skip", "$skiptoken", "$count", "$wkt", "$filter", "$orderby", "$select", "$expand", "$format"}
JSON_TYPE = "application/json; charset=utf-8"
FLUSH_ROWS = 100


def _form_and_schema(project_id, xml_form_id, draft):
    form = form_or_404(project_id, xml_form_id, "submission.list")
    version = form.draft_def if draft else form.current_def
    if version is None:
        raise errors.not_found()
    return form, version, odata.Schema(schema_fields(version.xml.encode("utf-8")))


def _service_url(project_id, xml_form_id, draft):
    suffix = "/draft.svc" if draft else ".svc"
    return f"{request.host_url.rstrip('/')}/v1/projects/{project_id}/forms/{xml_form_id}{suffix}"


def _odata_response(body, content_type=JSON_TYPE):
    response = Response(body, content_type=content_type) if content_type else Response(status=304)
    response.headers["OData-Version"] = "4.0"
    return response


@bp.get("/<xml_form_id>.svc")
@bp.get("/<xml_form_id>/draft.svc", endpoint="draft_service", defaults={"draft": True})
def service_document(project_id, xml_form_id, draft=False):
    _, _, schema = _form_and_schema(project_id, xml_form_id, draft)
    body = odata.service_document(schema, _service_url(project_id, xml_form_id, draft))
    return _odata_response(json.dumps(body, ensure_ascii=False), "application/json; charset=utf-8; "
                                                                   "odata.metadata=minimal")


@bp.get("/<xml_form_id>.svc/$metadata")
@bp.get("/<xml_form_id>/draft.svc/$metadata", endpoint="draft_metadata", defaults={"draft": True})
def metadata(project_id, xml_form_id, draft=False):
    form, _, schema = _form_and_schema(project_id, xml_form_id, draft)
    return _odata_response(odata.edmx(schema, form.xml_form_id), "application/xml")


@bp.get("/<xml_form_id>.svc/<path:table>")
@bp.get("/<xml_form_id>/draft.svc/<path:table>", endpoint="draft_table", defaults={"draft": True})
def table_rows(project_id, xml_form_id, table, draft=False):
    form, version, schema = _form_and_schema(project_id, xml_form_id, draft)
    single = None
    if table.startswith("Submissions(") and table.endswith(")"):  # Submissions('uuid:…')
        single, table = table[len("Submissions("):-1].strip("'"), odata.ROOT
    if schema.table_path(table) is None:
        raise errors.not_found()
    query = _read_query(table)
    scope = caller_scope(form.project_id)
    condition = query["filter"]
    if single is not None:
        condition = sa.and_(condition, Submission.instance_id == single)
    service_url = _service_url(project_id, xml_form_id, draft)
    count = None
    if query["count"] and table == odata.ROOT:
        count = db.session.execute(listing.matching(form, scope, listing.Filters(), [sa.func.count()])
                                   .where(condition)).scalar() if not draft else 0
    selector = _selector(schema, query["select"])  # checked before the first byte goes out
    token = query["skiptoken"]
    after = skiptoken_mark(form, token["instanceId"]) if table == odata.ROOT and token and "instanceId" in token \
        else None
    ref = FormRef.of(form)
    # the tag of the submissions the rows come from (a repeat table's: all of them, its paging is by its rows)
    etag = selection_etag(ref, scope, NOTHING if draft else listing.Filters(), condition, query["order"], after,
                          (query["top"] + 1 + query["skip"]) if table == odata.ROOT and query["top"] is not None
                          else None)
    if matches(etag):
        return tagged(_odata_response(b"", None), etag)
    chunks = _stream(ref, schema, table, scope, condition, query, service_url, count, draft, selector, after)
    return tagged(_odata_response(stream_with_context(chunks)), etag)


def _read_query(table):
    unknown = [key for key in request.args if key.startswith("$") and key not in SUPPORTED]
    if unknown:
        raise errors.not_implemented(feature=unknown[0])
    query = {"top": whole_number("$top"), "skip": whole_number("$skip") or 0, "count": _flag("$count"),
             "wkt": _flag("$wkt"),
             "expand": False, "select": None, "order": [], "skiptoken": None, "filter": sa.true()}
    expand = request.args.get("$expand")
    if expand is not None:
        if expand != "*":
            raise errors.not_implemented(feature="$expand other than *")
        query["expand"] = True
    if request.args.get("$filter"):
        query["filter"] = parse_filter(request.args["$filter"])
    if request.args.get("$orderby"):
        query["order"] = parse_orderby(request.args["$orderby"])
    if request.args.get("$select"):
        if query["expand"]:
            raise errors.not_implemented(feature="$select with $expand")
        if table != odata.ROOT:
            raise errors.not_implemented(feature="$select on a repeat table")
        query["select"] = [item.strip() for item in request.args["$select"].split(",") if item.strip()]
    if request.args.get("$skiptoken"):
        query["skiptoken"] = read_skiptoken(request.args["$skiptoken"])
        query["skip"] = 0
    return query


def whole_number(name):
    """?name= as a whole number (0 or more), or None. :raise 400.8:"""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 12):
        raise errors.unexpected_value(field=name, value=value, reason="expected a whole number, 0 or more.")
    return int(value)


def _flag(name):
    value = request.args.get(name)
    if value is None or value == "":
        return False
    if value.lower() not in ("true", "false"):
        raise errors.unexpected_value(field=name, value=value, reason="expected true or false.")
    return value.lower() == "true"


def read_skiptoken(token, keys=("instanceId", "repeatId")):
    """The cursor a $skiptoken carries ("01" + base64 of JSON naming one of `keys`). :raise 400.35:"""
    try:
        if not token.startswith("01"):
            raise ValueError
        data = json.loads(base64.b64decode(token[2:], validate=True))
        if not isinstance(data, dict) or not any(isinstance(data.get(key), str) for key in keys):
            raise ValueError
        return data
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_skiptoken() from None


def make_skiptoken(data):
    return "01" + base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _selector(schema, select):
    """({top-level names kept}, {__system fields kept} or None for all of them); None when $select is absent."""
    if select is None:
        return None
    names, system_fields, whole_system, known = {"__id"}, set(), False, set(schema.frame())
    for item in select:
        if item == "__system":
            names.add(item)
            whole_system = True
        elif item.startswith("__system/"):
            if item.removeprefix("__system/") not in odata.SYSTEM_FIELDS:
                raise errors.property_not_found(property=item)
            names.add("__system")
            system_fields.add(item.removeprefix("__system/"))
        elif "/" in item:
            raise errors.unsupported_odata_select(property=item)
        elif item not in known and item != "__id":
            raise errors.property_not_found(property=item)
        names.add(item)
    return names, None if whole_system or not system_fields else system_fields


def _stored_text(schema, exported, keeper) -> str:
    """A Submissions record's JSON from the version's stored row, or made from its XML and then kept."""
    cells, links = exported.cells, exported.rest
    if cells is None:
        cells, links = odata.stored_record(schema, parse_stored_xml(exported.xml.encode("utf-8")),
                                           exported.instance_id, exported.system.submission_date)
        keeper.add(exported.def_id, cells, links)
    return odata.record_text(cells, links, exported.system)


def _stream(form, schema, table, scope, condition, query, service_url, count, draft, selector, after):
    system_only = selector[1] if selector else None
    top, skip, token = query["top"], query["skip"], query["skiptoken"]
    root_table = table == odata.ROOT
    yield b'{"value":['
    written, skipped, last_id, more, total = 0, 0, None, False, 0
    seen_token = token is None or root_table
    # the plain Submissions feed (what Excel, Power BI and pyodk read) is written from stored rows
    keeper = Keeper(fields_key(schema.fields), "odata") \
        if root_table and selector is None and not query["wkt"] and not query["expand"] else None
    rows = () if draft else odata_submissions(form, scope, condition, query["order"], after,
                                              limit=(top + 1 + skip) if root_table and top is not None else None,
                                              stored=StoredAsk(keeper.key, keeper.kind, schema.has_repeats)
                                              if keeper else None)
    buffer = []
    for exported in rows:
        if keeper is not None:
            found = [(exported.instance_id, _stored_text(schema, exported, keeper))]
        else:
            found = [(row["__id"], odata.ENCODE(row if selector is None else
                                                {key: value for key, value in row.items() if key in selector[0]}))
                     for row in odata.submission_rows(schema, table, parse_stored_xml(exported.xml.encode("utf-8")),
                                                      exported.instance_id, exported.system, wkt=query["wkt"],
                                                      expand=query["expand"], system_only=system_only)]
        for row_id, text in found:
            total += 1
            if not seen_token:
                seen_token = row_id == token.get("repeatId")
                continue
            if skipped < skip:
                skipped += 1
                continue
            if top is not None and written >= top:
                more = True
                continue
            buffer.append(text)
            written += 1
            last_id = row_id
        if len(buffer) >= FLUSH_ROWS:
            yield (("," if written > len(buffer) else "") + ",".join(buffer)).encode("utf-8")
            buffer = []
        if more and root_table:
            break
    if keeper is not None:
        keeper.finish()
    if buffer:
        yield (("," if written > len(buffer) else "") + ",".join(buffer)).encode("utf-8")
    tail = {"@odata.context": f"{service_url}/$metadata#{table}"}
    if more and last_id is not None:
        key = "instanceId" if root_table else "repeatId"
        args = {name: value for name, value in request.args.items() if name not in ("$skiptoken", "$skip")}
        args["$skiptoken"] = make_skiptoken({key: last_id})
        tail["@odata.nextLink"] = f"{service_url}/{table}?{urlencode(args)}"
    if query["count"]:
        tail["@odata.count"] = count if root_table else total
    yield ("]," + json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:]).encode("utf-8")
