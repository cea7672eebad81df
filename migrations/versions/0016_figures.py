"""investment figures: projects' origin and industrial flag, and each project's monthly figures

Existing projects marked out of province get origin out_of_province; the others' origin stays unknown (NULL)
until someone enters it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 06:25:57.927747

"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_investments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('funds_in_place_wan', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('fixed_asset_wan', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('updated_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_investments_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_investments')),
    sa.UniqueConstraint('project_id', 'month', name=op.f('uq_project_investments_project_id'))
    )
    with op.batch_alter_table('project_investments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_investments_month'), ['month'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.Enum('local', 'in_province', 'out_of_province', 'foreign', name='origin', native_enum=False, length=20), nullable=True))
        batch_op.add_column(sa.Column('industrial', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE projects SET origin = 'out_of_province' WHERE out_of_province")



def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('industrial')
        batch_op.drop_column('origin')

    with op.batch_alter_table('project_investments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_investments_month'))

    op.drop_table('project_investments')
