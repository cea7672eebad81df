"""What a registration reads under its event's lock is read through indexes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 18:10:00

Under the event's lock a registration checks that no other active registration of the event has one of
its phone numbers, counts the confirmed seats and looks for anyone waitlisted.

- attendees.phone is indexed: without it the phone check read every registration of the event and its
  attendees (on PostgreSQL 1.0 ms at 1,200 registrations, growing with them, while the lock is held).
- The unique index on (event_id, idempotency_key) holds keyed rows only (uniqueness is the same: rows
  without a key never collided). On a table without statistics yet (a new database) PostgreSQL's planner
  read an event's registrations through it, filtering by status, instead of through (event_id, status).
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = "0019"
branch_labels = None
depends_on = None

_KEYED = sa.text("idempotency_key IS NOT NULL")


def upgrade():
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendees_phone'), ['phone'], unique=False)
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_event_idempotency_key')
        batch_op.create_index('uq_registrations_event_idempotency_key', ['event_id', 'idempotency_key'],
                              unique=True, sqlite_where=_KEYED, postgresql_where=_KEYED)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_event_idempotency_key')
        batch_op.create_index('uq_registrations_event_idempotency_key', ['event_id', 'idempotency_key'],
                              unique=True)
    with op.batch_alter_table('attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendees_phone'))
