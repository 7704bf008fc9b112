"""The declarative base, shared column types and the SQLite connection settings."""

import queue
import threading
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from psycopg.rows import namedtuple_row
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite keeps no offset, so we add it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # the campaigns' clock: days in filters, times in spreadsheets


def utcnow():
    return datetime.now(timezone.utc)


def _lower(text):
    return text.lower() if isinstance(text, str) else text


def configure_sqlite(engine, writes_expected=lambda: False):
    """Make pysqlite honour SAVEPOINTs and real transactions, enforce foreign keys, use WAL; lower() folds all
    Unicode letters, as on PostgreSQL.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; SQLAlchemy's documented
    recipe turns it off and emits BEGIN itself (docs: "Serializable isolation / Savepoints / Transactional DDL").
    A transaction that will write starts with BEGIN IMMEDIATE: in WAL mode a deferred transaction that
    reads and then writes fails at once (SQLITE_BUSY_SNAPSHOT) if another process wrote in between,
    whereas IMMEDIATE waits its turn (busy_timeout) for the single writer lock.
    """

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
        # SQLite's own lower() folds ASCII only ("Đoài" stays "Đoài"); PostgreSQL's folds every letter. Searches
        # (the desk's ?q=) compare lower(column) with lowered text, so both must fold alike.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")


def writes_on_read(view):
    """Mark a GET view that writes while it reads (results and the desk score what is pending first; the desk
    notes a visit or keeps a thumbnail): on SQLite it takes the writer lock at BEGIN (configure_sqlite's
    `writes_expected`, server/__init__.py request_may_write), or a concurrent submission would make its write
    fail (SQLITE_BUSY_SNAPSHOT)."""
    view.writes_on_read = True
    return view


def execute_plain(session, statement, params=None):
    """Run a prebuilt statement on the session's connection (same transaction) and return its rows as
    plain named tuples (.first(), .scalar()): for the hot paths, which want rows, not objects.

    On PostgreSQL the statement, compiled once, goes straight to psycopg: SQLAlchemy's execution and
    result machinery cost more than the query itself (~90 µs of CPU each). Statements run this way must
    take and return plain values (no type processing); elsewhere (SQLite) they run through SQLAlchemy.
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return PlainRows(connection.execute(statement, params or {}).all())
    sql, defaults = _compiled_for_driver(statement, connection.dialect)
    values = {**defaults, **(params or {})}
    try:
        with connection.connection.driver_connection.cursor(row_factory=namedtuple_row) as cursor:
            cursor.execute(sql, values)
            return PlainRows(cursor.fetchall() if cursor.description else [])
    except connection.dialect.loaded_dbapi.Error as error:  # raised as SQLAlchemy would (IntegrityError…)
        if connection.dialect.is_disconnect(error, connection.connection.dbapi_connection, None):
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(sql, values, error, connection.dialect.loaded_dbapi.Error,
                                         dialect=connection.dialect) from error


def stream_plain(session, statement, batch: int):
    """Run a query on the session's connection (same transaction) and yield its rows `batch` at a time, as plain
    tuples: for the exports, which stream tens of thousands of rows. On PostgreSQL through a psycopg server-side
    cursor, without SQLAlchemy's result machinery (as execute_plain; the statement must take and return plain
    values); elsewhere (SQLite) through SQLAlchemy."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        yield from connection.execute(statement.execution_options(yield_per=batch)).partitions()
        return
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    driver = connection.connection.driver_connection
    with driver.cursor(name=f"stream_{id(compiled):x}") as cursor:
        try:
            cursor.execute(compiled.string, compiled.params)
            while rows := cursor.fetchmany(batch):
                yield rows
        except connection.dialect.loaded_dbapi.Error as error:  # raised as SQLAlchemy would
            raise sa.exc.DBAPIError.instance(compiled.string, compiled.params, error,
                                             connection.dialect.loaded_dbapi.Error, dialect=connection.dialect) \
                from error


READ_AHEAD = 2  # batches read and not yet taken
_END = object()


def read_ahead(make_batches):
    """The batches `make_batches()` yields (a generator reading the database through db.session), read on a
    thread of its own, with its own app context, session and connection, up to READ_AHEAD batches ahead of the
    caller: an export's database time and its writing overlap. On SQLite, or where the database is one connection
    (the tests' rolled-back transaction), the batches are read here, in the caller's session."""
    from flask import current_app

    from .extensions import db
    engine = db.engine
    if isinstance(engine, sa.Connection) or engine.dialect.name != "postgresql":
        yield from make_batches()
        return
    app, batches, stop = current_app._get_current_object(), queue.Queue(maxsize=READ_AHEAD), threading.Event()

    def read():
        with app.app_context():
            made = make_batches()
            try:
                for batch in made:
                    if not _put(batches, batch, stop):
                        return
                _put(batches, _END, stop)
            except BaseException as error:  # handed to the caller, which raises it
                _put(batches, error, stop)
            finally:
                made.close()
                db.session.remove()

    thread = threading.Thread(target=read, daemon=True, name="read-ahead")
    thread.start()
    try:
        while (batch := batches.get()) is not _END:
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:  # also when the caller stops early ($top reached, the client went away)
        stop.set()
        thread.join()


def _put(batches, item, stop) -> bool:
    while not stop.is_set():
        try:
            batches.put(item, timeout=0.5)
            return True
        except queue.Full:
            continue
    return False


class PlainRows(list):
    """Rows as named tuples, with the two accessors the hot paths use."""

    def first(self):
        return self[0] if self else None

    def scalar(self):
        return self[0][0] if self else None


_COMPILED = {}


def _compiled_for_driver(statement, dialect):
    """(SQL text in the driver's parameter style, default parameter values), compiled once per statement."""
    key = (id(statement), dialect.name)
    if key not in _COMPILED:
        compiled = statement.compile(dialect=dialect)
        constants = {name: value for name, value in compiled.params.items() if value is not None}
        _COMPILED[key] = (compiled.string, constants)
    return _COMPILED[key]


def after_commit(action):
    """Run `action()` once this request's transaction is committed (not at all if it is rolled back)."""
    from flask import g
    g.setdefault("after_commit", []).append(action)


def dialect_insert(session, model):
    """INSERT INTO `model` in the dialect of the session's database, so that ON CONFLICT clauses can follow."""
    from sqlalchemy.dialects import postgresql, sqlite
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(model)


def insert_or_nothing(session, model, values, conflict_columns):
    """INSERT … ON CONFLICT (conflict_columns) DO NOTHING RETURNING the new row as `model`, or None.

    One round trip that also settles races: on PostgreSQL a concurrent insert of the same key waits
    for the other transaction and then does nothing, so no SAVEPOINT is needed.
    """
    statement = (dialect_insert(session, model).values(**values)
                 .on_conflict_do_nothing(index_elements=conflict_columns).returning(model))
    return session.scalars(statement).one_or_none()
