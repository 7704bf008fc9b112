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
import queue
import threading

import sqlalchemy as sa

from ..extensions import db

FORMAT = 2
KEEP_BATCH = 500
WAITING = 4  # batches handed over and not yet stored
IDLE_SECONDS = 60
log = logging.getLogger(__name__)
INSERT_ROWS = ("INSERT INTO export_rows (submission_def_id, fields_key, kind, cells, rest) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT (submission_def_id, fields_key, kind) DO NOTHING")
# psycopg's executemany would send a batch row by row; unnest() takes it in one statement (binary arrays: %b)
INSERT_ARRAYS = ("INSERT INTO export_rows (submission_def_id, fields_key, kind, cells, rest) "
                 "SELECT * FROM unnest(%b::integer[], %b::varchar[], %b::varchar[], %b::text[], %b::text[]) "
                 "ON CONFLICT (submission_def_id, fields_key, kind) DO NOTHING")


def fields_key(fields: tuple, select_values: dict | None = None) -> str:
    """The digest of what a version's cells depend on besides its XML (SchemaField is a frozen dataclass: its
    repr names every attribute)."""
    values = sorted((path, tuple(known)) for path, known in (select_values or {}).items())
    return hashlib.sha256(repr((FORMAT, fields, values)).encode("utf-8")).hexdigest()[:40]


class Keeper:
    """Stores the rows an export made, KEEP_BATCH at a time, each batch in its own short transaction on a thread of
    its own, so that the export streams on meanwhile (at most WAITING batches wait, so memory stays flat); a row
    another export stored meanwhile is left as it is (the same content). Where the database is one connection (the
    tests' rolled-back transaction), batches are stored at once in a SAVEPOINT of it."""

    def __init__(self, key: str, kind: str):
        self.key, self.kind, self.rows = key, kind, []
        self.bind, self.batches, self.thread = None, None, None

    def add(self, def_id: int, cells: str, rest: str | None):
        self.rows.append((def_id, self.key, self.kind, cells, rest))
        if len(self.rows) >= KEEP_BATCH:
            self._hand_over()

    def finish(self):
        """Store what is left and wait until every batch is stored."""
        self._hand_over()
        if self.thread is not None and self.thread.is_alive():
            self.batches.put(None)
            self.thread.join()
        self.thread = None

    def _hand_over(self):
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        if self.bind is None:
            self.bind = db.engine
        if isinstance(self.bind, sa.Connection):
            try:
                with self.bind.begin_nested():
                    _store(self.bind, rows)
            except sa.exc.DBAPIError as error:
                log.warning("export rows not kept (%s rows): %s", len(rows), error)
            return
        if self.batches is None:
            self.batches = queue.Queue(maxsize=WAITING)
        if self.thread is None or not self.thread.is_alive():  # its first batch, or the thread gave up waiting
            self.thread = threading.Thread(target=_store_batches, args=(self.bind, self.batches), daemon=True,
                                           name=f"export-rows-{self.kind}")
            self.thread.start()
        self.batches.put(rows)


def _store_batches(engine, batches):
    """Store the batches as they come until None; an export that stops streaming (its client went away) hands over
    nothing more, and the thread ends after IDLE_SECONDS."""
    while True:
        try:
            rows = batches.get(timeout=IDLE_SECONDS)
        except queue.Empty:
            return
        if rows is None:
            return
        try:
            with engine.begin() as connection:
                _store(connection, rows)
        except sa.exc.DBAPIError as error:  # the rows are a cache: the export goes on without them
            log.warning("export rows not kept (%s rows): %s", len(rows), error)


def _store(connection, rows):
    if connection.dialect.name == "postgresql":  # the batch as five arrays in one statement
        # a cache: rows lost in a crash are made again, so the commit need not wait for the disk
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
        connection.exec_driver_sql(INSERT_ARRAYS, tuple(list(column) for column in zip(*rows)))
    else:  # sqlite3's executemany runs the rows in C
        connection.exec_driver_sql(INSERT_ROWS, rows)
