"""`make bench`: the benchmarks of benchmarks/README.md on SQLite and PostgreSQL.

Each benchmark starts Roadshow under gunicorn (the README's production command) on a fresh database,
loads its data through the app's own services, drives it from this separate process (wrk, or a thread
pool for fixed-size bursts), checks correctness at the end, and prints its figures. Throughputs are
given as a ratio against the bare-Flask ceiling measured in the same run. Results are written as JSON
to benchmarks/results/. The bureau's big data sets (reports, door, reminders) are loaded with bulk inserts of
the rows the services write (benchmarks/seed.py).

    python -m benchmarks [--db sqlite,postgresql] [--only checkin,burst,big,feed,report,reports,door,reminders,door3g]
                         [--scale 1.0] [--profile DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import requests

from .harness import (
    ROOT,
    bench_env,
    bracketed_ceiling,
    ceiling,
    fresh_database,
    get_paths_script,
    get_script,
    gunicorn,
    peak_rss_kb,
    post_script,
    wrk,
    wrk_burst,
)

RESULTS = ROOT / "benchmarks" / "results"
SHANGHAI = timezone(timedelta(hours=8))


def app_for(url: str, instance: Path):
    os.environ["INSTANCE_PATH"] = str(instance)  # the same generated SECRET_KEY as the server: tickets verify
    from roadshow import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "MAIL_SERVER": None})


def token_for(app, role: str) -> str:
    from roadshow.extensions import db
    from roadshow.services import users

    with app.app_context():
        user = users.create_user(f"bench-{role}-{random.getrandbits(32)}@example.com", "bench-password", role)
        token, _ = users.issue_token(user, timedelta(hours=2))
        db.session.commit()
        return token


def open_event(app, capacity: int | None, title: str) -> int:
    from roadshow.extensions import db
    from roadshow.services import events

    with app.app_context():
        start = datetime(2027, 5, 18, 9, 0, tzinfo=SHANGHAI)
        ev = events.create_event(None, title=title, starts_at=start, ends_at=start + timedelta(hours=3),
                                 capacity=capacity, registration_mode="open", status="published",
                                 max_attendees_per_registration=10)  # register_many's parties of 10
        db.session.commit()
        return ev.id


def register_many(app, event_id: int, attendees: int, per_registration: int = 10) -> None:
    from roadshow.extensions import db
    from roadshow.services import registration

    with app.app_context():
        for r in range(0, attendees, per_registration):
            party = min(per_registration, attendees - r)
            registration.register(event_id=event_id, organisation={"name": f"压测企业{r // per_registration}有限公司",
                                                                   "kind": "enterprise"},
                                  attendees=[{"name": f"嘉宾{r + i}", "phone": f"139{r + i:08d}"}
                                             for i in range(party)],
                                  consent=True)
            db.session.commit()


def ratio(value: float, ceiling_rps: float) -> float:
    return round(value / ceiling_rps, 3) if ceiling_rps else 0.0


# --- 1. check-in ---------------------------------------------------------------------------------

def bench_checkin(kind: str, ceil: float, scale: float) -> dict:
    from sqlalchemy import func, select

    from roadshow.extensions import db
    from roadshow.models import Attendee, CheckIn, CheckInStatus, Registration

    tickets = int(3000 * scale)
    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        warm_event = open_event(app, None, "检票预热")
        register_many(app, warm_event, 200)
        event_id = open_event(app, None, "检票压测")
        register_many(app, event_id, tickets)
        token = token_for(app, "door")
        with app.app_context():
            warm_codes = list(db.session.scalars(select(Attendee.ticket_code).join(Registration)
                                                 .where(Registration.event_id == warm_event)))
            codes = list(db.session.scalars(select(Attendee.ticket_code).join(Registration)
                                            .where(Registration.event_id == event_id)))
        random.seed(7)
        random.shuffle(codes)
        # mostly first scans, every tenth a repeat of a guest already scanned
        scans = []
        for i, code in enumerate(codes):
            scans.append(code)
            if i and i % 10 == 0:
                scans.append(codes[random.randrange(i)])
        bodies = instance / "scans.jsonl"
        bodies.write_text("\n".join(json.dumps({"code": c, "device": f"door-{i % 8}"}) for i, c in enumerate(scans)))
        with bracketed_ceiling() as ceil_here, gunicorn("app:app", bench_env(url, instance)) as (base, _):
            _warm_up(f"{base}/api/v1/events/{warm_event}/checkins", token, warm_codes)
            # one wrk thread drives the 32 connections, so the scans go out once in file order
            result = wrk(f"{base}/api/v1/events/{event_id}/checkins", threads=1,
                         script=post_script(f"/api/v1/events/{event_id}/checkins", bodies_file=bodies, token=token))
        with app.app_context():
            here = CheckIn.event_id == event_id  # the warm-up's check-ins are another event's
            active = db.session.scalar(select(func.count()).select_from(CheckIn).where(
                here, CheckIn.status == CheckInStatus.active))
            scanned = db.session.scalar(select(func.count(func.distinct(CheckIn.attendee_id))).where(here))
            doubled = db.session.scalar(select(func.count()).select_from(
                select(CheckIn.attendee_id).where(here, CheckIn.status == CheckInStatus.active)
                .group_by(CheckIn.attendee_id).having(func.count() > 1).subquery()))
    return {"tickets": tickets, "scans": len(scans), "requests": result.requests, "rps": result.requests_per_s,
            "ceiling_beside": ceil_here, "ratio": ratio(result.requests_per_s, ceil_here["rps"]),
            "p50_ms": result.p50_ms, "p99_ms": result.p99_ms,
            "server_errors": result.server_errors, "active_checkins": active,
            "attendees_scanned": scanned, "every_scanned_attendee_checked_in_once": active == scanned and doubled == 0}


def _warm_up(url: str, token: str, codes: list[str]) -> None:
    """First and repeat scans of another event's tickets from 16 clients, so that every worker has
    configured its mappers and compiled its statements before the measured load (a server that has
    just started is not what the door meets; the warm-up's check-ins are not counted)."""
    def scan(code: str) -> None:
        requests.post(url, json={"code": code, "device": "warm-up"}, headers={"Authorization": f"Bearer {token}"},
                      timeout=60)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(scan, codes + codes[: len(codes) // 2]))


# --- 2. registration burst -----------------------------------------------------------------------

def bench_burst(kind: str, ceil: float, scale: float) -> dict:
    from sqlalchemy import select

    from roadshow.extensions import db
    from roadshow.models import Registration, RegistrationStatus

    seats, total = int(1000 * scale), int(2000 * scale)
    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        event_id = open_event(app, seats, "报名压测")
        bodies = [json.dumps({"event_id": event_id, "organisation": {"name": f"报名企业{i}", "kind": "enterprise"},
                              "attendees": [{"name": f"报名人{i}", "phone": f"137{i:08d}"}], "consent": True})
                  for i in range(total)]
        with bracketed_ceiling() as ceil_here, gunicorn("app:app", bench_env(url, instance)) as (base, _):
            # wrk, not Python threads: a client's CPU would count against the server on two cores
            burst = wrk_burst(f"{base}/api/v1/public/registrations", "/api/v1/public/registrations", bodies)
        with app.app_context():
            rows = db.session.execute(select(Registration.id, Registration.status).order_by(Registration.id)).all()
        confirmed = [i for i, s in rows if s is RegistrationStatus.confirmed]
        waitlisted = [i for i, s in rows if s is RegistrationStatus.waitlisted]
    rps = burst.answered / burst.seconds
    return {"registrations": total, "seats": seats, "rps": round(rps, 1), "ceiling_beside": ceil_here,
            "ratio": ratio(rps, ceil_here["rps"]), "answered": burst.answered, "in_database": len(rows),
            "p50_ms": burst.wrk.p50_ms, "p99_ms": burst.wrk.p99_ms,
            "server_errors": burst.wrk.server_errors, "socket_errors": burst.wrk.errors,
            "confirmed": len(confirmed), "waitlisted": len(waitlisted),
            "arrival_order_kept": bool(confirmed and waitlisted and max(confirmed) < min(waitlisted))}


# --- 3. big event ---------------------------------------------------------------------------------

BROWSER = "Mozilla/5.0 (roadshow-bench)"  # one User-Agent for the sign-in and wrk: sessions are "strong"


def _signed_in_headers(base: str, email: str, password: str, page: str, expect: str) -> dict[str, str]:
    """Cookie and User-Agent of a signed-in session, checked on `page`: it must answer 200 with `expect`
    in it (not the sign-in page a lost session would redirect to)."""
    import re

    s = requests.Session()
    s.headers["User-Agent"] = BROWSER
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', s.get(f"{base}/login").text).group(1)
    s.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token})
    r = s.get(f"{base}{page}", allow_redirects=False)
    assert r.status_code == 200 and expect in r.text, (r.status_code, r.headers.get("Location"))
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in s.cookies.items()), "User-Agent": BROWSER}


