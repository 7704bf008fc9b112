from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..db import dialect_insert, execute_plain, utcnow
from ..extensions import db
from .digest import NONCE_LIFETIME
from .models import Actor, Assignment, DigestNonce, Session, User


def get_user_by_email(email):
    query = (sa.select(User).join(User.actor)
             .where(sa.func.lower(User.email) == email.lower(), Actor.deleted_at.is_(None)))
    return db.session.execute(query).scalar_one_or_none()


def get_user_by_actor_id(actor_id):
    query = sa.select(User).join(User.actor).where(User.actor_id == actor_id, Actor.deleted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def list_users(query_text=None):
    query = sa.select(User).join(User.actor).where(Actor.deleted_at.is_(None)).order_by(User.email)
    if query_text:
        like = f"%{query_text.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.email).like(like), sa.func.lower(Actor.display_name).like(like)))
    return db.session.execute(query).scalars().all()


# Built once: every authenticated request asks this, ODK Collect's submissions most of all, and building
# a statement costs more than running it.
TOKEN_HOLDER = (sa.select(Session.actor_id, Actor.type).join(Actor, Actor.id == Session.actor_id)
                .where(Session.token_hash == sa.bindparam("token_hash"), Session.expires_at > sa.bindparam("now"),
                       Actor.deleted_at.is_(None)))


def get_token_holder(token_hash, now):
    """(actor_id, actor type) of a live, unexpired token's live actor, or None: one plain row, no ORM objects."""
    return execute_plain(db.session, TOKEN_HOLDER, {"token_hash": token_hash, "now": now}).first()


def get_session_by_token_hash(token_hash, now):
    query = (sa.select(Session).options(joinedload(Session.actor))
             .where(Session.token_hash == token_hash, Session.expires_at > now))
    return db.session.execute(query).scalar_one_or_none()


def role_ids_for(actor_id, project_id=None, form_id=None):
    """Role ids the actor holds site-wide, plus on `project_id`, plus on `form_id` when given."""
    scope = Assignment.project_id.is_(None)
    if project_id is not None:
        scope = sa.or_(scope, Assignment.project_id == project_id)
    query = sa.select(Assignment.role_id).where(Assignment.actor_id == actor_id, scope)
    if form_id is not None:
        from ..appusers.models import FormAssignment
        query = query.union(sa.select(FormAssignment.role_id).where(FormAssignment.actor_id == actor_id,
                                                                    FormAssignment.form_id == form_id))
    return set(db.session.execute(query).scalars())


def project_ids_with_roles(actor_id):
    query = sa.select(Assignment.project_id).where(Assignment.actor_id == actor_id, Assignment.project_id.is_not(None))
    return set(db.session.execute(query).scalars())


def get_assignment(actor_id, role_id, project_id):
    query = sa.select(Assignment).where(Assignment.actor_id == actor_id, Assignment.role_id == role_id,
                                        Assignment.project_id.is_(None) if project_id is None
                                        else Assignment.project_id == project_id)
    return db.session.execute(query).scalar_one_or_none()


def list_assignments(project_id=None):
    scope = Assignment.project_id.is_(None) if project_id is None else Assignment.project_id == project_id
    query = sa.select(Assignment).where(scope).order_by(Assignment.id)
    return db.session.execute(query).scalars().all()


def get_actor(actor_id):
    query = sa.select(Actor).where(Actor.id == actor_id, Actor.deleted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def get_actors(actor_ids):
    """{id: Actor} of these actors (None ids skipped), deleted ones included: creators, submitters and
    commenters are shown by name even after their account is gone (X-Extended-Metadata)."""
    ids = [actor_id for actor_id in actor_ids if actor_id is not None]
    return {actor.id: actor for actor in db.session.execute(sa.select(Actor).where(Actor.id.in_(ids))).scalars()}


def use_digest_nonce(nonce, count):
    """Record that `nonce` was used with nonce count `count`; False if it was used with this count or a higher
    one before (a replay). Old nonces are forgotten (they are stale anyway). Committed with the request."""
    if count <= 0 or len(nonce) > 200:
        return False
    now = utcnow()
    db.session.execute(sa.delete(DigestNonce).where(DigestNonce.used_at < now - timedelta(seconds=2 * NONCE_LIFETIME)))
    insert = dialect_insert(db.session, DigestNonce).values(nonce=nonce, nonce_count=count, used_at=now)
    statement = insert.on_conflict_do_update(
        index_elements=["nonce"], set_={"nonce_count": insert.excluded.nonce_count, "used_at": now},
        where=DigestNonce.nonce_count < insert.excluded.nonce_count).returning(DigestNonce.nonce)
    return db.session.execute(statement).first() is not None
