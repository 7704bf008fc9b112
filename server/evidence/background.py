"""The evidence checks in the background: once a request that stored a submission (or one of its files) has
committed, a thread of the server process checks what is pending in the project (background.py's one run per
project at a time, a batch per transaction). A phone's request never waits for them. On PostgreSQL one process
at a time checks a project (an advisory lock): another asked meanwhile waits for it, then checks what came
after (giving up instead would leave a version committed during the first run unchecked). Where the server
is configured not to (MINHCHUNG_CHECK_EVIDENCE_IN_BACKGROUND=0), a read of the flags checks what is pending."""

import logging
import zlib
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app, g

from ..background import ProjectRuns
from ..db import after_commit
from ..extensions import db
from .service import check_pending

log = logging.getLogger(__name__)
BATCH = 20  # versions per transaction: on SQLite a batch holds the writer lock, and ingest waits behind it


def check_after_commit(project_id: int) -> None:
    app = current_app._get_current_object()
    if app.config.get("CHECK_EVIDENCE_IN_BACKGROUND"):
        after_commit(lambda: RUNS.start(app, project_id))


def run_checks(project_id: int) -> int:
    """Check what is pending in the project, committing each batch; return how many were checked."""
    g.may_write = True  # SQLite: each transaction takes the writer lock at BEGIN (server/db.py)
    with _one_process_at_a_time(project_id):
        try:
            done = check_pending(project_id, batch=BATCH, on_batch=lambda _: db.session.commit())
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    if done:
        log.info("project %s: %s submission version(s) checked for evidence", project_id, done)
    return done


@contextmanager
def _one_process_at_a_time(project_id):
    """On PostgreSQL, hold the project's advisory lock (waiting for another process's run to end first) on a
    connection of its own: the session's changes connection between its transactions."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    key = zlib.crc32(f"evidence-{project_id}".encode())
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()


RUNS = ProjectRuns("evidence checks", run_checks)
