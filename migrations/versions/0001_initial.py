"""projects, users, forms, blobs, audits

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 07:54:20.258779

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # PostGIS holds the geometry of areas and submissions; fail here, loudly, if it is not installed.
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("type IN ('user', 'field_key')", name=op.f('ck_actors_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actors'))
    )
    op.create_table('blobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blobs')),
    sa.UniqueConstraint('sha256', name=op.f('uq_blobs_sha256'))
    )
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_assignments_actor_id_actors')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_assignments_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_project_id'), ['project_id'], unique=False)
        batch_op.create_index('uq_assignments_actor_role_project', ['actor_id', 'role_id', 'project_id'], unique=True)
        batch_op.create_index('uq_assignments_actor_role_sitewide', ['actor_id', 'role_id'], unique=True, sqlite_where=sa.text('project_id IS NULL'), postgresql_where=sa.text('project_id IS NULL'))

    op.create_table('audits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actee_type', sa.String(length=32), nullable=True),
    sa.Column('actee_id', sa.String(length=255), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_audits_actor_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audits'))
    )
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audits_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_logged_at'), ['logged_at'], unique=False)

    op.create_table('forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('xml_form_id', sa.String(length=256), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('current_def_id', sa.Integer(), nullable=True),
    sa.Column('draft_def_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'closing', 'closed')", name=op.f('ck_forms_state')),
    sa.ForeignKeyConstraint(['created_by'], ['actors.id'], name=op.f('fk_forms_created_by_actors')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_forms_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms'))
    )
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forms_project_id'), ['project_id'], unique=False)
        batch_op.create_index('uq_forms_project_xml_form_id', ['project_id', 'xml_form_id'], unique=True, sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))

    op.create_table('sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_sessions_actor_id_actors')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_sessions'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_actor_id'), ['actor_id'], unique=False)

    op.create_table('users',
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_users_actor_id_actors')),
    sa.PrimaryKeyConstraint('actor_id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('form_defs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('version', sa.String(length=256), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('hash', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('xls_blob_id', sa.Integer(), nullable=True),
    sa.Column('xls_content_type', sa.String(length=100), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_form_defs_form_id_forms')),
    sa.ForeignKeyConstraint(['xls_blob_id'], ['blobs.id'], name=op.f('fk_form_defs_xls_blob_id_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_defs'))
    )
    with op.batch_alter_table('form_defs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_defs_form_id'), ['form_id'], unique=False)
        batch_op.create_index('uq_form_defs_published_version', ['form_id', 'version'], unique=True, sqlite_where=sa.text('published_at IS NOT NULL'), postgresql_where=sa.text('published_at IS NOT NULL'))

    op.create_table('form_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_def_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=255), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_form_attachments_blob_id_blobs')),
    sa.ForeignKeyConstraint(['form_def_id'], ['form_defs.id'], name=op.f('fk_form_attachments_form_def_id_form_defs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_attachments')),
    sa.UniqueConstraint('form_def_id', 'name', name=op.f('uq_form_attachments_form_def_id_name'))
    )
    with op.batch_alter_table('form_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_attachments_form_def_id'), ['form_def_id'], unique=False)

    # forms and form_defs refer to each other: the forms -> form_defs keys come once both tables exist.
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f('fk_forms_current_def_id_form_defs'), 'form_defs', ['current_def_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_forms_draft_def_id_form_defs'), 'form_defs', ['draft_def_id'], ['id'])


def downgrade():
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_forms_current_def_id_form_defs'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_forms_draft_def_id_form_defs'), type_='foreignkey')
    with op.batch_alter_table('form_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_attachments_form_def_id'))

    op.drop_table('form_attachments')
    with op.batch_alter_table('form_defs', schema=None) as batch_op:
        batch_op.drop_index('uq_form_defs_published_version', sqlite_where=sa.text('published_at IS NOT NULL'), postgresql_where=sa.text('published_at IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_form_defs_form_id'))

    op.drop_table('form_defs')
    op.drop_table('users')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_actor_id'))

    op.drop_table('sessions')
    with op.batch_alter_table('forms', schema=None) as batch_op:
        batch_op.drop_index('uq_forms_project_xml_form_id', sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_forms_project_id'))

    op.drop_table('forms')
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audits_logged_at'))
        batch_op.drop_index(batch_op.f('ix_audits_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audits_action'))

    op.drop_table('audits')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_actor_role_sitewide', sqlite_where=sa.text('project_id IS NULL'), postgresql_where=sa.text('project_id IS NULL'))
        batch_op.drop_index('uq_assignments_actor_role_project')
        batch_op.drop_index(batch_op.f('ix_assignments_project_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_actor_id'))

    op.drop_table('assignments')
    op.drop_table('projects')
    op.drop_table('blobs')
    op.drop_table('actors')