def bench_big(kind: str, ceil: float, scale: float, attendees: int) -> dict:
    from roadshow.extensions import db
    from roadshow.services import users

    attendees = int(attendees * scale)
    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        event_id = open_event(app, None, "万人大会")
        register_many(app, event_id, attendees)
        token = token_for(app, "organiser")
        with app.app_context():
            users.create_user("bench-console@example.com", "bench-password", "organiser")
            db.session.commit()
        auth = {"Authorization": f"Bearer {token}"}
        # One client at a time: the figure is what one organiser waits for a page, not a queue's length.
        with gunicorn("app:app", bench_env(url, instance), workers=1) as (base, proc):
            stats = wrk(f"{base}/api/v1/events/{event_id}/stats", duration=5, connections=1, threads=1,
                        script=get_script(f"/api/v1/events/{event_id}/stats", auth))
            first_page = wrk(f"{base}/api/v1/events/{event_id}/registrations", duration=5, connections=1, threads=1,
                             script=get_script(f"/api/v1/events/{event_id}/registrations?per_page=50", auth))
            list_path = f"/events/{event_id}/registrations/"
            signed_in = _signed_in_headers(base, "bench-console@example.com", "bench-password", list_path, "嘉宾")
            page = wrk(f"{base}{list_path}", duration=5, connections=1, threads=1,
                       script=get_script(list_path, signed_in))
            worker = int(subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                        text=True).stdout.split()[0])
            rss_before = peak_rss_kb(worker)
            times = []
            for _ in range(3):
                started = time.perf_counter()
                r = requests.get(f"{base}/api/v1/events/{event_id}/attendees.xlsx", headers=auth, timeout=300)
                times.append(time.perf_counter() - started)
                assert r.status_code == 200 and r.content[:2] == b"PK"
            rss_after = peak_rss_kb(worker)
    return {"attendees": attendees, "stats_p50_ms": stats.p50_ms, "stats_p99_ms": stats.p99_ms,
            "api_first_page_p50_ms": first_page.p50_ms, "api_first_page_p99_ms": first_page.p99_ms,
            "console_list_p50_ms": page.p50_ms, "console_list_p99_ms": page.p99_ms,
            "xlsx_s": round(statistics.median(times), 2), "worker_peak_rss_mb": round(rss_after / 1024, 1),
            "worker_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
            "server_errors": stats.server_errors + first_page.server_errors + page.server_errors,
            "non_2xx": stats.non_2xx + first_page.non_2xx + page.non_2xx}


