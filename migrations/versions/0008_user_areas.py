"""user areas: a web user's work in a project limited to areas (and everything below them)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

"""
from alembic import op
import geoalchemy2  # noqa: F401  (geometry columns)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_areas',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_user_areas_actor_id_actors')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_user_areas_area_id_areas')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_user_areas_project_id_projects')),
    sa.PrimaryKeyConstraint('project_id', 'actor_id', 'area_id', name=op.f('pk_user_areas'))
    )
    op.create_index(op.f('ix_user_areas_area_id'), 'user_areas', ['area_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_user_areas_area_id'), table_name='user_areas')
    op.drop_table('user_areas')
