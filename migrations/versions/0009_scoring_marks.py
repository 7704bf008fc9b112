"""scoring marks: how far each form version's submissions are known to be scored under it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

"""
from alembic import op
import geoalchemy2  # noqa: F401  (geometry columns)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scoring_marks',
    sa.Column('form_def_id', sa.Integer(), nullable=False),
    sa.Column('upto_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['form_def_id'], ['form_defs.id'], name=op.f('fk_scoring_marks_form_def_id_form_defs')),
    sa.PrimaryKeyConstraint('form_def_id', name=op.f('pk_scoring_marks'))
    )
    op.create_index('ix_submission_defs_form_id_id', 'submission_defs', ['form_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_submission_defs_form_id_id', table_name='submission_defs')
    op.drop_table('scoring_marks')