# --- 4. calendar feed -----------------------------------------------------------------------------

def bench_feed(kind: str, ceil: float, scale: float, count: int) -> dict:
    from roadshow.extensions import db
    from roadshow.services import events

    count = max(int(count * scale), 1)
    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        with app.app_context():
            start = datetime(2027, 1, 5, 9, 0, tzinfo=SHANGHAI)
            for i in range(count):
                events.create_event(None, title=f"招商推介会第{i}场", starts_at=start + timedelta(days=i),
                                    ends_at=start + timedelta(days=i, hours=3), venue="田家庵区招商服务中心",
                                    description="面向长三角企业的专场推介。" * 5, status="published",
                                    industries=["新能源"])
            db.session.commit()
        with gunicorn("app:app", bench_env(url, instance)) as (base, _):
            etag = requests.get(f"{base}/calendar.ics").headers["ETag"]
            # one client at a time: the time a calendar app waits for the feed, not a queue's length
            full = wrk(f"{base}/calendar.ics", duration=5, connections=1, threads=1, script=get_script("/calendar.ics"))
            cached = wrk(f"{base}/calendar.ics", duration=5, connections=1, threads=1,
                         script=get_script("/calendar.ics", {"If-None-Match": etag.replace('"', '\\"')}))
    return {"events": count, "full_rps": full.requests_per_s, "full_ratio": ratio(full.requests_per_s, ceil),
            "full_p50_ms": full.p50_ms, "full_p99_ms": full.p99_ms,
            "not_modified_rps": cached.requests_per_s, "not_modified_ratio": ratio(cached.requests_per_s, ceil),
            "not_modified_p50_ms": cached.p50_ms, "not_modified_p99_ms": cached.p99_ms,
            "server_errors": full.server_errors + cached.server_errors}


