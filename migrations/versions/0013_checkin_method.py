"""check-ins' method: scan, lookup (by name or phone tail on the door page) or walk_in

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 06:28:39

Every check-in made before this revision came from a ticket's code: the server default `scan` fills them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.Enum('scan', 'lookup', 'walk_in', name='checkinmethod',
                                                        native_enum=False, length=10),
                                      server_default='scan', nullable=False))


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_column('method')
