"""`flask db upgrade` on an empty database yields exactly the models' schema."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import DATABASE_URL, IS_POSTGRES, TEST_TMP


@pytest.fixture
def empty_database_url():
    if not IS_POSTGRES:
        path = TEST_TMP / f"migrations-{uuid.uuid4().hex}.db"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    name = f"roadshow_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_on_empty_database_matches_models(empty_database_url):
    from flask_migrate import downgrade, upgrade

    from roadshow import create_app
    from roadshow.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"migrations and models differ: {diff}"
        # and the way back works, so a bad release can be rolled back
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    from roadshow.extensions import db

    if IS_POSTGRES:
        pytest.skip("SQLite pragmas")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upgrade_leaves_the_apps_loggers_working(empty_database_url):
    """Alembic's logging set-up (migrations/env.py) used to disable every logger that existed before it, so a
    process that migrated in-process (tests, `flask db upgrade` before serving) logged nothing of its own."""
    import logging

    from flask_migrate import upgrade

    from roadshow import create_app
    from roadshow.extensions import db

    logger = logging.getLogger("roadshow.services.mail")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert not logger.disabled
    assert not logging.getLogger("roadshow").disabled
