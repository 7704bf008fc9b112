"""recognition decisions: an officer confirms or overrides the proposed result of a subject for a period

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

"""
from alembic import op
import geoalchemy2  # noqa: F401  (geometry columns)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recognition_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('recognised', sa.Boolean(), nullable=False),
    sa.Column('proposed', sa.Boolean(), nullable=True),
    sa.Column('score_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['actors.id'], name=op.f('fk_recognition_decisions_decided_by_actors')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_recognition_decisions_project_id_projects')),
    sa.ForeignKeyConstraint(['score_id'], ['scores.id'], name=op.f('fk_recognition_decisions_score_id_scores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recognition_decisions')),
    sa.UniqueConstraint('project_id', 'model', 'subject', 'period', name=op.f('uq_recognition_decisions_project_id_model_subject_period'))
    )


def downgrade():
    op.drop_table('recognition_decisions')
