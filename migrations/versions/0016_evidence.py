"""evidence checks: what each photo says of itself (and an index of its perceptual hash), which submission
versions have been checked, the flags found, how far each project is checked, and each project's thresholds

Everything here is derived from the submissions and their files (server/evidence/service.py), except the
settings: the tables start empty and the checks fill them, the existing submissions first.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_facts',
                    sa.Column('blob_id', sa.Integer(), nullable=False),
                    sa.Column('taken_at', sa.String(length=19), nullable=True),
                    sa.Column('taken_offset', sa.String(length=6), nullable=True),
                    sa.Column('phash', sa.BigInteger(), nullable=True),
                    sa.Column('width', sa.Integer(), nullable=True),
                    sa.Column('height', sa.Integer(), nullable=True),
                    sa.Column('error', sa.String(length=200), nullable=True),
                    sa.Column('thumb', sa.LargeBinary(), nullable=True),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_photo_facts_blob_id_blobs')),
                    sa.PrimaryKeyConstraint('blob_id', name=op.f('pk_photo_facts')))
    op.create_table('photo_hash_bands',
                    sa.Column('band', sa.SmallInteger(), nullable=False),
                    sa.Column('value', sa.Integer(), nullable=False),
                    sa.Column('phash', sa.BigInteger(), nullable=False),
                    sa.Column('blob_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_photo_hash_bands_blob_id_blobs')),
                    sa.PrimaryKeyConstraint('band', 'value', 'phash', 'blob_id', name=op.f('pk_photo_hash_bands')))
    op.create_table('evidence_checks',
                    sa.Column('submission_def_id', sa.Integer(), nullable=False),
                    sa.Column('submission_id', sa.Integer(), nullable=False),
                    sa.Column('project_id', sa.Integer(), nullable=False),
                    sa.Column('subject', sa.String(length=255), nullable=True),
                    sa.Column('submitter_id', sa.Integer(), nullable=True),
                    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('photos_seen', sa.Integer(), nullable=False),
                    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['submission_def_id'], ['submission_defs.id'],
                                            name=op.f('fk_evidence_checks_submission_def_id_submission_defs'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                            name=op.f('fk_evidence_checks_submission_id_submissions')),
                    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                            name=op.f('fk_evidence_checks_project_id_projects')),
                    sa.PrimaryKeyConstraint('submission_def_id', name=op.f('pk_evidence_checks')))
    op.create_index(op.f('ix_evidence_checks_submission_id'), 'evidence_checks', ['submission_id'])
    op.create_index('ix_evidence_checks_pace', 'evidence_checks', ['project_id', 'submitter_id', 'ended_at'])
    op.create_index('ix_evidence_checks_stale', 'evidence_checks', ['photos_seen'],
                    postgresql_where=sa.text('photos_seen < 0'), sqlite_where=sa.text('photos_seen < 0'))
    op.create_table('evidence_flags',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('submission_def_id', sa.Integer(), nullable=False),
                    sa.Column('submission_id', sa.Integer(), nullable=False),
                    sa.Column('project_id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=40), nullable=False),
                    sa.Column('ref', sa.String(length=300), nullable=False),
                    sa.Column('evidence', sa.JSON(), nullable=False),
                    sa.Column('found_by_def_id', sa.Integer(), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['submission_def_id'], ['submission_defs.id'],
                                            name=op.f('fk_evidence_flags_submission_def_id_submission_defs'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                            name=op.f('fk_evidence_flags_submission_id_submissions')),
                    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                            name=op.f('fk_evidence_flags_project_id_projects')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_flags')),
                    sa.UniqueConstraint('submission_def_id', 'kind', 'ref',
                                        name=op.f('uq_evidence_flags_submission_def_id_kind_ref')))
    op.create_index(op.f('ix_evidence_flags_submission_id'), 'evidence_flags', ['submission_id'])
    op.create_index('ix_evidence_flags_project_kind', 'evidence_flags', ['project_id', 'kind'])
    op.create_table('evidence_marks',
                    sa.Column('project_id', sa.Integer(), nullable=False),
                    sa.Column('upto_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                            name=op.f('fk_evidence_marks_project_id_projects')),
                    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_evidence_marks')))
    op.create_table('evidence_settings',
                    sa.Column('project_id', sa.Integer(), nullable=False),
                    sa.Column('settings', sa.JSON(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['project_id'], ['projects.id'],
                                            name=op.f('fk_evidence_settings_project_id_projects')),
                    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_evidence_settings')))


def downgrade():
    for table in ('evidence_settings', 'evidence_marks', 'evidence_flags', 'evidence_checks', 'photo_hash_bands',
                  'photo_facts'):
        op.drop_table(table)
