"""`flask users ...`, `flask demo load`, `flask mail ...`, `flask data ...`.

Each command is one unit of work (roadshow/uow.py): committed when it ends, rolled back when it fails;
`mail send-pending` is a job of many (one per message, no transaction open while SMTP talks)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .jobs import JOBS
from .services.errors import DomainError
from .uow import unit_of_work

users_cli = AppGroup("users", help="Manage users.")
demo_cli = AppGroup("demo", help="Demo data.")
mail_cli = AppGroup("mail", help="The mail outbox.")
data_cli = AppGroup("data", help="Personal data (PIPL).")
privacy_cli = AppGroup("privacy", help="Personal data (PIPL): the scheduled purge of cancelled registrations.")


@users_cli.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", required=True, help="admin, organiser, door or viewer.")
@click.option("--name", default="", help="Display name.")
def create_user(email: str, password: str, role: str, name: str) -> None:
    """Create a user."""
    from .services.users import create_user as create

    try:
        with unit_of_work(write=True):
            user = create(email, password, role, name=name)
    except DomainError as exc:
        message = exc.detail
        errors = getattr(exc, "errors", None)
        if errors:
            message = " ".join(m for msgs in errors.values() for m in msgs)
        raise click.ClickException(message) from None
    click.echo(f"created {user.email} ({user.role.value})")


@users_cli.command("list")
def list_users() -> None:
    """List users."""
    from sqlalchemy import select

    from .models import User

    with unit_of_work(write=False):
        for user in db.session.scalars(select(User).order_by(User.id)):
            click.echo(f"{user.id}\t{user.email}\t{user.role.value}\t{'active' if user.active else 'disabled'}")


@demo_cli.command("load")
def load_demo() -> None:
    """Load the reference scenario (idempotent: a second run changes nothing)."""
    from .demo.scenario_2023 import load

    with unit_of_work(write=True):
        summary = load()
    click.echo(summary)


@mail_cli.command("send-pending")
def send_pending() -> None:
    """Deliver (or retry) every message waiting in the outbox."""
    from .services.mail import deliver_pending, pending_count

    sent, failed = deliver_pending(limit=10_000, retry_failed=True, until_done=True)
    with unit_of_work(write=False):
        waiting = pending_count()
    click.echo(f"sent {sent}, failed {failed}, still waiting {waiting}")
    if failed:
        raise SystemExit(1)


@data_cli.command("purge")
@click.option("--older-than", "older_than", type=click.IntRange(min=0), required=True, metavar="DAYS",
              help="Anonymise attendees of events that ended more than DAYS ago.")
def purge(older_than: int) -> None:
    """Anonymise the attendees of events that ended more than DAYS ago (names → placeholders,
    phones and emails removed; counts and check-in history kept)."""
    from .services.privacy import purge_ended_events

    with unit_of_work(write=True):
        erased = purge_ended_events(older_than)
    click.echo(f"anonymised {erased} attendees of events that ended more than {older_than} days ago")


jobs_cli = AppGroup("jobs", help="Background work (roadshow/jobs.py).")


@jobs_cli.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True,
              help="Jobs run at once (threads).")
@click.option("--beat/--no-beat", default=True, show_default=True,
              help="Also run the periodic sweep (Celery beat), embedded in this worker.")
@click.option("--loglevel", default="INFO", show_default=True)
def jobs_worker(concurrency: int, beat: bool, loglevel: str) -> None:
    """Run the job worker (with its scheduler) on JOBS_BROKER_URL."""
    from flask import current_app

    from . import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not jobs.broker_url(app):
        click.echo("JOBS_BROKER_URL is not set: jobs run inside the app's own processes, no worker is needed.",
                   err=True)
        raise SystemExit(1)
    jobs.run_worker(app, concurrency=concurrency, beat=beat, loglevel=loglevel)


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def jobs_run(name: str) -> None:
    """Run one job now, in this process."""
    from . import jobs

    click.echo(f"{name}: {jobs.run(name)}")


@privacy_cli.command("purge")
def privacy_purge() -> None:
    """Erase the attendees of registrations cancelled more than 24 hours ago (the privacy notice's
    promise). Idempotent; safe to run from several processes or a scheduler at once."""
    from .services.privacy import purge_due

    with unit_of_work(write=True):
        erased = purge_due()
    click.echo(f"erased {erased} attendees of cancelled registrations")


def register(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(jobs_cli)
