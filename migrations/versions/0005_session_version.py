"""users.session_version: a counter in every session and remember-me cookie (issue 14, item 4)

Revision ID: 0005
Revises: 0003_organisations
Create Date: 2026-12-02 17:00:00

A password change, a role change and a deactivation raise it; a session or remember cookie that carries an
older value no longer signs anyone in. Existing users start at 0.
"""
from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
