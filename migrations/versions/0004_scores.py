"""scores: one row per submission version and the form version whose rules scored it

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

"""
from alembic import op
import geoalchemy2  # noqa: F401  (geometry columns)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('submission_def_id', sa.Integer(), nullable=False),
    sa.Column('form_def_id', sa.Integer(), nullable=False),
    sa.Column('ruleset_id', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('area_code', sa.String(length=64), nullable=True),
    sa.Column('period', sa.Integer(), nullable=True),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('result', sa.String(length=100), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('recognised', sa.Boolean(), nullable=False),
    sa.Column('mandatory_met', sa.Boolean(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('unmet', sa.JSON(), nullable=False),
    sa.Column('held_back_by', sa.JSON(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_def_id'], ['form_defs.id'], name=op.f('fk_scores_form_def_id_form_defs')),
    sa.ForeignKeyConstraint(['submission_def_id'], ['submission_defs.id'], name=op.f('fk_scores_submission_def_id_submission_defs')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_scores_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scores')),
    sa.UniqueConstraint('submission_def_id', 'form_def_id', name=op.f('uq_scores_submission_def_id_form_def_id'))
    )
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scores_area_code'), ['area_code'], unique=False)
        batch_op.create_index('ix_scores_model_period_subject', ['model', 'period', 'subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_scores_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scores_submission_id'))
        batch_op.drop_index('ix_scores_model_period_subject')
        batch_op.drop_index(batch_op.f('ix_scores_area_code'))

    op.drop_table('scores')
