"""Who is at the desk: a cookie session over the same accounts, sessions and throttling as the API.

Logging in creates the same revocable Session row a POST /v1/sessions does (auth/service.py); the cookie holds
its token, signed, HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS (directly or through a
trusted proxy). Logging out ends that session. Every request that may change something (anything but GET, HEAD,
OPTIONS) must carry the session's CSRF token, as a form field or an X-CSRF-Token header (htmx sends it).
"""

import hmac
import secrets
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from .. import errors
from ..auth import service as auth_service

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class DeskSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure whenever the page was asked for over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def load_desk_actor():
    """before_request of the desk: the person whose live session the cookie names (else nobody), and the CSRF
    check on changes. An app user's token never opens the desk."""
    token = session.get("token")
    if token:
        holder = auth_service.find_token_holder(token)
        if holder is not None and holder.type == "user":
            g.actor_id, g.actor_type, g.token = holder.actor_id, holder.type, token
        else:
            session.clear()
    if request.method not in SAFE_METHODS:
        check_csrf()


def csrf_token():
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf():
    """:raise 403.51: the request does not carry this session's CSRF token."""
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise errors.csrf_failed()


def sign_in(email, password):
    """Start a session for the account, or None when email and password do not match.
    :raise 429.51: too many failed logins (auth/throttling.py)."""
    user = auth_service.authenticate_password(email, password)
    if user is None:
        return None
    token, _ = auth_service.create_session(user.actor, current_app.config["SESSION_LIFETIME_SECONDS"])
    session.clear()
    session["token"], session["csrf"] = token, secrets.token_urlsafe(32)
    session.permanent = True
    return user


def sign_out():
    """End the cookie's session (as DELETE /v1/sessions/{token} would) and forget the cookie."""
    token = session.get("token")
    found = auth_service.find_session(token) if token else None
    if found is not None:
        auth_service.end_session(found, found.actor)
    session.clear()


def signed_in(view):
    """Views for people who are logged in; others go to the login page and come back after it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("actor_id") is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def safe_next(target):
    """A path on this site to go to after logging in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("web.home")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("web.home")
