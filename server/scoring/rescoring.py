"""Rescoring in the background: when a form version is published, a thread of the server process scores
the project's pending results under the new rules, a batch per transaction (so GET …/results/pending shows
the progress and no request waits long for the writer lock), then rolls up every subject that draws on its
members, so that the first reading of the results finds them ready.

Idempotent: scores and member scores are inserted "or nothing", and a read request that scores pending
results at the same time (results.py) does no harm. One run per project at a time; a publish during a run
makes it go round once more. A run lost with its process is no loss: reading results, or
`minhchung rescore`, scores whatever is still pending.
"""

import logging

from flask import current_app, g

from ..background import ProjectRuns
from ..db import after_commit
from ..extensions import db
from .member_rollups import rolled_up_results
from .scores import score_pending

log = logging.getLogger(__name__)


def rescore_after_commit(project_id):
    """Once this request commits (a version was published), rescore the project in the background, unless
    the server is configured not to (MINHCHUNG_RESCORE_IN_BACKGROUND=0: results are then scored when read)."""
    app = current_app._get_current_object()
    if app.config["RESCORE_IN_BACKGROUND"]:
        after_commit(lambda: rescore_in_background(app, project_id))


def rescore_in_background(app, project_id):
    """Start a run for the project, or ask the one running to go round again; the thread, or None."""
    return RUNS.start(app, project_id)


def rescore(project_id, batch=200):
    """Score what is pending, committing each batch, then roll up members; return how many were scored."""
    g.may_write = True  # SQLite: each transaction takes the writer lock at BEGIN (server/db.py)
    try:
        done = score_pending(project_id, batch, on_batch=lambda _: db.session.commit())
        db.session.commit()
        rolled_up_results(project_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    log.info("project %s: %s submission version(s) scored in the background", project_id, done)
    return done


RUNS = ProjectRuns("rescoring", rescore)
