"""The unit of work (roadshow/uow.py): who begins, commits and rolls back, and how a writer declares itself."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Organisation, OrgKind
from roadshow.services.errors import Conflict
from roadshow.uow import UndeclaredWrite, atomic, unit_of_work
from tests.conftest import DATABASE_URL, IS_POSTGRES


def _count(name: str) -> int:
    return db.session.scalar(select(func.count(Organisation.id)).where(Organisation.name == name)) or 0


def _new(name: str) -> None:
    db.session.add(Organisation(name=name, kind=OrgKind.enterprise))
    db.session.flush()


def test_a_reading_unit_of_work_that_writes_is_refused(app):
    with app.app_context():
        with pytest.raises(UndeclaredWrite), unit_of_work(write=False):
            _new("只读事务里的企业")
        with unit_of_work(write=False):
            assert _count("只读事务里的企业") == 0


def test_commit_once_at_the_end_and_roll_back_on_error(app):
    with app.app_context():
        with unit_of_work():
            _new("提交的企业")
        with pytest.raises(RuntimeError), unit_of_work():
            _new("回滚的企业")
            raise RuntimeError("after the flush")
        with unit_of_work(write=False):
            assert (_count("提交的企业"), _count("回滚的企业")) == (1, 0)


def test_atomic_undoes_only_its_own_step(app):
    with app.app_context():
        with unit_of_work():
            _new("保留的企业")
            with pytest.raises(Conflict), atomic():
                _new("撤销的企业")
                raise Conflict("a domain error the view turns into a message")
        with unit_of_work(write=False):
            assert (_count("保留的企业"), _count("撤销的企业")) == (1, 0)


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's write lock")
def test_a_writer_takes_sqlites_write_lock_before_its_first_statement(app):
    """BEGIN IMMEDIATE at the start of a writing unit of work: another writer cannot slip in between its
    read and its write (the cause of 500 "database is locked"); a reading one takes no lock at all."""
    path = DATABASE_URL.removeprefix("sqlite:///")

    def other_writer_gets_in() -> bool:
        conn = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            conn.close()

    with app.app_context():
        with unit_of_work(write=False):
            db.session.scalar(select(func.count(Organisation.id)))
            assert other_writer_gets_in()
        with unit_of_work():
            assert not other_writer_gets_in()  # before any statement of ours
            db.session.scalar(select(func.count(Organisation.id)))
            assert not other_writer_gets_in()
        assert other_writer_gets_in()  # released with the commit


@pytest.fixture
def probe_app(app):
    """A second app on the test database with views that write and then fail in each way."""
    from flask import abort

    from roadshow import create_app
    from roadshow.uow import writes

    probe = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})

    @probe.post("/probe/<name>/<int:status>")
    def write_then_answer(name: str, status: int):
        _new(name)
        return "", status

    @probe.post("/probe/<name>/raise")
    def write_then_raise(name: str):
        _new(name)
        abort(409)

    @probe.get("/probe/<name>/get")
    def get_that_writes(name: str):
        _new(name)
        return "", 200

    @probe.get("/probe/<name>/declared")
    @writes
    def declared_get(name: str):
        _new(name)
        return "", 200

    return probe


def test_the_answer_decides_commit_or_rollback(probe_app):
    client = probe_app.test_client()
    assert client.post("/probe/答复201的企业/201").status_code == 201
    assert client.post("/probe/答复302的企业/302").status_code == 302
    assert client.post("/probe/答复422的企业/422").status_code == 422
    assert client.post("/probe/答复500的企业/500").status_code == 500
    assert client.post("/probe/抛出409的企业/raise").status_code == 409
    assert client.get("/probe/未声明的GET企业/get").status_code == 500  # UndeclaredWrite, logged
    assert client.get("/probe/声明过的GET企业/declared").status_code == 200
    with probe_app.app_context(), unit_of_work(write=False):
        kept = {n: _count(n) for n in ("答复201的企业", "答复302的企业", "答复422的企业", "答复500的企业",
                                       "抛出409的企业", "未声明的GET企业", "声明过的GET企业")}
    assert kept == {"答复201的企业": 1, "答复302的企业": 1, "答复422的企业": 0, "答复500的企业": 0,
                    "抛出409的企业": 0, "未声明的GET企业": 0, "声明过的GET企业": 1}
