"""hardening: scores that could not be scored say why; each submission's area; login failures and Digest
nonce counts kept in the database, so that every worker and every node agrees

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scores') as batch:
        batch.add_column(sa.Column('error', sa.JSON(), nullable=True))
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('area_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('outside_areas', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_foreign_key(batch.f('fk_submissions_area_id_areas'), 'areas', ['area_id'], ['id'])
        batch.create_index(batch.f('ix_submissions_area_id'), ['area_id'], unique=False)
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index('ix_login_failures_key_failed_at', 'login_failures', ['key', 'failed_at'], unique=False)
    op.create_table('digest_nonces',
    sa.Column('nonce', sa.String(length=200), nullable=False),
    sa.Column('nonce_count', sa.BigInteger(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_digest_nonces'))
    )


def downgrade():
    op.drop_table('digest_nonces')
    op.drop_index('ix_login_failures_key_failed_at', table_name='login_failures')
    op.drop_table('login_failures')
    with op.batch_alter_table('submissions') as batch:
        batch.drop_index(batch.f('ix_submissions_area_id'))
        batch.drop_constraint(batch.f('fk_submissions_area_id_areas'), type_='foreignkey')
        batch.drop_column('outside_areas')
        batch.drop_column('area_id')
    with op.batch_alter_table('scores') as batch:
        batch.drop_column('error')
