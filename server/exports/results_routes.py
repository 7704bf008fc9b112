"""The results exports of a project, with the filters of GET …/results (?model=, ?period=, ?area= and the areas
below it), limited to the caller's areas: …/results.csv (?bom=true), …/results.xlsx (?lang=vi|en), and an OData
v4 feed for Power BI and Excel at …/results.svc: `Results` (one row per subject and period) and `Criteria` (one
row per result and criterion, with `__Results-id`), with $top, $skip, $count, $select, and $filter of `eq`
comparisons joined by `and` on model, period, areaCode and outcome; anything else is 501.1."""

import json
import re
from xml.sax.saxutils import quoteattr

from flask import Blueprint, Response, request, stream_with_context

from .. import errors
from ..areas.service import user_scope
from ..audit.service import log_action
from ..db import writes_on_read
from ..http import project_caller_or_404
from ..registries.queries import labels_by_uuid
from ..scoring import queries as scoring_queries
from ..scoring.recognition import recognition_list
from ..scoring.routes import kind_and_period
from ..scoring.scores import current_scorers
from .odata import FQDN
from .odata_routes import whole_number
from .results_export import COLUMNS, NAMES, area_names, criteria_of, result_record, results_csv, results_xlsx
from .routes import download, flag
from .tables import iso_millis
from .xlsx_export import XLSX_TYPE

bp = Blueprint("results_exports", __name__, url_prefix="/v1/projects/<int:project_id>")
SUPPORTED = {"$top", "$skip", "$count", "$select", "$filter", "$format"}
FILTERABLE = {"model": str, "period": int, "areaCode": str, "outcome": bool}
COMPARISON = re.compile(r"\s*(\w+)\s+eq\s+('(?:[^']|'')*'|-?\d+|true|false|null)\s*$")
CRITERIA_COLUMNS = (("__Results-id", "Edm.String"), ("model", "Edm.String"), ("criterion", "Edm.String"),
                    ("label", "Edm.String"), ("points", "Edm.Decimal"), ("maxPoints", "Edm.Decimal"))


def _language(default="vi"):
    lang = request.args.get("lang", default)
    if lang not in ("vi", "en"):
        raise errors.unexpected_value(field="lang", value=lang, reason="expected vi or en.")
    return lang


def _records(project_id, verb="submission.list", lang="vi"):
    """(caller, records, {model: [Criterion]}) of the results the caller may see, with the query's filters; the
    records are made when first read, so a download's first bytes (its header) leave before they are counted."""
    kind, period = kind_and_period()
    actor = project_caller_or_404(project_id, verb)
    scope, area = user_scope(project_id, actor.id), request.args.get("area")
    rules = {form_def_id: scorer.rules for form_def_id, (_, scorer) in current_scorers(project_id).items()}
    criteria = criteria_of(item for item in rules.values() if kind is None or item.kind == kind)

    def records():
        rows = recognition_list(project_id, kind, period, area, scope)
        areas = scoring_queries.list_area_rows()
        by_code, by_id = {area.code: area for area in areas}, {area.id: area for area in areas}
        labels = labels_by_uuid(project_id, {row[0].subject for row, _, _ in rows if row[0].subject})
        for (counted, instance_id, xml_form_id, review_state), decision, outcome in rows:
            label = labels.get(counted.subject) or (by_code[counted.subject].name if counted.subject in by_code
                                                    else None)
            yield result_record(counted, instance_id, xml_form_id, review_state, decision, outcome,
                                rules.get(counted.form_def_id), area_names(counted.area_code, by_code, by_id),
                                label, lang)
    return actor, records(), criteria


def _file_name(extension):
    kind, period = kind_and_period()
    return "-".join(["ket-qua", *([kind] if kind else []), *([str(period)] if period else [])]) + extension


@bp.get("/results.csv")
@writes_on_read  # the audit entry
def results_csv_export(project_id):
    """Every result that counts, a row each, with points per criterion (one column per model and criterion)."""
    bom = flag("bom", False)
    lang = _language()
    actor, records, criteria = _records(project_id, lang=lang)
    log_action(actor, "results.export", "project", project_id, {"format": "csv", **request.args.to_dict()})
    return download(results_csv(records, criteria, bom), _file_name(".csv"), "text/csv; charset=utf-8")


@bp.get("/results.xlsx")
@writes_on_read
def results_xlsx_export(project_id):
    """The same results, a sheet per model, labels in ?lang= (vi, the default, or en) above the names."""
    lang = _language()
    actor, records, criteria = _records(project_id, lang=lang)
    log_action(actor, "results.export", "project", project_id, {"format": "xlsx", **request.args.to_dict()})
    return download(results_xlsx(records, criteria, lang), _file_name(".xlsx"), XLSX_TYPE)


# OData


def _service_url(project_id):
    return f"{request.host_url.rstrip('/')}/v1/projects/{project_id}/results.svc"


def _odata(body, content_type="application/json; charset=utf-8"):
    response = Response(body, content_type=content_type)
    response.headers["OData-Version"] = "4.0"
    return response