# --- 5. pipeline report ---------------------------------------------------------------------------

def bench_report(kind: str, ceil: float, scale: float, count: int) -> dict:
    from roadshow.extensions import db
    from roadshow.services import pipeline

    count = max(int(count * scale), 1)
    industries = ["新一代信息技术", "新能源", "高端装备制造", "绿色食品", "新材料"]
    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        with app.app_context():
            from roadshow.models import Industry

            for i, name in enumerate(industries):
                if db.session.query(Industry).filter_by(name=name).first() is None:
                    db.session.add(Industry(name=name, position=i))
            db.session.commit()
            random.seed(11)
            for i in range(count):
                signed_at = datetime(2023, 1, 1, 10, tzinfo=SHANGHAI) + timedelta(days=random.randrange(700))
                project = pipeline.create_project(
                    {"name": f"项目{i}", "industry": industries[i % len(industries)],
                     "amount_wan": f"{random.randrange(100, 200000)}.{random.randrange(100):02d}",
                     "out_of_province": i % 3 == 0}, actor=None, stage="signed", stage_changed_at=signed_at)
                if i % 3 == 0:
                    pipeline.update_project(project, {}, actor=None, stage="started",
                                            stage_changed_at=signed_at + timedelta(days=40))
                if i % 50 == 0:
                    db.session.commit()
            db.session.commit()
            # Twelve months of figures a project (2023), so the year report's official figures sum 12× as many rows.
            from sqlalchemy import insert, select

            from roadshow.models import Project, ProjectInvestment

            ids = list(db.session.scalars(select(Project.id)))
            db.session.execute(insert(ProjectInvestment), [
                {"project_id": pid, "month": date(2023, month, 1),
                 "funds_in_place_wan": Decimal(random.randrange(10**6)) / 100,
                 "fixed_asset_wan": Decimal(random.randrange(10**6)) / 100} for pid in ids for month in range(1, 13)])
            db.session.commit()
        token = token_for(app, "viewer")
        with gunicorn("app:app", bench_env(url, instance)) as (base, _):
            report = wrk(f"{base}/api/v1/reports/pipeline", duration=5, connections=1, threads=1,
                         script=get_script("/api/v1/reports/pipeline?year=2023", {"Authorization": f"Bearer {token}"}))
    return {"projects": count, "rps": report.requests_per_s, "ratio": ratio(report.requests_per_s, ceil),
            "p50_ms": report.p50_ms, "p99_ms": report.p99_ms, "server_errors": report.server_errors}


# --- 6. the bureau's reports ----------------------------------------------------------------------

# The report paths timed at each size, one after the other.
REPORT_PATHS = ["/api/v1/reports/monthly?month=2023-12", "/api/v1/reports/summary?year=2023"]
# console pages, signed in, and what each must show (not the sign-in page): None, the first team's name
REPORT_PAGES = {"/reports/monthly?month=2023-12": None, "/reports/summary?year=2023": "2023年度招商工作综述"}


