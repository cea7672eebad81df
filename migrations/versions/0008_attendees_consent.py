"""attendees.consent_at, consent_version: the consent of an attendee added later on the manage page

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 06:41:19

Issue 14, item 5: a person added to a registration after it was made (or put in another's place) consents
on the manage page, as at registration; the time and the notice's version are kept on their row. Existing
attendees keep NULL: they came with their registration's consent (registrations.consent_at/_version).
"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


revision = '0008'
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', roadshow.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.drop_column('consent_version')
        batch_op.drop_column('consent_at')
