"""Each submission version's cells as an export writes them, made once from its XML and kept (table export_rows),
so that the next export of the same fields reads them instead of parsing and walking every XML again.

A stored row is keyed by the version, a digest of what its cells depend on (the form's fields and, for a CSV
that splits select_multiples, their values: `fields_key`) and the export's kind ("csv" or "odata"). An export
that finds no row for a version walks its XML as before, writes what it made and hands it to a `Keeper`, which
stores such rows a batch at a time on a connection of its own (the export's read goes on streaming). The rows
are derived: FORMAT changes whenever the way cells are made changes, and so every key with it.
"""

import hashlib
import logging
from contextlib import contextmanager

import sqlalchemy as sa

from ..db import dialect_insert
from ..extensions import db
from .models import ExportRow

FORMAT = 2
KEEP_BATCH = 500
log = logging.getLogger(__name__)


def fields_key(fields: tuple, select_values: dict | None = None) -> str:
    """The digest of what a version's cells depend on besides its XML (SchemaField is a frozen dataclass: its
    repr names every attribute)."""
    values = sorted((path, tuple(known)) for path, known in (select_values or {}).items())
    return hashlib.sha256(repr((FORMAT, fields, values)).encode("utf-8")).hexdigest()[:40]


class Keeper:
    """Stores the rows an export made, KEEP_BATCH at a time, each in its own short transaction; a row another
    export stored meanwhile is left as it is (the same content)."""

    def __init__(self, key: str, kind: str):
        self.key, self.kind, self.rows = key, kind, []

    def add(self, def_id: int, cells: str, rest: str | None):
        self.rows.append({"submission_def_id": def_id, "fields_key": self.key, "kind": self.kind, "cells": cells,
                          "rest": rest})
        if len(self.rows) >= KEEP_BATCH:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        statement = dialect_insert(db.session, ExportRow).on_conflict_do_nothing(
            index_elements=["submission_def_id", "fields_key", "kind"])
        try:
            with _own_transaction() as connection:
                connection.execute(statement, rows)
        except sa.exc.DBAPIError as error:  # the rows are a cache: the export goes on without keeping them
            log.warning("export rows not kept (%s rows): %s", len(rows), error)


@contextmanager
def _own_transaction():
    """A short transaction beside the export's own (which is still reading): on a connection of its own, or, where
    the database is one connection (the tests' rolled-back transaction), in a SAVEPOINT of it."""
    bind = db.engine
    if isinstance(bind, sa.Connection):
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin() as connection:
            yield connection
