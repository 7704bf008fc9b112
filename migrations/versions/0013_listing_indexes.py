"""the submissions table at the desk: live submissions by form, submitter, area and review state (counts and the
submitter list read this index alone), each submission's current version (its id and instance name), the
scores of a form version (with the total and the subject to search by), the scores of a form version by total
(the table sorted by score reads this index in order) and, on PostgreSQL, the current
instance names by trigrams (pg_trgm) for the search

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_submissions_live', 'submissions', ['form_id', 'submitter_id', 'area_id', 'review_state'],
                    unique=False, postgresql_where=sa.text('deleted_at IS NULL'),
                    sqlite_where=sa.text('deleted_at IS NULL'))
    op.create_index('ix_submission_defs_current', 'submission_defs', ['submission_id'], unique=False,
                    postgresql_include=['id', 'instance_name'], postgresql_where=sa.text('current IS true'),
                    sqlite_where=sa.text('current IS 1'))  # as the queries say it
    op.create_index('ix_scores_listing', 'scores', ['form_def_id', 'submission_def_id'], unique=False,
                    postgresql_include=['total', 'subject'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE INDEX ix_scores_order ON scores (form_def_id, total DESC NULLS LAST, submission_id DESC)')
    else:
        op.create_index('ix_scores_order', 'scores', ['form_def_id', 'total', 'submission_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':  # the desk's search "contains", by trigrams (pg_trgm, contrib)
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_submission_defs_name_trgm ON submission_defs '
                   'USING gin (lower(instance_name) gin_trgm_ops) WHERE current IS true')


def downgrade():
    op.execute('DROP INDEX IF EXISTS ix_submission_defs_name_trgm')
    op.drop_index('ix_scores_order', table_name='scores')
    op.drop_index('ix_scores_listing', table_name='scores')
    op.drop_index('ix_submission_defs_current', table_name='submission_defs')
    op.drop_index('ix_submissions_live', table_name='submissions')
