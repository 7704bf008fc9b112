"""member scores keep their points per indicator (the results exports show points per criterion)

Member scores are derived and reproducible (server/scoring/member_rollups.py): the ones kept without points are
dropped and scored again, with their points, the next time the results are read.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM member_scores")
    with op.batch_alter_table('member_scores') as batch:
        batch.add_column(sa.Column('points', sa.JSON(), nullable=False))


def downgrade():
    with op.batch_alter_table('member_scores') as batch:
        batch.drop_column('points')