def bench_reports(kind: str, ceil: float, scale: float, count: int, paths: list[str] | None = None,
                  pages: dict[str, str | None] | None = None) -> dict:
    from sqlalchemy import text

    from roadshow.extensions import db
    from roadshow.services import users

    from . import seed

    count = max(int(count * scale), 20)
    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        began = time.perf_counter()
        with app.app_context():
            data = seed.pipeline(count)
            users.create_user("bench-reports@example.com", "bench-password", "viewer")
            db.session.commit()
            # The planner's statistics, as a database in use has them (autovacuum gathers them soon after a bulk load).
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        seed_s = round(time.perf_counter() - began, 1)
        token = token_for(app, "viewer")
        auth = {"Authorization": f"Bearer {token}"}
        timed = []
        with gunicorn("app:app", bench_env(url, instance)) as (base, _):
            # what the load must find: the month's report with the district's 2023 figures of the seed
            monthly = requests.get(f"{base}/api/v1/reports/monthly?month=2023-12", headers=auth, timeout=60).json()
            district = {m: monthly["district"][m]["year_to_date"] for m in data.expected}
            for path in paths or REPORT_PATHS:
                assert requests.get(f"{base}{path}", headers=auth, timeout=60).status_code == 200, path
                result = wrk(f"{base}{path.split('?')[0]}", duration=5, connections=1, threads=1,
                             script=get_script(path, auth))
                timed.append((path, result))
            for page, shows in (pages or REPORT_PAGES).items():
                signed_in = _signed_in_headers(base, "bench-reports@example.com", "bench-password", page,
                                               shows or data.team_names[0])
                timed.append((page, wrk(f"{base}{page.split('?')[0]}", duration=5, connections=1, threads=1,
                                        script=get_script(page, signed_in))))
    return {"projects": count, "seed_s": seed_s, "stalled": len(monthly["stalled"]),
            "district_as_seeded": district == data.expected,
            "paths": [{"path": p, "rps": r.requests_per_s, "ratio": ratio(r.requests_per_s, ceil), "p50_ms": r.p50_ms,
                       "p99_ms": r.p99_ms, "requests": r.requests, "server_errors": r.server_errors,
                       "non_2xx": r.non_2xx} for p, r in timed]}


# --- 7. the door's look-up ------------------------------------------------------------------------

def bench_door(kind: str, ceil: float, scale: float, attendees: int) -> dict:
    from urllib.parse import quote

    from . import seed

    attendees = max(int(attendees * scale), 50)
    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        event_id = open_event(app, None, "万人签约大会")
        with app.app_context():
            guests = seed.guests(event_id, attendees)
        token = token_for(app, "door")
        auth = {"Authorization": f"Bearer {token}"}
        rng = random.Random(3)
        sample = rng.sample(guests.attendees, 40)
        # what a door officer types: the first two characters of a name (surname and one more), the phone's
        # last four digits, or the guest's organisation (the look-up matches names: it finds nobody)
        queries = {"name_prefix": [p["name"][:2] for p in sample], "phone_tail": [p["phone"][-4:] for p in sample],
                   "organisation": [p["organisation"] for p in sample]}
        lookup = f"/api/v1/events/{event_id}/checkins/lookup"
        figures: dict = {"attendees": attendees}
        with gunicorn("app:app", bench_env(url, instance), workers=1) as (base, _):
            for name, texts in queries.items():
                found = [requests.get(f"{base}{lookup}", params={"q": q}, headers=auth, timeout=30) for q in texts[:5]]
                assert all(r.status_code == 200 for r in found), [r.text for r in found if r.status_code != 200]
                result = wrk(f"{base}{lookup}", duration=5, connections=1, threads=1,
                             script=get_paths_script([f"{lookup}?q={quote(q)}" for q in texts], auth))
                figures[name] = {"p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "rps": result.requests_per_s,
                                 "requests": result.requests, "server_errors": result.server_errors,
                                 "non_2xx": result.non_2xx,
                                 "found_mean": round(statistics.mean(len(r.json()["items"]) for r in found), 1)}
            # a phone tail finds its own guest
            tail = sample[0]
            items = requests.get(f"{base}{lookup}", params={"q": tail["phone"][-4:]}, headers=auth,
                                 timeout=30).json()["items"]
            figures["phone_tail_finds_the_guest"] = any(i["name"] == tail["name"] for i in items)
    return figures


# --- 8. reminders through the job queue -----------------------------------------------------------

REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")


def _clear_queue(broker, prefix: str) -> None:
    """Delete the run's keys: everything under its prefix (runs on both databases may share the Redis)."""
    keys = list(broker.scan_iter(match=f"{prefix}*"))
    if keys:
        broker.delete(*keys)


class _Inbox:
    """An aiosmtpd handler counting what arrives, by recipient, and when the last message came."""

    def __init__(self) -> None:
        import threading
        from collections import Counter

        self.to: Counter[str] = Counter()
        self.count = 0
        self.last = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            for address in envelope.rcpt_tos:
                self.to[address.lower()] += 1
            self.count += 1
            self.last = time.perf_counter()
        return "250 OK"


def bench_reminders(kind: str, ceil: float, scale: float, registrants: int) -> dict:
    """Registrants of one event (one guest each, with an address of their own) whose reminder falls due while
    a real `flask jobs worker` (Redis broker, its embedded beat) is running; mail goes to an SMTP server in this
    process. Timed from the moment the reminders fall due to the last one delivered."""
    import redis
    from aiosmtpd.controller import Controller
    from sqlalchemy import func, select, update

    from roadshow.extensions import db
    from roadshow.models import Event, MailStatus, OutboxMessage, Registration

    from . import seed
    from .harness import free_port, worker

    registrants = max(int(registrants * scale), 20)
    broker = redis.Redis.from_url(REDIS)
    prefix = f"roadshow-bench-{kind}-{os.getpid()}:"
    _clear_queue(broker, prefix)
    inbox = _Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with fresh_database(kind) as (url, instance):
            app = app_for(url, instance)
            event_id = open_event(app, None, "项目推介会")  # in 2027: no reminder is due yet
            with app.app_context():
                guests = seed.guests(event_id, registrants, per_registration=1, with_email=True,
                                     confirmed_at=datetime.now(UTC) - timedelta(days=2))
            sweep_every = os.environ.get("BENCH_SWEEP_SECONDS", "1")
            env = bench_env(url, instance, JOBS_BROKER_URL=REDIS, JOBS_KEY_PREFIX=prefix,
                            MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port),
                            JOBS_EVERY_SECONDS=sweep_every)
            with worker(env):
                with app.app_context():  # the reminders fall due now: the event starts in 24 hours
                    db.session.execute(update(Event).where(Event.id == event_id).values(
                        starts_at=datetime.now(UTC) + timedelta(hours=23, minutes=59), reminder_hours_before=24))
                    db.session.commit()
                began = time.perf_counter()
                swept = None
                # nothing arrives before the sweep's first batch of 50 commits, so only after it does does five
                # minutes without a new message mean that delivery has stopped
                seen, progressed, deadline = 0, time.monotonic(), time.monotonic() + 4 * 3600
                while inbox.count < registrants and time.monotonic() < deadline and (
                        swept is None or time.monotonic() - progressed < 300):
                    if swept is None:
                        with app.app_context():
                            if db.session.scalar(select(func.count()).select_from(Registration).where(
                                    Registration.reminded_at.is_not(None))):
                                swept = time.perf_counter()  # the sweep's first batch has committed
                            db.session.remove()
                    if swept is None or inbox.count > seen:
                        seen, progressed = inbox.count, time.monotonic()
                    time.sleep(0.2)
                last = inbox.last
                time.sleep(5)  # more sweeps of reminders and mail: nothing may go out again
            with app.app_context():
                reminded = db.session.scalar(select(func.count()).select_from(Registration).where(
                    Registration.reminded_at.is_not(None)))
                kinds = dict(db.session.execute(select(OutboxMessage.kind, func.count())
                                                .group_by(OutboxMessage.kind)).all())
                unsent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status != MailStatus.sent))
                db.session.remove()
    finally:
        smtp.stop()
        _clear_queue(broker, prefix)
    expected = {g["email"] for g in guests.attendees}
    total_s = (last - began) if inbox.count else float("nan")
    # the sweep (batches of 50) and the delivery overlap: one figure from due to the last delivery
    return {"registrants": registrants, "sweep_every_s": float(sweep_every),
            "first_batch_s": round((swept - began) if swept else float("nan"), 1), "total_s": round(total_s, 1),
            "reminders_per_s": round(registrants / total_s, 1) if inbox.count else 0.0,
            "delivered": inbox.count, "registrations_reminded": reminded, "outbox": kinds, "outbox_unsent": unsent,
            "each_registrant_exactly_once": set(inbox.to) == expected and all(n == 1 for n in inbox.to.values())
            and inbox.count == registrants}


