"""Shared fixtures. The database is chosen by MINHCHUNG_TEST_DATABASE_URL (default: SQLite in a temp dir);
the same tests run unchanged on PostgreSQL + PostGIS."""

import os

import pytest
import sqlalchemy as sa

from server import create_app
from server.database import DatabaseNotReady, check_database_ready, upgrade_database
from server.extensions import db

TEST_DATABASE_ENV = "MINHCHUNG_TEST_DATABASE_URL"


def test_database_url(tmp_path_factory):
    return os.environ.get(TEST_DATABASE_ENV) or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_database(app):
    """Start from an empty database: drop everything, then apply every migration."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        upgrade_database()
        try:
            check_database_ready()
        except DatabaseNotReady as error:
            pytest.exit(f"The test database is not usable: {error}", returncode=3)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": test_database_url(tmp_path_factory), "DATA_DIR": data_dir,
                          "SECRET_KEY": "test-secret", "TESTING": True,
                          # each test runs in one rolled-back transaction that a thread cannot share: the
                          # background rescoring is tested against a live server (test_live_server.py)
                          "RESCORE_IN_BACKGROUND": False, "CHECK_EVIDENCE_IN_BACKGROUND": False})
        reset_database(app)
    except sa.exc.OperationalError as error:
        pytest.exit(f"Cannot reach the test database ({TEST_DATABASE_ENV}): {error}", returncode=3)
    return app


@pytest.fixture
def database(app):
    """Run the test inside one transaction that is rolled back at the end (architecture.md rule 8).

    Each engine in db.engines is swapped for a connection with an open transaction; requests then
    commit SAVEPOINTs inside it (session join_transaction_mode="create_savepoint").
    """
    with app.app_context():
        engines = db.engines
        swapped = []
        for key, engine in list(engines.items()):
            connection = engine.connect()
            transaction = connection.begin()
            engines[key] = connection
            swapped.append((key, engine, connection, transaction))
        try:
            yield db
        finally:
            db.session.remove()
            for key, engine, connection, transaction in swapped:
                transaction.rollback()
                connection.close()
                engines[key] = engine


@pytest.fixture
def client(app, database):
    return app.test_client()
