"""Who is calling: Bearer session tokens, app-user tokens in the URL, HTTP Basic over HTTPS only (as
ODK Central does), and HTTP Digest (as the OpenRosa spec allows, for ODK Collect on plain HTTP).

Behind a TLS-terminating proxy, X-Forwarded-Proto says the scheme, but only when the operator says how many
proxies stand in front (proxies.py). Digest is accepted on the OpenRosa endpoints only, each nonce count once.
"""

import base64
import binascii
import time

from flask import current_app, g, request

from .. import errors
from ..openrosa.paths import is_openrosa_request
from ..text import is_storable
from . import digest, queries, service
from .throttling import check_not_throttled, record_failure


def load_actor():
    """before_request: find who is calling (bad credentials fail at once). Tokens are checked with one plain
    query; the Actor row itself is loaded only if a view asks for it (current_actor)."""
    g.actor = g.actor_id = g.actor_type = g.token = None
    url_token = request.environ.get("minhchung.key_token") or request.args.get("st")
    if url_token is not None:
        return load_token(url_token)
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        return
    if scheme.lower() == "bearer":
        load_token(value.strip())
    elif scheme.lower() == "digest":
        if not is_openrosa_request():  # Digest is for ODK Collect on plain HTTP, not for the REST API
            raise errors.authentication_failed()
        set_actor(authenticate_digest(value))
    elif scheme.lower() == "basic":
        if not request.is_secure:
            raise errors.https_only()
        email, password = decode_basic(value)
        user = service.authenticate_password(email, password)
        if user is None:
            raise errors.authentication_failed()
        set_actor(user.actor)
    else:
        raise errors.authentication_failed()


def load_token(token):
    """A session or app-user token (Bearer, /v1/key/{token}/… or ?st=): unknown, expired or revoked is 401."""
    holder = service.find_token_holder(token)
    if holder is None:
        raise errors.authentication_failed()
    g.actor_id, g.actor_type, g.token = holder.actor_id, holder.type, token


def set_actor(actor):
    g.actor_id, g.actor_type, g.actor = actor.id, actor.type, actor


def decode_basic(value):
    try:
        email, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.authentication_failed() from None
    if not is_storable(email) or len(email) > 320:  # no account has such a name (PostgreSQL text holds no NUL)
        raise errors.authentication_failed()
    return email, password


def current_actor_id():
    """The authenticated actor's id; :raise 401.2: nobody is authenticated."""
    if g.get("actor_id") is None:
        raise errors.authentication_failed()
    return g.actor_id


def current_actor():
    """The authenticated Actor; :raise 401.2: nobody is authenticated."""
    if g.get("actor") is None:
        g.actor = queries.get_actor(current_actor_id())
    return g.actor


def current_session():
    """The session whose token authenticated this request, or None (HTTP Digest and Basic have none)."""
    return service.find_session(g.token) if g.get("token") else None


def require(verb, project_id=None, form_id=None):
    """The actor, if it may do `verb` (on the project, or the form).

    :raise 401.2: anonymous, :raise 403.1: not allowed."""
    actor_id = current_actor_id()
    if verb not in service.verbs_of_actor(actor_id, project_id, form_id):
        raise errors.insufficient_rights()
    return current_actor()


def actor_or_404(actor_id):
    """A live actor by id; :raise 404.1: none."""
    actor = queries.get_actor(actor_id)
    if actor is None:
        raise errors.not_found()
    return actor


def authenticate_digest(value):
    """The user whose Digest response is right for this request. :raise 401.2: (with stale=true on an old nonce)"""
    params = digest.parse_authorization(value)
    if params is None or not is_storable(params["username"]) or len(params["username"]) > 320:
        raise errors.authentication_failed()
    check_not_throttled(params["username"])
    user = queries.get_user_by_email(params["username"])
    outcome = "bad"
    if user is not None and user.digest_ha1:
        outcome = digest.verify(params, user.digest_ha1, request.method, original_uri(),
                                current_app.config["SECRET_KEY"], int(time.time()))
    if outcome == "ok" and not queries.use_digest_nonce(params["nonce"], digest.nonce_count(params)):
        outcome = "stale"  # a nonce count that does not increase: a replay, or a request overtaken; ask again
    if outcome != "ok":
        if outcome == "bad":
            record_failure(params["username"])
        g.digest_stale = outcome == "stale"
        raise errors.authentication_failed()
    return user.actor


def original_uri():
    """The request URI as the client sent it (and signed it), before any rewriting of ours."""
    return request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path.rstrip("?")


def www_authenticate_challenges():
    """What a 401 on an OpenRosa endpoint offers: Digest always (it works over plain HTTP), Basic only over
    HTTPS (Collect sends Basic only there). Collect answers only a challenge, never a bare 401."""
    challenges = [digest.challenge(current_app.config["SECRET_KEY"], int(time.time()),
                                   stale=g.get("digest_stale", False))]
    if request.is_secure:
        challenges.append(f'Basic realm="{digest.REALM}", charset="UTF-8"')
    return challenges
