"""the supervisor's desk: photo thumbnails kept as blobs, when each person last opened a form's submissions,
and the index the submissions table pages by

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'thumbnails',
        sa.Column('blob_id', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('thumb_blob_id', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_thumbnails_blob_id_blobs')),
        sa.ForeignKeyConstraint(['thumb_blob_id'], ['blobs.id'], name=op.f('fk_thumbnails_thumb_blob_id_blobs')),
        sa.PrimaryKeyConstraint('blob_id', 'size', name=op.f('pk_thumbnails')),
    )
    op.create_table(
        'desk_visits',
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('form_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actors.id'], name=op.f('fk_desk_visits_actor_id_actors')),
        sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_desk_visits_form_id_forms')),
        sa.PrimaryKeyConstraint('actor_id', 'form_id', name=op.f('pk_desk_visits')),
    )
    op.create_index('ix_submissions_form_id_created_at', 'submissions', ['form_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_submissions_form_id_created_at', table_name='submissions')
    op.drop_table('desk_visits')
    op.drop_table('thumbnails')
