"""plan targets: the provinces' plans (area, year, indicator, target share), per project

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

"""
from alembic import op
import geoalchemy2  # noqa: F401  (geometry columns)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('plan', sa.String(length=255), nullable=False),
    sa.Column('area', sa.String(length=255), nullable=False),
    sa.Column('area_level', sa.String(length=10), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('population', sa.String(length=100), nullable=False),
    sa.Column('target_percent', sa.Float(), nullable=False),
    sa.Column('comparison', sa.String(length=2), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_plan_targets_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_targets')),
    sa.UniqueConstraint('project_id', 'plan', 'area', 'year', 'indicator', 'population', name=op.f('uq_plan_targets_project_id_plan_area_year_indicator_population'))
    )
    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_targets_project_id'), ['project_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_targets_project_id'))

    op.drop_table('plan_targets')
