"""GET /health: is the process up and the database reachable (and PostGIS there, on PostgreSQL)."""

import sqlalchemy as sa
from flask import Blueprint, jsonify

from .database import database_status

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    try:
        status = database_status()
    except sa.exc.SQLAlchemyError as error:
        return jsonify(status="error", database=str(error.__class__.__name__)), 503
    return jsonify(status="ok", **status)
