"""The reports' sums over project_investments read a covering index, project by project

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:40:00

The monthly report and the year's official figures sum each project's months of a period
(services/figures.py `investment_totals`). An index on (project_id, month, funds_in_place_wan,
fixed_asset_wan) answers that from the index alone, one range a project. The index on `month` alone goes:
nothing else reads the figures by month, and with it SQLite's planner read the year's rows through it and
sorted them for the grouping (the slow plan).
"""
from alembic import op


revision = '0019'
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_investments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_investments_month'))
        batch_op.create_index('ix_project_investments_sums',
                              ['project_id', 'month', 'funds_in_place_wan', 'fixed_asset_wan'], unique=False)


def downgrade():
    with op.batch_alter_table('project_investments', schema=None) as batch_op:
        batch_op.drop_index('ix_project_investments_sums')
        batch_op.create_index(batch_op.f('ix_project_investments_month'), ['month'], unique=False)
