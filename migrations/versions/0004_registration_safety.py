"""check-ins kept (RESTRICT) and ids never reused (SQLite AUTOINCREMENT on check-ins and the audit log);
the events' maximum of attendees per registration; registrations' idempotency keys

Revision ID: 0004
Revises: 0003_organisations
Create Date: 2026-12-02 17:00:00

On SQLite the check-ins and audit-log tables are rebuilt (batch mode) to get AUTOINCREMENT; the
check-ins' partial unique index is dropped before and made again after, so its WHERE is kept. On
PostgreSQL ids come from sequences that never go back: only the foreign keys change there.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003_organisations'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def _checkins(ondelete: str, autoincrement: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index('uq_checkins_active_attendee', table_name='checkins', sqlite_where=ACTIVE)
    with op.batch_alter_table('checkins', recreate='always' if sqlite else 'auto',
                              table_kwargs={'sqlite_autoincrement': autoincrement}) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkins_attendee_id_attendees'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_checkins_event_id_events'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_checkins_attendee_id_attendees'), 'attendees',
                                    ['attendee_id'], ['id'], ondelete=ondelete)
        batch_op.create_foreign_key(batch_op.f('fk_checkins_event_id_events'), 'events',
                                    ['event_id'], ['id'], ondelete=ondelete)
    if sqlite:
        op.create_index('uq_checkins_active_attendee', 'checkins', ['attendee_id'], unique=True,
                        sqlite_where=ACTIVE)
        with op.batch_alter_table('audit_log', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_attendees_per_registration', sa.Integer(), server_default='5',
                                      nullable=False))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('idempotency_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_registrations_event_idempotency_key', ['event_id', 'idempotency_key'],
                              unique=True)
    _checkins('RESTRICT', True)


def downgrade():
    _checkins('CASCADE', False)
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_event_idempotency_key')
        batch_op.drop_column('idempotency_hash')
        batch_op.drop_column('idempotency_key')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('max_attendees_per_registration')
