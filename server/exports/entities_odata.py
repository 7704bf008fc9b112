"""ODK Central's OData feed of an entity list (a registry: households, clans, units, citizens), as pyodk's
entities.get_table() reads it: GET …/datasets/{name}.svc (service document), …/datasets/{name}.svc/$metadata and
…/datasets/{name}.svc/Entities, each entity as {__id, label, __system{createdAt, creatorId, creatorName, updates,
updatedAt, deletedAt, version, conflict}, and its properties (text)}. Query options as Central: $top, $skip,
$skiptoken, $count, $filter and $orderby on __id and __system/createdAt, updatedAt, creatorId, deletedAt and
conflict, $select on label, __system and the properties, and $search (the label contains the text, in any
case); anything else is 501.1. Newest first, limited to the caller's areas as every other read."""

import json
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

import sqlalchemy as sa
from flask import Blueprint, Response, request, stream_with_context

from .. import errors
from ..areas.queries import descendants_select
from ..auth.models import Actor
from ..extensions import db
from ..http import caller_scope
from ..registries.models import Entity
from ..registries.queries import property_names
from ..registries.routes import dataset_or_404
from .odata import FQDN, sanitize
from .odata_filter import parse_filter, parse_orderby
from .odata_routes import make_skiptoken, read_skiptoken, whole_number
from .routes import flag
from .tables import iso_millis

bp = Blueprint("entities_odata", __name__, url_prefix="/v1/projects/<int:project_id>/datasets")
SUPPORTED = {"$top", "$skip", "$skiptoken", "$count", "$filter", "$orderby", "$select", "$search", "$format"}
FIELDS = {"__id": Entity.uuid.expression, "__system/createdAt": Entity.created_at.expression,
          "__system/updatedAt": Entity.updated_at.expression, "__system/creatorId": Entity.creator_id.expression,
          "__system/deletedAt": Entity.deleted_at.expression,
          "__system/conflict": sa.null().label("conflict")}  # entities here never conflict
SYSTEM = ("createdAt", "creatorId", "creatorName", "updates", "updatedAt", "deletedAt", "version", "conflict")
BATCH = 500


def _service_url(project_id, name):
    return f"{request.host_url.rstrip('/')}/v1/projects/{project_id}/datasets/{name}.svc"


def _odata(body, content_type="application/json; charset=utf-8"):
    response = Response(body, content_type=content_type)
    response.headers["OData-Version"] = "4.0"
    return response


@bp.get("/<name>.svc")
def entity_service(project_id, name):
    dataset = dataset_or_404(project_id, name, "entity.list")
    body = {"@odata.context": f"{_service_url(project_id, dataset.name)}/$metadata",
            "value": [{"name": "Entities", "kind": "EntitySet", "url": "Entities"}]}
    return _odata(json.dumps(body), "application/json; charset=utf-8; odata.metadata=minimal")