# --- 9. the door on a phone network ---------------------------------------------------------------

def bench_door_3g(kind: str, ceil: float, scale: float) -> dict:
    """The door page on throttled 3G in chromium (benchmarks/door3g.py): cold and warm, to the first scan."""
    from sqlalchemy import select

    from roadshow.extensions import db
    from roadshow.models import Attendee, Registration
    from roadshow.services import users

    from .door3g import bench_door3g, signed_in_cookies

    with fresh_database(kind) as (url, instance):
        app = app_for(url, instance)
        event_id = open_event(app, None, "淮南牛肉汤产业项目路演会")
        register_many(app, event_id, 200, per_registration=5)  # 5: an event's default party size
        with app.app_context():
            users.create_user("bench-door@example.com", "bench-password", "door", name="签到员")
            db.session.commit()
            codes = list(db.session.scalars(select(Attendee.ticket_code).join(Registration)
                                            .where(Registration.event_id == event_id).order_by(Attendee.id)))
        with gunicorn("app:app", bench_env(url, instance)) as (base, _):
            cookies = signed_in_cookies(base, "bench-door@example.com", "bench-password")
            return bench_door3g(base, f"{base}/door/{event_id}", cookies, codes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--only", default="checkin,burst,big,feed,report,reports,door,reminders")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink every data set (quick runs)")
    parser.add_argument("--profile", metavar="DIR", type=Path,
                        help="sample the app servers with py-spy; folded stacks to DIR (read with benchmarks.profile)")
    args = parser.parse_args()
    if args.profile:
        from . import harness

        harness.PROFILE = args.profile.resolve()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    RESULTS.mkdir(exist_ok=True)
    for kind in args.db.split(","):
        only = args.only.split(",")
        ceil = ceiling(kind) if set(only) - {"door3g"} else None  # the door's figures are times, not ratios
        out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit, "database": kind,
               "ceiling_rps": ceil.requests_per_s if ceil else None, "ceiling_p99_ms": ceil.p99_ms if ceil else None,
               "scale": args.scale}
        rps0 = ceil.requests_per_s if ceil else 0.0
        steps = {
            "checkin": lambda kind=kind, rps=rps0: bench_checkin(kind, rps, args.scale),
            "burst": lambda kind=kind, rps=rps0: bench_burst(kind, rps, args.scale),
            "big": lambda kind=kind, rps=rps0: [bench_big(kind, rps, args.scale, n)
                                                               for n in (2000, 20000)],
            "feed": lambda kind=kind, rps=rps0: [bench_feed(kind, rps, args.scale, n)
                                                                for n in (50, 500)],
            "report": lambda kind=kind, rps=rps0: [bench_report(kind, rps, args.scale, n)
                                                                  for n in (1000, 10000)],
            "reports": lambda kind=kind, rps=rps0: [bench_reports(kind, rps, args.scale, n)
                                                                   for n in (1000, 10000)],
            "door": lambda kind=kind, rps=rps0: [bench_door(kind, rps, args.scale, n)
                                                                for n in (2000, 20000)],
            "reminders": lambda kind=kind, rps=rps0: [bench_reminders(kind, rps, args.scale, n)
                                                                     for n in (2000, 20000)],
            "door3g": lambda kind=kind, rps=rps0: bench_door_3g(kind, rps, args.scale),
        }
        for name in only:
            began = time.perf_counter()
            out[name] = steps[name]()
            print(f"[{kind}] {name} ({time.perf_counter() - began:.0f}s): {json.dumps(out[name], ensure_ascii=False)}",
                  flush=True)
        path = RESULTS / f"{out['date'][:10]}-{commit}-{kind}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=2))
        print(f"[{kind}] ceiling {rps0:.0f} req/s; written {path.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

