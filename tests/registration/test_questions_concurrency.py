"""A question deleted or changed while registrations answer it: real server processes and threads, on
SQLite and PostgreSQL. Either the answer is stored and the change refused (409), or the change is made
and the answer refused (422) — never a 500, never an answer to a question that is gone."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Answer, Question, QuestionKind, Registration, RegistrationMode
from tests import factories
from tests.conftest import free_port, start_gunicorn, stop

URL = "/api/v1/public/registrations"


@pytest.fixture(scope="module")
def server(app):
    port = free_port()
    proc = start_gunicorn(port, workers=3, threads=4)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def _token(base: str, app, make_user) -> str:
    email = make_user("organiser")
    from tests.conftest import PASSWORD

    r = requests.post(f"{base}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=60)
    assert r.status_code == 201
    return r.json()["token"]


@pytest.mark.parametrize("change", ["delete", "kind"])
def test_a_question_changed_while_registrations_answer_it(server, app, app_ctx, make_user, change):
    headers = {"Authorization": f"Bearer {_token(server, app, make_user)}"}
    event = factories.event(registration_mode=RegistrationMode.open)
    question = Question(event_id=event.id, position=1, label="投资意向", kind=QuestionKind.choice,
                        options=["有明确投资意向", "了解情况"], required=True)
    db.session.add(question)
    db.session.commit()
    qid, event_id = question.id, event.id
    db.session.rollback()

    def register(i: int) -> requests.Response:
        body = {"event_id": event_id, "consent": True,
                "organisation": {"name": f"并发问答企业{i:02d}有限公司", "kind": "enterprise"},
                "attendees": [{"name": f"嘉宾{i:02d}", "phone": f"137{i:08d}"}],
                "answers": {str(qid): "了解情况"}}
        return requests.post(server + URL, json=body, timeout=120)

    def alter() -> requests.Response:
        if change == "delete":
            return requests.delete(f"{server}/api/v1/questions/{qid}", headers=headers, timeout=120)
        return requests.patch(f"{server}/api/v1/questions/{qid}", json={"kind": "text"}, headers=headers,
                              timeout=120)

    with ThreadPoolExecutor(max_workers=12) as pool:
        registering = [pool.submit(register, i) for i in range(6)]
        altering = pool.submit(alter)
        registering += [pool.submit(register, i) for i in range(6, 12)]
        registrations = [f.result() for f in registering]
        altered = altering.result()

    codes = Counter(r.status_code for r in registrations)
    assert set(codes) <= {201, 422}, codes
    db.session.rollback()
    stored = db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == qid))
    registered = db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == event_id))
    assert registered == codes[201]
    if altered.status_code == 409:  # some registration answered first: every later one answered too
        assert stored == codes[201] >= 1
        question = db.session.get(Question, qid)
        assert question is not None and question.kind is QuestionKind.choice
    else:
        assert altered.status_code == 200, altered.text
        if change == "delete":
            # answered by nobody before the deletion; later registrations were told the question is gone
            assert stored == 0 and codes[201] == 0
            assert db.session.get(Question, qid) is None
        else:
            # the kind changed before anyone answered; a choice among the old options is text now
            assert stored == codes[201]
            assert db.session.get(Question, qid).kind is QuestionKind.text
    for r in registrations:
        if r.status_code == 422:
            assert r.headers["Content-Type"].startswith("application/problem+json")
