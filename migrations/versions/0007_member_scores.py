"""member scores: results whose rules read their members' results, scored with the member counts read

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

"""
from alembic import op
import geoalchemy2  # noqa: F401  (geometry columns)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('score_id', sa.Integer(), nullable=False),
    sa.Column('members', sa.String(length=255), nullable=False),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('result', sa.String(length=100), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('recognised', sa.Boolean(), nullable=False),
    sa.Column('mandatory_met', sa.Boolean(), nullable=False),
    sa.Column('unmet', sa.JSON(), nullable=False),
    sa.Column('held_back_by', sa.JSON(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['score_id'], ['scores.id'], name=op.f('fk_member_scores_score_id_scores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_scores')),
    sa.UniqueConstraint('score_id', 'members', name=op.f('uq_member_scores_score_id_members'))
    )
    op.create_index(op.f('ix_member_scores_score_id'), 'member_scores', ['score_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_member_scores_score_id'), table_name='member_scores')
    op.drop_table('member_scores')
