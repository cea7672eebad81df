"""Background work: one registry of jobs, run on Celery when `JOBS_BROKER_URL` is set, in-process otherwise.

A job is a function that does what is due and runs its own units of work (or is wrapped in one here). The
database is the durable record — the mail outbox, a registration's reminder claim — so a job never carries
data: it only says "do what is due now". That is why jobs are handed over after the commit (a service that
queued work calls `enqueue_after_commit`; the hook below calls `enqueue` once the outermost transaction has
committed) and why losing one costs nothing: the periodic sweep
(Celery beat, or the in-process ticker) runs every job of `JOBS` that has a period, finds the same work and
does it. Running a job twice at once is harmless too: each piece of work is claimed in the database first.

- `JOBS_BROKER_URL=redis://…`: `enqueue` publishes to Redis, shared by every app server; the worker and its
  embedded beat are one command, `flask --app app jobs worker` (README).
- unset: `enqueue` runs the job on a thread of this process (the mail deliverer), and a ticker thread started
  with the first request runs the periodic jobs, so `flask run` needs nothing more.

To add a periodic job, add one line to `JOBS`.
"""
from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    target: str  # "module:function", called in an app context without arguments
    every: float | None  # seconds between periodic runs; None: only when enqueued
    # True: the function only flushes (a service); the runner wraps it in one writing unit of work.
    # False: it runs its own units of work (the mail deliverer: one per message, no transaction over SMTP).
    in_unit_of_work: bool = False


# The one registry. Periodic jobs here run on beat in a worker and on the ticker in-process.
JOBS: dict[str, Job] = {
    "deliver_mail": Job("roadshow.services.mail:deliver_pending", every=30),
    "send_reminders": Job("roadshow.services.reminders:queue_due_reminders", every=60),  # its own units
    "purge_personal_data": Job("roadshow.services.privacy:purge_due", every=3600, in_unit_of_work=True),
    "deliver_sms": Job("roadshow.services.sms:deliver_pending", every=30),
}

TASK_NAME = "roadshow.run_job"


def _target(job: Job) -> Callable[[], Any]:
    module, _, name = job.target.partition(":")
    return getattr(importlib.import_module(module), name)


def run(name: str) -> Any:
    """Run one job now, in the current app context (the worker's task, the ticker, the tests)."""
    from .extensions import db
    from .uow import unit_of_work

    job = JOBS[name]
    function = _target(job)
    try:
        if job.in_unit_of_work:
            with unit_of_work(write=True):
                return function()
        return function()
    finally:
        db.session.remove()


def every(app: Flask, job: Job) -> float | None:
    """A job's period; `JOBS_EVERY_SECONDS` makes every periodic job run at least that often (tests)."""
    if job.every is None:
        return None
    override = app.config.get("JOBS_EVERY_SECONDS")
    return min(job.every, float(override)) if override else job.every


def broker_url(app: Flask) -> str | None:
    return app.config.get("JOBS_BROKER_URL") or None


# --- on Celery ----------------------------------------------------------------------------------------

def celery_for(app: Flask) -> Any:
    """This app's Celery (made once per app): its broker, key prefix, the task and the beat schedule."""
    existing = app.extensions.get("roadshow_celery")
    if existing is not None:
        return existing
    from celery import Celery, Task

    class AppTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    url = broker_url(app)
    queue = app.config.get("JOBS_QUEUE") or "roadshow"
    celery = Celery("roadshow", broker=url, task_cls=AppTask, set_as_current=False)
    transport: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 3}
    if app.config.get("JOBS_KEY_PREFIX"):
        transport["global_keyprefix"] = app.config["JOBS_KEY_PREFIX"]
    celery.conf.update(
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        task_default_queue=queue,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # A publish that fails (Redis down) fails at once: the request has committed and the sweep finds the work.
        task_publish_retry=False,
        worker_hijack_root_logger=False,
        worker_prefetch_multiplier=1,
        # Beat in memory: nothing to share between workers or keep across restarts (every job finds its own work).
        beat_scheduler="celery.beat:Scheduler",
        beat_max_loop_interval=max(0.5, min(every(app, j) or 60 for j in JOBS.values())),
        beat_schedule={
            name: {"task": TASK_NAME, "schedule": period, "args": (name,),
                   # A sweep that waited longer than its period is stale: the next one does its work.
                   "options": {"expires": max(period, 1.0)}}
            for name, job in JOBS.items() if (period := every(app, job)) is not None},
    )

    @celery.task(name=TASK_NAME)
    def run_job(name: str) -> None:
        run(name)

    app.extensions["roadshow_celery"] = celery
    return celery


