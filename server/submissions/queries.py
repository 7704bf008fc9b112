import sqlalchemy as sa

from ..appusers.models import FormAssignment
from ..areas.queries import descendants_select
from ..auth.models import Assignment
from ..auth.roles import role_ids_with
from ..blobs.models import Blob
from ..db import execute_plain
from ..extensions import db
from ..forms.models import Form, FormDef
from ..projects.models import Project
from .models import Comment, Submission, SubmissionAttachment, SubmissionDef


def _submission_target_statement():
    # The roles are constants: written into the SQL, so no IN list is expanded per execution.
    may_submit = [sa.literal_column(str(role_id)) for role_id in role_ids_with("submission.create")]
    project_id, actor_id = sa.bindparam("project_id"), sa.bindparam("actor_id")
    by_role = sa.exists().where(Assignment.actor_id == actor_id, Assignment.role_id.in_(may_submit),
                                sa.or_(Assignment.project_id.is_(None), Assignment.project_id == project_id))
    by_form = sa.exists().where(FormAssignment.actor_id == actor_id, FormAssignment.role_id.in_(may_submit),
                                FormAssignment.form_id == Form.id)
    return (sa.select(Form.id.label("form_id"), Form.xml_form_id, Form.state, FormDef.id.label("form_def_id"),
                      FormDef.sha256.label("form_def_sha256"),
                      sa.select(Blob.sha256).where(Blob.id == FormDef.xls_blob_id).scalar_subquery()
                      .label("rules_sha256"), sa.or_(by_role, by_form).label("may_submit"))
            .join(Project, Project.id == Form.project_id)
            .outerjoin(FormDef, sa.and_(FormDef.form_id == Form.id, FormDef.version == sa.bindparam("version"),
                                        FormDef.published_at.is_not(None)))
            .where(Form.project_id == project_id, Form.xml_form_id == sa.bindparam("xml_form_id"),
                   Form.deleted_at.is_(None), Project.deleted_at.is_(None)))


SUBMISSION_TARGET = _submission_target_statement()  # built once: this is ODK Collect's hot path


def get_submission_target(project_id, xml_form_id, version, actor_id):
    """Everything receiving a submission must know, in one round trip: the live form, the published version
    the XML names (form_def_id NULL if none), and whether the actor may submit to it (a site-wide or project
    role, or an app-user assignment to the form). None: no such form."""
    return execute_plain(db.session, SUBMISSION_TARGET, {"project_id": project_id, "xml_form_id": xml_form_id,
                                                       "version": version, "actor_id": actor_id}).first()


def get_def_by_instance_id(form_id, instance_id):
    """Any version (current or not) of any submission of the form, by that version's instanceID."""
    query = sa.select(SubmissionDef).where(SubmissionDef.form_id == form_id, SubmissionDef.instance_id == instance_id)
    return db.session.execute(query).scalar_one_or_none()


def get_submission_by_instance_id(form_id, instance_id):
    query = sa.select(Submission).where(Submission.form_id == form_id, Submission.instance_id == instance_id,
                                        Submission.deleted_at.is_(None))
    return db.session.execute(query).scalar_one_or_none()


def get_submissions_by_instance_ids(form_id, instance_ids):
    query = sa.select(Submission).where(Submission.form_id == form_id, Submission.instance_id.in_(instance_ids),
                                        Submission.deleted_at.is_(None))
    return db.session.execute(query).scalars().all()


def get_current_def(submission_id):
    query = sa.select(SubmissionDef).where(SubmissionDef.submission_id == submission_id,
                                           SubmissionDef.current.is_(True))
    return db.session.execute(query).scalar_one()


def list_submissions_by_form(form_id, scope=None):
    """(Submission, its current version) of the form, newest first; with `scope` (a SELECT of area ids: the
    caller's area limit) only those placed in those areas or below them."""
    query = (sa.select(Submission, SubmissionDef)
             .join(SubmissionDef, sa.and_(SubmissionDef.submission_id == Submission.id,
                                          SubmissionDef.current.is_(True)))
             .where(Submission.form_id == form_id, Submission.deleted_at.is_(None))
             .order_by(Submission.created_at.desc(), Submission.id.desc()))
    if scope is not None:
        query = query.where(Submission.area_id.in_(descendants_select(scope)))
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



def get_def(submission_def_id):
    return db.session.get(SubmissionDef, submission_def_id)


# Where a new submission belongs, in one round trip on PostgreSQL (ODK Collect's hot path): its subject's
# registry entry's area, else the hamlet whose boundary covers its geopoint (GIST-indexed), else NULL.
PLACE_ON_POSTGRESQL = sa.text("""
SELECT COALESCE(
    (SELECT e.area_id FROM entities e JOIN datasets d ON d.id = e.dataset_id
     WHERE d.project_id = :project_id AND e.uuid = CAST(:subject AS text) AND e.deleted_at IS NULL
       AND e.area_id IS NOT NULL
     LIMIT 1),
    (SELECT a.id FROM areas a
     WHERE a.level = 'hamlet' AND a.boundary IS NOT NULL
       AND ST_Covers(a.boundary, ST_SetSRID(ST_MakePoint(CAST(:longitude AS double precision),
                                                         CAST(:latitude AS double precision)), 4326))
     ORDER BY a.id LIMIT 1))
""")


def place_on_postgresql(project_id, subject, latitude, longitude):
    """The area id PLACE_ON_POSTGRESQL finds, or None."""
    return execute_plain(db.session, PLACE_ON_POSTGRESQL, {"project_id": project_id, "subject": subject,
                                                          "latitude": latitude, "longitude": longitude}).scalar()


def areas_of_instances(project_id, instance_ids):
    """(instance id, area id) of the project's live submissions with these instance ids."""
    if not instance_ids:
        return []
    return db.session.execute(sa.select(Submission.instance_id, Submission.area_id)
                              .join(Form, Form.id == Submission.form_id)
                              .where(Form.project_id == project_id, Submission.deleted_at.is_(None),
                                     Submission.instance_id.in_(list(instance_ids)))).all()
