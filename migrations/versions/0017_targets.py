"""targets: a year's targets for the district and for each team (目标考核)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 07:26:08.560962

"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('signed_count', sa.Integer(), nullable=True),
    sa.Column('signed_amount_wan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('started_count', sa.Integer(), nullable=True),
    sa.Column('producing_count', sa.Integer(), nullable=True),
    sa.Column('out_of_province_over_100m_funds_wan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('industrial_fixed_asset_wan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('trips', sa.Integer(), nullable=True),
    sa.Column('receptions', sa.Integer(), nullable=True),
    sa.Column('companies_visited', sa.Integer(), nullable=True),
    sa.Column('updated_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_targets_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets')),
    sa.UniqueConstraint('year', 'team_id', name=op.f('uq_targets_year'))
    )
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index('uq_targets_district_year', ['year'], unique=True, sqlite_where=sa.text('team_id IS NULL'), postgresql_where=sa.text('team_id IS NULL'))



def downgrade():
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('uq_targets_district_year', sqlite_where=sa.text('team_id IS NULL'), postgresql_where=sa.text('team_id IS NULL'))

    op.drop_table('targets')
