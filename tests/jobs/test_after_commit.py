"""`jobs.enqueue_after_commit`: the one after-commit hook of the outboxes (mail.queue, sms.queue) hands each
job over once, after the outermost commit; a released savepoint hands nothing over yet, a rollback nothing."""
from __future__ import annotations

import pytest

from roadshow import jobs
from roadshow.extensions import db
from roadshow.services import mail, sms
from roadshow.uow import atomic, unit_of_work


@pytest.fixture
def handed(app, monkeypatch) -> list[str]:
    names: list[str] = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, app=None: names.append(name))
    return names


def test_mail_and_sms_are_handed_over_once_after_the_outermost_commit(app, handed):
    with app.app_context():
        with unit_of_work(write=True):
            with atomic():
                mail.queue("a@example.com", "主题 / Subject", "text", kind="test")
            assert handed == []  # the savepoint was released: nothing is committed yet
            sms.queue("13955661234", "短信", kind="test")
            mail.queue("b@example.com", "主题 / Subject", "text", kind="test")
            assert handed == []
        assert handed == ["deliver_mail", "deliver_sms"]
        with unit_of_work(write=True):
            pass
        assert handed == ["deliver_mail", "deliver_sms"]  # a later commit hands nothing over again


def test_a_rolled_back_unit_of_work_hands_nothing_over(app, handed):
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work(write=True):
            sms.queue("13955661234", "短信", kind="test")
            raise RuntimeError
        with unit_of_work(write=True):
            pass
        assert handed == []
        assert db.session.info.get("roadshow_jobs_after_commit") is None


def test_delivery_off_hands_nothing_over(app, handed, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "off")
    with app.app_context(), unit_of_work(write=True):
        mail.queue("a@example.com", "主题 / Subject", "text", kind="test")
    assert handed == []


def test_an_unknown_job_is_refused_at_once(app):
    with app.app_context(), pytest.raises(KeyError):
        jobs.enqueue_after_commit(db.session(), "no_such_job")
