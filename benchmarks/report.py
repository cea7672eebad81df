"""Render benchmarks/results/*.json as the Markdown tables of benchmarks/README.md:
`python -m benchmarks.report [results files…]` (default: the newest full-scale file per database)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _fmt(value) -> str:
    return "—" if value is None else (f"{value:g}" if isinstance(value, (int, float)) else str(value))


def _beside(figures: dict) -> str:
    """The ceiling measured just before and after this scenario, when the run has it."""
    c = figures.get("ceiling_beside")
    return f" (ceiling beside it {c['rps']:.0f} req/s: {c['before']:.0f} before, {c['after']:.0f} after)" if c else ""


def render(run: dict) -> str:
    lines = [f"### {run['database']} — {run['date']}, commit {run['commit']}, ceiling {run['ceiling_rps']:.0f} req/s "
             f"(p99 {run['ceiling_p99_ms']:.0f} ms)", ""]
    if c := run.get("checkin"):
        lines += [f"- **check-in** ({c['tickets']} tickets, 32 connections, 10 s): {c['rps']:.0f} req/s = "
                  f"**{c['ratio']:.1%} of the ceiling**{_beside(c)}, p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms; "
                  f"5xx {c['server_errors']}; {c['attendees_scanned']} guests scanned, each checked in exactly once: "
                  f"{c['every_scanned_attendee_checked_in_once']}"]
    if b := run.get("burst"):
        lines += [f"- **registration burst** ({b['registrations']} into {b['seats']} seats, 32 clients): "
                  f"{b['rps']:.0f} registrations/s = **{b['ratio']:.1%}**{_beside(b)}, p50 {b['p50_ms']:.0f} ms, p99 {b['p99_ms']:.0f} ms; "
                  f"5xx {b['server_errors']}; confirmed {b['confirmed']}, waitlisted {b['waitlisted']}, "
                  f"arrival order kept: {b['arrival_order_kept']}"]
    if big := run.get("big"):
        lines += ["", "| attendees | stats p50 / p99 | API first page p50 / p99 | console list p50 / p99 | XLSX export | worker peak RSS |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r['attendees']:,} | {r['stats_p50_ms']:.0f} / {r['stats_p99_ms']:.0f} ms | "
                  f"{r['api_first_page_p50_ms']:.0f} / {r['api_first_page_p99_ms']:.0f} ms | "
                  f"{r['console_list_p50_ms']:.0f} / {r['console_list_p99_ms']:.0f} ms | {r['xlsx_s']:.2f} s | "
                  f"{r['worker_peak_rss_mb']:.0f} MB (+{r['worker_rss_growth_mb']:.0f}) |" for r in big]
    if feed := run.get("feed"):
        lines += ["", "| events in feed | full feed req/s (ratio) p50 / p99 | 304 path req/s (ratio) p50 / p99 |",
                  "|---|---|---|"]
        lines += [f"| {r['events']} | {r['full_rps']:.1f} ({r['full_ratio']:.1%}) {r['full_p50_ms']:.0f} / {r['full_p99_ms']:.0f} ms | "
                  f"{r['not_modified_rps']:.0f} ({r['not_modified_ratio']:.1%}) {_fmt(round(r['not_modified_p50_ms']))} / "
                  f"{_fmt(round(r['not_modified_p99_ms']))} ms |" for r in feed]
    if rep := run.get("report"):
        lines += ["", "| projects | year report req/s (ratio) | p50 / p99 |", "|---|---|---|"]
        lines += [f"| {r['projects']:,} | {r['rps']:.1f} ({r['ratio']:.1%}) | {r['p50_ms']:.0f} / {r['p99_ms']:.0f} ms |"
                  for r in rep]
    if reps := run.get("reports"):
        lines += ["", "| projects | report | req/s (ratio) | p50 / p99 | stalled listed |", "|---|---|---|---|---|"]
        lines += [f"| {r['projects']:,} | `{p['path']}` | {p['rps']:.1f} ({p['ratio']:.1%}) | {p['p50_ms']:.0f} / {p['p99_ms']:.0f} ms | {r['stalled']:,} |"
                  for r in reps for p in r["paths"]]
    if door := run.get("door"):
        lines += ["", "| attendees | name prefix p50 / p99 | phone tail p50 / p99 | organisation name p50 / p99 |", "|---|---|---|---|"]
        lines += [f"| {r['attendees']:,} | " + " | ".join(f"{r[q]['p50_ms']:.0f} / {r[q]['p99_ms']:.0f} ms"
                                                       for q in ("name_prefix", "phone_tail", "organisation")) + " |"
                  for r in door]
    if rem := run.get("reminders"):
        lines += ["", "| registrants | first batch queued | due → last delivered | reminders/s | each exactly once |",
                  "|---|---|---|---|---|"]
        lines += [f"| {r['registrants']:,} | {r['first_batch_s']:.1f} s | "
                  f"{r['total_s']:.1f} s | **{r['reminders_per_s']:.1f}** | {r['each_registrant_exactly_once']} |" for r in rem]
    return "\n".join(lines) + "\n"


def main(paths: list[str]) -> None:
    runs = [json.loads(Path(p).read_text()) for p in paths] if paths else []
    if not runs:
        newest: dict[str, dict] = {}
        for path in sorted(RESULTS.glob("*.json"), key=lambda p: p.stat().st_mtime):
            run = json.loads(path.read_text())
            if run.get("scale") == 1.0:
                newest[run["database"]] = run
        runs = list(newest.values())
    print("\n".join(render(r) for r in runs))


if __name__ == "__main__":
    main(sys.argv[1:])
