"""Issue 14, item 1: ids of check-ins and audit entries are never given twice (SQLite AUTOINCREMENT)."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from tests.conftest import IS_POSTGRES


@pytest.mark.parametrize("table", ["checkins", "audit_log"])
def test_migrated_tables_never_reuse_ids(app, table):
    from roadshow.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if IS_POSTGRES:
            # a sequence only moves forward
            default = conn.exec_driver_sql(
                "SELECT column_default FROM information_schema.columns "
                f"WHERE table_name = '{table}' AND column_name = 'id'").scalar()
            assert default and default.startswith("nextval(")
        else:
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                       (table,)).scalar()
            assert "AUTOINCREMENT" in sql.upper(), sql


def test_check_ins_are_never_deleted_by_a_cascade(app):
    from roadshow.extensions import db

    with app.app_context():
        keys = inspect(db.engine).get_foreign_keys("checkins")
        by_column = {key["constrained_columns"][0]: (key.get("options") or {}).get("ondelete")
                     for key in keys}
        assert by_column["attendee_id"] == "RESTRICT" and by_column["event_id"] == "RESTRICT"


def test_the_partial_unique_index_of_active_check_ins_survives_the_rebuild(app):
    from roadshow.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if IS_POSTGRES:
            sql = conn.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                       "'uq_checkins_active_attendee'").scalar()
        else:
            sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = "
                                       "'uq_checkins_active_attendee'").scalar()
        assert "WHERE" in sql.upper() and "active" in sql
