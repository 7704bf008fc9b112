"""areas (administrative tree, boundaries), app users' area scopes, registries (datasets, properties, entities)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:50:31.136599

"""
from alembic import op
import geoalchemy2  # noqa: F401  (geometry columns)
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('legacy_district_id', sa.Integer(), nullable=True),
    sa.Column('boundary', sa.Text().with_variant(geoalchemy2.types.Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromGeoJSON', name='geometry'), 'postgresql'), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("level IN ('province', 'district', 'commune', 'hamlet')", name=op.f('ck_areas_level')),
    sa.CheckConstraint('valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to', name=op.f('ck_areas_validity')),
    sa.ForeignKeyConstraint(['legacy_district_id'], ['areas.id'], name=op.f('fk_areas_legacy_district_id_areas')),
    sa.ForeignKeyConstraint(['parent_id'], ['areas.id'], name=op.f('fk_areas_parent_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_areas_code'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_legacy_district_id'), ['legacy_district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_areas_parent_id'), ['parent_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_areas_boundary", "areas", ["boundary"], postgresql_using="gist")

    op.create_table('datasets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('approval_required', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_datasets_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_datasets')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_datasets_project_id_name'))
    )
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_datasets_project_id'), ['project_id'], unique=False)

    op.create_table('dataset_properties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_dataset_properties_dataset_id_datasets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_properties')),
    sa.UniqueConstraint('dataset_id', 'name', name=op.f('uq_dataset_properties_dataset_id_name'))
    )
    with op.batch_alter_table('dataset_properties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_properties_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('entities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('updater_id', sa.Integer(), nullable=True),
    sa.Column('user_agent', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_entities_version')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_entities_area_id_areas')),
    sa.ForeignKeyConstraint(['creator_id'], ['actors.id'], name=op.f('fk_entities_creator_id_actors')),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_entities_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['updater_id'], ['actors.id'], name=op.f('fk_entities_updater_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entities')),
    sa.UniqueConstraint('uuid', name=op.f('uq_entities_uuid'))
    )
    with op.batch_alter_table('entities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entities_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entities_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('field_key_areas',
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['field_keys.actor_id'], name=op.f('fk_field_key_areas_actor_id_field_keys')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_field_key_areas_area_id_areas')),
    sa.PrimaryKeyConstraint('actor_id', 'area_id', name=op.f('pk_field_key_areas'))
    )
    with op.batch_alter_table('field_key_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_key_areas_area_id'), ['area_id'], unique=False)



def downgrade():
    with op.batch_alter_table('field_key_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_key_areas_area_id'))

    op.drop_table('field_key_areas')
    with op.batch_alter_table('entities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entities_dataset_id'))
        batch_op.drop_index(batch_op.f('ix_entities_area_id'))

    op.drop_table('entities')
    with op.batch_alter_table('dataset_properties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_properties_dataset_id'))

    op.drop_table('dataset_properties')
    with op.batch_alter_table('datasets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_datasets_project_id'))

    op.drop_table('datasets')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_parent_id'))
        batch_op.drop_index(batch_op.f('ix_areas_legacy_district_id'))

    op.drop_table('areas')
