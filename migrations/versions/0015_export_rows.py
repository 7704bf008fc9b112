"""export rows: each submission version's cells as the CSV and OData exports write them, made once per set of
form fields and read by every later export instead of the XML

Derived and reproducible (server/exports/stored_rows.py): the table starts empty and fills as exports run.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_rows',
                    sa.Column('submission_def_id', sa.Integer(), nullable=False),
                    sa.Column('fields_key', sa.String(length=40), nullable=False),
                    sa.Column('kind', sa.String(length=8), nullable=False),
                    sa.Column('cells', sa.Text(), nullable=False),
                    sa.Column('rest', sa.Text(), nullable=True),
                    sa.ForeignKeyConstraint(['submission_def_id'], ['submission_defs.id'],
                                            name=op.f('fk_export_rows_submission_def_id_submission_defs'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('submission_def_id', 'fields_key', 'kind', name=op.f('pk_export_rows')))


def downgrade():
    op.drop_table('export_rows')
