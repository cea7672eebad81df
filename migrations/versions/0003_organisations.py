"""the district's default industry list (the nine industry teams plus modern services)

Revision ID: 0003_organisations
Revises: 0002
Create Date: 2026-11-25 06:00:00

Data only: a fresh installation offers the default list in the organisation and event forms.
Existing names are left alone, so running it on a database that already has them changes nothing.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_organisations'
down_revision = '0002'
branch_labels = None
depends_on = None

DEFAULT_INDUSTRIES = ["新一代信息技术", "新能源汽车及零部件", "数字创意和文化旅游", "高端装备制造", "智能家电",
                      "绿色食品", "生命健康", "新材料", "新能源", "现代服务业"]

industries = sa.table("industries", sa.column("id", sa.Integer), sa.column("name", sa.String(50)),
                      sa.column("position", sa.Integer))


def upgrade():
    conn = op.get_bind()
    present = set(conn.execute(sa.select(industries.c.name)).scalars())
    rows = [{"name": name, "position": position} for position, name in enumerate(DEFAULT_INDUSTRIES)
            if name not in present]
    if rows:
        op.bulk_insert(industries, rows)


def downgrade():
    op.execute(industries.delete().where(industries.c.name.in_(DEFAULT_INDUSTRIES)))
