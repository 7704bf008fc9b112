import os

import pytest

from tests.conftest import TEST_DATABASE_ENV
from tests.factories import create_project, create_user, login
from tests.live import drop_postgres_database, fresh_postgres_database, start_server, stop_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One real `minhchung serve --demo` (gunicorn) for the run, on its own database, with small body limits,
    behind one (pretended) proxy."""
    base = os.environ.get(TEST_DATABASE_ENV)
    database_url = fresh_postgres_database(base, "live") if base else None
    live = start_server(tmp_path_factory.mktemp("live"), database_url,
                        {"MINHCHUNG_MAX_BODY_BYTES": str(3 * 1024 * 1024), "MINHCHUNG_TRUSTED_PROXIES": "1",
                         "MINHCHUNG_MAX_FORM_BYTES": str(1024 * 1024)})
    yield live
    stop_server(live)
    if database_url:
        drop_postgres_database(database_url)


@pytest.fixture
def admin(client):
    """Headers of a logged-in site administrator."""
    create_user("admin@example.org", admin=True)
    return login(client, "admin@example.org")


@pytest.fixture
def project(client):
    return create_project("Xã Thử Nghiệm")
