"""`make bench`: the five benchmarks of benchmarks/README.md on SQLite and PostgreSQL.

Each benchmark starts Roadshow under gunicorn (the README's production command) on a fresh database,
loads its data through the app's own services, drives it from this separate process (wrk, or a thread
pool for fixed-size bursts), checks correctness at the end, and prints its figures. Throughputs are
given as a ratio against the bare-Flask ceiling measured in the same run. Results are written as JSON
to benchmarks/results/.

    python -m benchmarks [--db sqlite,postgresql] [--only checkin,burst,big,feed,report] [--scale 1.0]
                         [--profile DIR]
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
    get_script,
    gunicorn,
    peak_rss_kb,
    post_script,
    wrk,
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
        with bracketed_ceiling() as ceil_here, gunicorn("app:app", bench_env(url, instance)) as (base, _):
            session_local = __import__("threading").local()

            def one(i: int) -> tuple[int, float]:
                s = getattr(session_local, "s", None) or requests.Session()
                session_local.s = s
                body = {"event_id": event_id, "organisation": {"name": f"报名企业{i}", "kind": "enterprise"},
                        "attendees": [{"name": f"报名人{i}", "phone": f"137{i:08d}"}], "consent": True}
                started = time.perf_counter()
                r = s.post(f"{base}/api/v1/public/registrations", json=body, timeout=60)
                return r.status_code, (time.perf_counter() - started) * 1000

            began = time.perf_counter()
            with ThreadPoolExecutor(32) as pool:
                outcomes = list(pool.map(one, range(total)))
            wall = time.perf_counter() - began
        latencies = sorted(ms for _, ms in outcomes)
        with app.app_context():
            rows = db.session.execute(select(Registration.id, Registration.status).order_by(Registration.id)).all()
        confirmed = [i for i, s in rows if s is RegistrationStatus.confirmed]
        waitlisted = [i for i, s in rows if s is RegistrationStatus.waitlisted]
    rps = total / wall
    return {"registrations": total, "seats": seats, "rps": round(rps, 1), "ceiling_beside": ceil_here,
            "ratio": ratio(rps, ceil_here["rps"]),
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
            "server_errors": sum(1 for code, _ in outcomes if code >= 500),
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--only", default="checkin,burst,big,feed,report")
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
        ceil = ceiling(kind)
        out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit, "database": kind,
               "ceiling_rps": ceil.requests_per_s, "ceiling_p99_ms": ceil.p99_ms, "scale": args.scale}
        only = args.only.split(",")
        steps = {
            "checkin": lambda kind=kind, rps=ceil.requests_per_s: bench_checkin(kind, rps, args.scale),
            "burst": lambda kind=kind, rps=ceil.requests_per_s: bench_burst(kind, rps, args.scale),
            "big": lambda kind=kind, rps=ceil.requests_per_s: [bench_big(kind, rps, args.scale, n)
                                                               for n in (2000, 20000)],
            "feed": lambda kind=kind, rps=ceil.requests_per_s: [bench_feed(kind, rps, args.scale, n)
                                                                for n in (50, 500)],
            "report": lambda kind=kind, rps=ceil.requests_per_s: [bench_report(kind, rps, args.scale, n)
                                                                  for n in (1000, 10000)],
        }
        for name in only:
            began = time.perf_counter()
            out[name] = steps[name]()
            print(f"[{kind}] {name} ({time.perf_counter() - began:.0f}s): {json.dumps(out[name], ensure_ascii=False)}",
                  flush=True)
        path = RESULTS / f"{out['date'][:10]}-{commit}-{kind}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=2))
        print(f"[{kind}] ceiling {ceil.requests_per_s:.0f} req/s; written {path.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
