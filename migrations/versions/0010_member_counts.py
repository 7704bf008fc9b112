"""member scores keep their member counts as structured data: member_counts (JSON) and a digest for uniqueness

The string column `members` ("cong_dan=12/9;gia_dinh=4/3") is read once here into
{"cong_dan": {"evaluated": 12, "recognised": 9}, …} and dropped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

member_scores = sa.table('member_scores', sa.column('id', sa.Integer), sa.column('members', sa.String),
                         sa.column('member_counts', sa.JSON), sa.column('member_counts_digest', sa.String))


def _counts(text):
    """The old key's counts, as server/scoring/member_counts.counts_to_json writes them (kinds sorted)."""
    counts = {}
    for part in filter(None, text.split(";")):
        kind, _, numbers = part.partition("=")
        evaluated, _, recognised = numbers.partition("/")
        counts[kind] = {"evaluated": int(evaluated), "recognised": int(recognised)}
    return dict(sorted(counts.items()))


def _digest(counts):
    """server/scoring/member_counts.counts_digest, as of this revision."""
    return hashlib.sha256(json.dumps(counts, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _key(counts):
    return ";".join(f"{kind}={count['evaluated']}/{count['recognised']}" for kind, count in sorted(counts.items()))


def upgrade():
    with op.batch_alter_table('member_scores') as batch:
        batch.add_column(sa.Column('member_counts', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('member_counts_digest', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for row_id, members in connection.execute(sa.select(member_scores.c.id, member_scores.c.members)).all():
        counts = _counts(members)
        connection.execute(member_scores.update().where(member_scores.c.id == row_id)
                           .values(member_counts=counts, member_counts_digest=_digest(counts)))
    with op.batch_alter_table('member_scores') as batch:
        batch.alter_column('member_counts', existing_type=sa.JSON(), nullable=False)
        batch.alter_column('member_counts_digest', existing_type=sa.String(length=64), nullable=False)
        batch.drop_constraint('uq_member_scores_score_id_members', type_='unique')
        batch.drop_column('members')
        batch.create_unique_constraint(batch.f('uq_member_scores_score_id_member_counts_digest'),
                                       ['score_id', 'member_counts_digest'])


def downgrade():
    with op.batch_alter_table('member_scores') as batch:
        batch.add_column(sa.Column('members', sa.String(length=255), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(member_scores.c.id, member_scores.c.member_counts)).all()
    for row_id, counts in rows:
        connection.execute(member_scores.update().where(member_scores.c.id == row_id).values(members=_key(counts)))
    with op.batch_alter_table('member_scores') as batch:
        batch.alter_column('members', existing_type=sa.String(length=255), nullable=False)
        batch.drop_constraint('uq_member_scores_score_id_member_counts_digest', type_='unique')
        batch.drop_column('member_counts_digest')
        batch.drop_column('member_counts')
        batch.create_unique_constraint(batch.f('uq_member_scores_score_id_members'), ['score_id', 'members'])
