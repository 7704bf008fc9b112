"""app users, form assignments, submissions, comments, digest

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:34:26.652739

"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('field_keys',
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=128), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_field_keys_actor_id_actors')),
    sa.ForeignKeyConstraint(['created_by'], ['actors.id'], name=op.f('fk_field_keys_created_by_actors')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_field_keys_project_id_projects')),
    sa.PrimaryKeyConstraint('actor_id', name=op.f('pk_field_keys')),
    sa.UniqueConstraint('token', name=op.f('uq_field_keys_token'))
    )
    with op.batch_alter_table('field_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_keys_project_id'), ['project_id'], unique=False)

    op.create_table('form_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_form_assignments_actor_id_actors')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_form_assignments_form_id_forms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_assignments')),
    sa.UniqueConstraint('actor_id', 'form_id', 'role_id', name=op.f('uq_form_assignments_actor_id_form_id_role_id'))
    )
    with op.batch_alter_table('form_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_assignments_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_assignments_form_id'), ['form_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=255), nullable=False),
    sa.Column('submitter_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=255), nullable=True),
    sa.Column('user_agent', sa.String(length=500), nullable=True),
    sa.Column('review_state', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("review_state IS NULL OR review_state IN ('hasIssues', 'edited', 'approved', 'rejected')", name=op.f('ck_submissions_review_state')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_submissions_form_id_forms')),
    sa.ForeignKeyConstraint(['submitter_id'], ['actors.id'], name=op.f('fk_submissions_submitter_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('form_id', 'instance_id', name=op.f('uq_submissions_form_id_instance_id'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_form_id'), ['form_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_submitter_id'), ['submitter_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_comments_actor_id_actors')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_comments_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_submission_id'), ['submission_id'], unique=False)

    op.create_table('submission_defs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('form_def_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=255), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('xml_sha256', sa.String(length=64), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('instance_name', sa.String(length=500), nullable=True),
    sa.Column('submitter_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=255), nullable=True),
    sa.Column('user_agent', sa.String(length=500), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('altitude', sa.Float(), nullable=True),
    sa.Column('accuracy', sa.Float(), nullable=True),
    sa.Column('location', sa.Text().with_variant(geoalchemy2.types.Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_def_id'], ['form_defs.id'], name=op.f('fk_submission_defs_form_def_id_form_defs')),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_submission_defs_form_id_forms')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_defs_submission_id_submissions')),
    sa.ForeignKeyConstraint(['submitter_id'], ['actors.id'], name=op.f('fk_submission_defs_submitter_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_defs')),
    sa.UniqueConstraint('form_id', 'instance_id', name=op.f('uq_submission_defs_form_id_instance_id'))
    )
    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_defs_form_def_id'), ['form_def_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_defs_submission_id'), ['submission_id'], unique=False)

    op.create_table('submission_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_def_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_submission_attachments_blob_id_blobs')),
    sa.ForeignKeyConstraint(['submission_def_id'], ['submission_defs.id'], name=op.f('fk_submission_attachments_submission_def_id_submission_defs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_attachments')),
    sa.UniqueConstraint('submission_def_id', 'name', name=op.f('uq_submission_attachments_submission_def_id_name'))
    )
    with op.batch_alter_table('submission_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_attachments_submission_def_id'), ['submission_def_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_ha1', sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_submission_defs_location", "submission_defs", ["location"], postgresql_using="gist")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_ha1')

    with op.batch_alter_table('submission_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_attachments_submission_def_id'))

    op.drop_table('submission_attachments')
    with op.batch_alter_table('submission_defs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_defs_submission_id'))
        batch_op.drop_index(batch_op.f('ix_submission_defs_form_def_id'))

    op.drop_table('submission_defs')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_submission_id'))

    op.drop_table('comments')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_submitter_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_form_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('form_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_assignments_form_id'))
        batch_op.drop_index(batch_op.f('ix_form_assignments_actor_id'))

    op.drop_table('form_assignments')
    with op.batch_alter_table('field_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_keys_project_id'))

    op.drop_table('field_keys')
