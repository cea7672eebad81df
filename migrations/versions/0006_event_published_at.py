"""events.published_at: when an event first became public

Revision ID: 0006
Revises: 0003_organisations
Create Date: 2026-11-26 09:00:00

A cancelled event is shown (its page, calendar file, the feed) only when it was once public; a draft that
is cancelled without ever being published stays private. Existing events: published ones were public since
they were created; a cancelled one counts as once public when the audit log shows it published (or created
published), or when anyone registered for it, so calendars that hold it still get the cancellation.
"""
from alembic import op
import sqlalchemy as sa

import roadshow.models.types


revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', roadshow.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE events SET published_at = created_at WHERE status = 'published'")
    op.execute(
        "UPDATE events SET published_at = created_at WHERE status = 'cancelled' AND ("
        " EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_type = 'event' AND a.entity_id = events.id"
        "         AND (a.action = 'event.publish'"
        "              OR (a.action = 'event.create' AND CAST(a.changes AS TEXT) LIKE '%\"status\": \"published\"%')))"
        " OR EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = events.id))")


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('published_at')
