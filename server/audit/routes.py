from flask import Blueprint, jsonify, request

from .. import errors
from ..auth.requests import require
from ..params import int_param
from . import queries
from .schemas import AuditSchema

bp = Blueprint("audit", __name__, url_prefix="/v1/audits")


@bp.get("")
def list_audits():
    """Administrators read the log: ?action=form (prefix), ?start=, ?end= (ISO dates), ?limit=, ?offset=."""
    require("audit.read")
    limit, offset = min(int_param("limit", default=100), 1000), int_param("offset", default=0)
    entries = queries.list_audits(request.args.get("action"), parse_time("start"), parse_time("end"), limit, offset)
    return jsonify(AuditSchema(many=True).dump(entries))


def parse_time(name):
    from datetime import datetime, timezone
    value = request.args.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.invalid_data_type(field=name, expected="ISO 8601 date or time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
