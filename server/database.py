"""Checks on the configured database: reachable, migrated, PostGIS present (PostgreSQL only)."""

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from .extensions import MIGRATIONS_DIR, db

POSTGIS_VERSION = sa.text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")


class DatabaseNotReady(RuntimeError):
    """The database cannot be used as configured; the message says what to do."""


def database_status():
    """A small dict for the health endpoint; raises SQLAlchemyError when the database is unreachable."""
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
        status = {"database": db.engine.dialect.name}
        if db.engine.dialect.name == "postgresql":
            status["postgis"] = connection.execute(POSTGIS_VERSION).scalar()
        return status


def check_database_ready():
    """Raise DatabaseNotReady unless the database is reachable, at the latest migration and (on PostgreSQL) has
    PostGIS."""
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            if db.engine.dialect.name == "postgresql":
                postgis = connection.execute(POSTGIS_VERSION).scalar()
                if postgis is None:
                    raise DatabaseNotReady(f"PostGIS is not enabled in {url}. Install it (Debian: apt-get install "
                                           "postgresql-15-postgis-3) and run 'minhchung db upgrade'.")
    except sa.exc.SQLAlchemyError as error:
        reason = f"{error.__class__.__name__}: {str(error).splitlines()[0]}"
        raise DatabaseNotReady(f"Cannot use the database {url}: {reason}") from None
    head = ScriptDirectory(MIGRATIONS_DIR).get_current_head()
    if revision != head:
        raise DatabaseNotReady(f"The database {url} is at migration {revision or 'none'}, not {head}: "
                               "run 'minhchung db upgrade'.")


def upgrade_database():
    """Apply all migrations (what 'minhchung db upgrade' does)."""
    from flask_migrate import upgrade
    with current_app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
