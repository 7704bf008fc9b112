import sqlalchemy as sa

from ..auth.models import Actor
from ..extensions import db
from .models import Comment, Submission, SubmissionAttachment, SubmissionDef


def get_def_by_instance_id(form_id, instance_id):
    """Any version (current or not) of any submission of the form, by that version's instanceID."""
    query = sa.select(SubmissionDef).where(SubmissionDef.form_id == form_id, SubmissionDef.instance_id == instance_id)
    return db.session.execute(query).scalar_one_or_none()


def get_submission_by_instance_id(form_id, instance_id):
    query = sa.select(Submission).where(Submission.form_id == form_id, Submission.instance_id == instance_id,
                                        Submission.deleted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def get_current_def(submission_id):
    query = sa.select(SubmissionDef).where(SubmissionDef.submission_id == submission_id, SubmissionDef.current.is_(True))
    return db.session.execute(query).scalar_one()


def list_submissions_by_form(form_id):
    query = (sa.select(Submission, SubmissionDef)
             .join(SubmissionDef, sa.and_(SubmissionDef.submission_id == Submission.id, SubmissionDef.current.is_(True)))
             .where(Submission.form_id == form_id, Submission.deleted_at.is_(None))
             .order_by(Submission.created_at.desc(), Submission.id.desc()))
    return db.session.execute(query).all()


def list_versions(submission_id):
    query = (sa.select(SubmissionDef).where(SubmissionDef.submission_id == submission_id)
             .order_by(SubmissionDef.created_at.desc(), SubmissionDef.id.desc()))
    return db.session.execute(query).scalars().all()


def get_attachment(submission_def_id, name):
    query = sa.select(SubmissionAttachment).where(SubmissionAttachment.submission_def_id == submission_def_id,
                                                  SubmissionAttachment.name == name)
    return db.session.execute(query).scalar_one_or_none()


def list_comments(submission_id):
    query = sa.select(Comment).where(Comment.submission_id == submission_id).order_by(Comment.created_at, Comment.id)
    return db.session.execute(query).scalars().all()


def get_actors_by_ids(actor_ids):
    """{id: Actor} for submitters and commenters, deleted ones included (X-Extended-Metadata)."""
    query = sa.select(Actor).where(Actor.id.in_(list(actor_ids)))
    return {actor.id: actor for actor in db.session.execute(query).scalars()}