@bp.get("/results.svc")
def results_service(project_id):
    project_caller_or_404(project_id, "submission.list")
    url = _service_url(project_id)
    body = {"@odata.context": f"{url}/$metadata",
            "value": [{"name": name, "kind": "EntitySet", "url": name} for name in ("Results", "Criteria")]}
    return _odata(json.dumps(body), "application/json; charset=utf-8; odata.metadata=minimal")


@bp.get("/results.svc/$metadata")
def results_metadata(project_id):
    project_caller_or_404(project_id, "submission.list")
    namespace = f"{FQDN}.results"

    def entity(name, columns):
        lines = [f"      <EntityType Name={quoteattr(name)}>", '        <Key><PropertyRef Name="__id"/></Key>',
                 '        <Property Name="__id" Type="Edm.String"/>']
        lines += [f"        <Property Name={quoteattr(column)} Type={quoteattr(kind)}/>" for column, kind in columns]
        return lines + ["      </EntityType>"]

    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
             "  <edmx:DataServices>",
             f'    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace={quoteattr(namespace)}>',
             *entity("Results", COLUMNS), *entity("Criteria", CRITERIA_COLUMNS),
             '      <EntityContainer Name="results">',
             f'        <EntitySet Name="Results" EntityType="{namespace}.Results"/>',
             f'        <EntitySet Name="Criteria" EntityType="{namespace}.Criteria"/>',
             "      </EntityContainer>", "    </Schema>", "  </edmx:DataServices>", "</edmx:Edmx>"]
    return _odata("\n".join(lines), "application/xml")


@bp.get("/results.svc/<table>")
def results_table(project_id, table):
    if table not in ("Results", "Criteria"):
        raise errors.not_found()
    unknown = [key for key in request.args if key.startswith("$") and key not in SUPPORTED]
    if unknown:
        raise errors.not_implemented(feature=unknown[0])
    top, skip, count = whole_number("$top"), whole_number("$skip") or 0, flag("$count", False)
    wanted = _filter(request.args.get("$filter", ""))
    columns = COLUMNS if table == "Results" else CRITERIA_COLUMNS
    selected = _select(request.args.get("$select"), columns)
    _, records, criteria = _records(project_id)
    records = [record for record in records if all(record[name] == value for name, value in wanted.items())]
    rows = [_result_row(record) for record in records] if table == "Results" else \
        [row for record in records for row in _criteria_rows(record, criteria)]
    page = rows[skip:skip + top] if top is not None else rows[skip:]
    if selected is not None:
        page = [{key: value for key, value in row.items() if key in selected} for row in page]
    tail = {"@odata.context": f"{_service_url(project_id)}/$metadata#{table}"}
    if count:
        tail["@odata.count"] = len(rows)

    def chunks():
        yield b'{"value":['
        for start in range(0, len(page), 200):
            text = ",".join(json.dumps(row, ensure_ascii=False, separators=(",", ":"))
                            for row in page[start:start + 200])
            yield (("," if start else "") + text).encode("utf-8")
        yield ("]," + json.dumps(tail, separators=(",", ":"))[1:]).encode("utf-8")

    return _odata(stream_with_context(chunks()))


def _result_id(record):
    return f"{record['model']}:{record['subject']}:{record['period'] if record['period'] is not None else ''}"


def _json_value(value):
    if hasattr(value, "astimezone"):
        return iso_millis(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _result_row(record):
    return {"__id": _result_id(record), **{name: _json_value(record[name]) for name in NAMES}}


def _criteria_rows(record, criteria):
    parent = _result_id(record)
    for item in criteria.get(record["model"], []):
        if item.code in record["criteria"]:
            yield {"__id": f"{parent}:{item.code}", "__Results-id": parent, "model": item.kind,
                   "criterion": item.code, "label": item.label.get("vi") or item.label.get("default") or item.code,
                   "points": _json_value(record["criteria"][item.code]), "maxPoints": _json_value(item.max_points)}


def _filter(text):
    """{column: value} of "name eq value and …". :raise 400.18: anything else, or a column that cannot be
    filtered on."""
    wanted = {}
    for part in re.split(r"\s+and\s+", text.strip()) if text.strip() else ():
        match = COMPARISON.match(part)
        if match is None or match.group(1) not in FILTERABLE:
            raise errors.unparseable_odata(reason=f"expected name eq value (and …) on {', '.join(FILTERABLE)}: "
                                                  f"{part.strip()!r}")
        name, literal = match.groups()
        expected = FILTERABLE[name]
        if literal == "null":
            wanted[name] = None
        elif expected is str and literal.startswith("'"):
            wanted[name] = literal[1:-1].replace("''", "'")
        elif expected is int and literal.lstrip("-").isdigit() and len(literal) <= 9:
            wanted[name] = int(literal)
        elif expected is bool and literal in ("true", "false"):
            wanted[name] = literal == "true"
        else:
            raise errors.unparseable_odata(reason=f"{name} cannot equal {literal}")
    return wanted


def _select(text, columns):
    if text is None or not text.strip():
        return None
    known = {"__id", *(name for name, _ in columns)}
    chosen = {item.strip() for item in text.split(",") if item.strip()}
    for item in chosen:
        if item not in known:
            raise errors.property_not_found(property=item)
    return chosen | {"__id"}