@bp.get("/<name>.svc/$metadata")
def entity_metadata(project_id, name):
    dataset = dataset_or_404(project_id, name, "entity.list")
    namespace = f"{FQDN}.{sanitize(dataset.name)}"
    system = "".join(f'\n        <Property Name="{field}" Type="{kind}"/>' for field, kind in (
        ("createdAt", "Edm.DateTimeOffset"), ("creatorId", "Edm.String"), ("creatorName", "Edm.String"),
        ("updates", "Edm.Int64"), ("updatedAt", "Edm.DateTimeOffset"), ("deletedAt", "Edm.DateTimeOffset"),
        ("version", "Edm.Int64"), ("conflict", "Edm.String")))
    properties = "".join(f'\n        <Property Name={quoteattr(sanitize(item))} Type="Edm.String"/>'
                         for item in property_names(dataset.id))
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="org.opendatakit.entity">
      <ComplexType Name="metadata">{system}
      </ComplexType>
    </Schema>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace={quoteattr(namespace)}>
      <EntityType Name="Entities">
        <Key><PropertyRef Name="__id"/></Key>
        <Property Name="__id" Type="Edm.String"/>
        <Property Name="label" Type="Edm.String"/>
        <Property Name="__system" Type="org.opendatakit.entity.metadata"/>{properties}
      </EntityType>
      <EntityContainer Name={quoteattr(dataset.name)}>
        <EntitySet Name="Entities" EntityType="{namespace}.Entities"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"""
    return _odata(body, "application/xml")


@bp.get("/<name>.svc/Entities")
def entity_rows(project_id, name):
    dataset = dataset_or_404(project_id, name, "entity.list")
    unknown = [key for key in request.args if key.startswith("$") and key not in SUPPORTED]
    if unknown:
        raise errors.not_implemented(feature=unknown[0])
    top, skip, count = whole_number("$top"), whole_number("$skip") or 0, flag("$count", False)
    properties = property_names(dataset.id)
    names = {sanitize(item): item for item in properties}
    condition = parse_filter(request.args["$filter"], FIELDS) if request.args.get("$filter") else sa.true()
    order = parse_orderby(request.args["$orderby"], FIELDS) if request.args.get("$orderby") else []
    selected = _select(request.args.get("$select"), names)
    query = (sa.select(Entity.id, Entity.uuid, Entity.label, Entity.data, Entity.version, Entity.creator_id,
                       Actor.display_name, Entity.created_at, Entity.updated_at)
             .outerjoin(Actor, Actor.id == Entity.creator_id)
             .where(Entity.dataset_id == dataset.id, Entity.deleted_at.is_(None), condition))
    scope = caller_scope(project_id)
    if scope is not None:
        query = query.where(Entity.area_id.in_(descendants_select(scope)))
    search = (request.args.get("$search") or "").strip().strip('"')
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.func.lower(Entity.label).like(pattern, escape="\\"))
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar() if count else None
    if request.args.get("$skiptoken"):
        token = read_skiptoken(request.args["$skiptoken"], keys=("uuid",))
        if order:
            raise errors.invalid_skiptoken()
        mark = db.session.execute(sa.select(Entity.created_at, Entity.id).where(
            Entity.dataset_id == dataset.id, Entity.uuid == token["uuid"])).first()
        if mark is None:
            raise errors.invalid_skiptoken()
        query = query.where(sa.tuple_(Entity.created_at, Entity.id) < sa.tuple_(*mark))
        skip = 0
    query = query.order_by(*order, Entity.created_at.desc(), Entity.id.desc()).offset(skip)
    if top is not None:
        query = query.limit(top + 1)
    url = _service_url(project_id, dataset.name)
    return _odata(stream_with_context(_stream(query, properties, names, selected, top, total, url, bool(order))))


def _select(text, names):
    """(top-level names kept, with __id; the __system fields kept, or None for all of them), or None without
    $select. :raise 400.23: an unknown name."""
    if text is None or not text.strip():
        return None
    kept, system, whole_system = {"__id"}, set(), False
    for item in (item.strip() for item in text.split(",") if item.strip()):
        if item == "__system":
            whole_system = True
        elif item.startswith("__system/") and item.removeprefix("__system/") in SYSTEM:
            system.add(item.removeprefix("__system/"))
            item = "__system"
        elif item not in names and item not in ("__id", "label"):
            raise errors.property_not_found(property=item)
        kept.add(item)
    return kept, None if whole_system or not system else system


def _row(found, properties):
    row = {"__id": found.uuid, "label": found.label,
           "__system": {"createdAt": iso_millis(found.created_at),
                        "creatorId": str(found.creator_id) if found.creator_id is not None else None,
                        "creatorName": found.display_name, "updates": found.version - 1,
                        "updatedAt": iso_millis(found.updated_at) if found.updated_at else None,
                        "deletedAt": None, "version": found.version, "conflict": None}}
    data = found.data or {}
    for item in properties:
        value = data.get(item)
        row[sanitize(item)] = value if value is None or isinstance(value, str) else str(value)
    return row


def _stream(query, properties, names, selected, top, total, url, ordered):
    yield b'{"value":['
    written, last, more = 0, None, False
    for found in db.session.execute(query.execution_options(yield_per=BATCH)):
        if top is not None and written >= top:
            more = True
            break
        row = _row(found, properties)
        if selected is not None:
            kept, system = selected
            if system is not None:
                row["__system"] = {key: value for key, value in row["__system"].items() if key in system}
            row = {key: value for key, value in row.items() if key in kept}
        yield (("," if written else "") + json.dumps(row, ensure_ascii=False, separators=(",", ":"))).encode()
        written, last = written + 1, found.uuid
    tail = {"@odata.context": f"{url}/$metadata#Entities"}
    if more and last is not None and not ordered:
        args = {name: value for name, value in request.args.items() if name not in ("$skiptoken", "$skip")}
        args["$skiptoken"] = make_skiptoken({"uuid": last})
        tail["@odata.nextLink"] = f"{url}/Entities?{urlencode(args)}"
    if total is not None:
        tail["@odata.count"] = total
    yield ("]," + json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:]).encode()