def enqueue(name: str, app: Flask | None = None) -> None:
    """Hand a job over (call it after the commit). Never raises: when the broker cannot be reached the
    work stays in the database and the next sweep does it."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if name not in JOBS:
        raise KeyError(name)
    if broker_url(app):
        try:
            celery_for(app).send_task(TASK_NAME, args=(name,), queue=app.config.get("JOBS_QUEUE") or "roadshow")
        except Exception:
            log.exception("job %s not handed to the broker; the periodic sweep will do its work", name)
        return
    if name == "deliver_mail":
        from .services import mail

        mail.deliverer.kick(app)
        return
    if name == "deliver_sms":
        from .services import sms

        sms.deliverer.kick(app)
        return
    threading.Thread(target=_run_in_context, args=(app, name), name=f"job-{name}", daemon=True).start()


# session.info key: the jobs to hand over when the session's transaction has committed (a dict as an
# ordered set: mail before SMS when both were queued).
_AFTER_COMMIT = "roadshow_jobs_after_commit"


def enqueue_after_commit(session: Session, name: str) -> None:
    """Hand job `name` over once this session's outermost transaction has committed (the outbox rows it
    will send are then visible to it); nothing when it rolls back."""
    if name not in JOBS:
        raise KeyError(name)
    session.info.setdefault(_AFTER_COMMIT, {})[name] = True


@sa_event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a savepoint (``atomic()``) is released:
    # keep the jobs until the outermost transaction has committed.
    if session.in_nested_transaction():
        return
    names = session.info.pop(_AFTER_COMMIT, None)
    if not names:
        return
    try:
        # current_app is a werkzeug LocalProxy, which Flask annotates as Flask.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    if app.config.get("MAIL_DELIVERY", "thread") == "thread":  # "off": this process hands nothing over
        for name in names:
            enqueue(name, app)  # the worker's queue, or this process's delivery thread


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def _run_in_context(app: Flask, name: str) -> None:
    with app.app_context():
        try:
            run(name)
        except Exception:
            log.exception("job %s failed", name)


# --- in-process: an outbox's delivery thread -----------------------------------------------------------

class Deliverer:
    """Without a broker: one delivery thread per process for an outbox (mail, SMS); a commit while it runs
    asks it to go round once more, and a run with failures goes round again after MAIL_RETRY_SECONDS.

    `deliver` sends what is due and returns (sent, failed); it runs its own units of work."""

    def __init__(self, name: str, deliver: Callable[[], tuple[int, int]], logger: logging.Logger) -> None:
        self._name = name  # the thread's name, e.g. "mail-outbox"
        self._deliver = deliver
        self._log = logger
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._timer: threading.Timer | None = None

    def kick(self, app: Flask) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._thread = threading.Thread(target=self._run, args=(app,), name=self._name, daemon=True)
            self._thread.start()

    def _run(self, app: Flask) -> None:
        from .extensions import db

        while True:
            failed = 0
            with app.app_context():
                try:
                    _, failed = self._deliver()
                except Exception:
                    self._log.exception("%s delivery run failed", self._name.partition("-")[0])
                finally:
                    db.session.remove()
            with self._lock:
                if not self._again:
                    if failed:
                        self._schedule_retry(app)
                    return
                self._again = False

    def _schedule_retry(self, app: Flask) -> None:
        if self._timer is not None and self._timer.is_alive():
            return
        self._timer = threading.Timer(app.config.get("MAIL_RETRY_SECONDS", 30), self._retry, args=(app,))
        self._timer.daemon = True
        self._timer.start()

    def _retry(self, app: Flask) -> None:
        if app.config.get("MAIL_DELIVERY", "thread") == "thread":  # "off": this process hands nothing over
            self.kick(app)

    def wait(self, timeout: float = 10) -> None:
        """For tests and the CLI: wait until the current delivery run has finished."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)


# --- in-process: the ticker ---------------------------------------------------------------------------

class _Ticker:
    """Without a broker: one thread per process that runs each periodic job when its period has passed.
    Several processes (gunicorn workers) each run one; the claims in the database keep the work single."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, app: Flask) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._loop, args=(app,), name="jobs-ticker", daemon=True)
            self._thread.start()

    def _loop(self, app: Flask) -> None:
        last: dict[str, float] = {}
        while True:
            now = time.monotonic()
            periods = {name: every(app, job) for name, job in JOBS.items()}
            for name, period in periods.items():
                if period is not None and now - last.get(name, -period) >= period:
                    last[name] = now
                    if name == "deliver_mail":
                        enqueue(name, app)  # the deliverer's own thread, shared with the after-commit kick
                    else:
                        _run_in_context(app, name)
            time.sleep(max(0.2, min((p for p in periods.values() if p is not None), default=30) / 4))


ticker = _Ticker()


def init_app(app: Flask) -> None:
    """In-process mode starts the ticker with the first request (not in CLI commands, nor in tests unless
    `JOBS_TICKER` is on)."""
    if broker_url(app):
        return
    enabled = app.config.get("JOBS_TICKER")
    if enabled is None:
        enabled = not app.config.get("TESTING")
    if not enabled:
        return

    @app.before_request
    def _start_ticker() -> None:
        ticker.start(app)


def run_worker(app: Flask, *, concurrency: int, beat: bool = True, loglevel: str = "INFO") -> None:
    """The worker of `flask jobs worker`: threads in one process, with beat embedded (a thread)."""
    celery = celery_for(app)
    worker = celery.Worker(pool="threads", concurrency=concurrency, beat=False, loglevel=loglevel,
                           queues=[app.config.get("JOBS_QUEUE") or "roadshow"], without_gossip=True,
                           without_mingle=True, hostname=f"roadshow-{os.getpid()}@%h")
    service = None
    if beat:
        from celery.beat import EmbeddedService, Scheduler

        # A thread, not a forked process: killing the worker kills its beat, and one PID is one worker. The
        # in-memory Scheduler (EmbeddedService ignores `beat_scheduler` and would write celerybeat-schedule.*
        # into the working directory).
        service = EmbeddedService(celery, thread=True, scheduler_cls=Scheduler)
        service.start()
    try:
        worker.start()
    finally:
        if service is not None:
            service.stop()
