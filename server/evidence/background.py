"""The evidence checks in the background: once a request that stored a submission (or one of its files) has
committed, a thread of the server process checks what is pending in the project (background.py's one run per
project at a time, a batch per transaction). A phone's request never waits for them. On PostgreSQL one process
at a time checks a project (an advisory lock; another asked meanwhile leaves it to that one). Where the server
is configured not to (MINHCHUNG_CHECK_EVIDENCE_IN_BACKGROUND=0), a read of the flags checks what is pending."""

import logging
import zlib

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
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    key = zlib.crc32(f"evidence-{project_id}".encode())
    try:
        if postgresql and not db.session.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            return 0  # another process is checking this project
        done = check_pending(project_id, batch=BATCH, on_batch=lambda _: db.session.commit())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        if postgresql:
            db.session.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            db.session.commit()
    if done:
        log.info("project %s: %s submission version(s) checked for evidence", project_id, done)
    return done


RUNS = ProjectRuns("evidence checks", run_checks)
