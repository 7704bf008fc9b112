"""Login throttling: after too many failed logins (password, Basic or Digest) for one account, or from one
address, within a window, every login for it (a correct one too) is answered 429 with Retry-After until the
oldest failure leaves the window. Failures are rows in the database, so every worker and every node agrees;
each is committed at once, since the request that failed rolls back.

An address is shared by everyone behind one NAT (a commune office), so it may fail more often than one account.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request

from .. import errors
from ..db import utcnow
from ..extensions import db
from .models import LoginFailure

ADDRESS_FACTOR = 5  # an address may fail this many times as often as one account


def login_keys(email):
    """The keys a login by `email` from this request's address is counted under, with how many failures each
    may have in the window."""
    allowed = current_app.config["LOGIN_FAILURES_ALLOWED"]
    keys = {f"account:{(email or '').strip().lower()[:320]}": allowed}
    if request.remote_addr:
        keys[f"address:{request.remote_addr[:64]}"] = allowed * ADDRESS_FACTOR
    return keys


def check_not_throttled(email):
    """:raise 429.51: (with Retry-After) too many recent failures for the account or from the address."""
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    keys = login_keys(email)
    now = utcnow()
    query = (sa.select(LoginFailure.key, sa.func.count(), sa.func.min(LoginFailure.failed_at))
             .where(LoginFailure.key.in_(list(keys)), LoginFailure.failed_at > now - window)
             .group_by(LoginFailure.key))
    for key, count, oldest in db.session.execute(query):
        if count >= keys[key]:
            retry_after = max(1, int((oldest + window - now).total_seconds()) + 1)
            problem = errors.too_many_login_failures(retryAfter=retry_after)
            problem.headers["Retry-After"] = str(retry_after)
            raise problem


def record_failure(email):
    """Keep one failed login for the account and the address, committed now (the failing request rolls back),
    and forget those of theirs that left the window."""
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    now = utcnow()
    keys = list(login_keys(email))
    db.session.rollback()  # nothing of the request is written yet: logins come first
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.key.in_(keys),
                                                     LoginFailure.failed_at <= now - window))
    db.session.execute(sa.insert(LoginFailure), [{"key": key, "failed_at": now} for key in keys])
    db.session.commit()
