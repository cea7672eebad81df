"""Scenario `door3g`: the door page on a phone on throttled 3G, from opening it to the first possible scan.

Chromium (Debian's, /usr/bin/chromium) in a phone viewport, its network emulated with CDP
`Network.emulateNetworkConditions` at DevTools' "Regular 3G" preset (100 ms latency added to every
response, 750 kbit/s down, 250 kbit/s up), applied to the page and to the door's service worker (which
fetches the page itself on a warm visit). Signed in as door staff through the sign-in form beforehand, in a
separate context, so the door visit starts with an empty HTTP cache and no service worker (cold).

"First possible scan" is the page's `door-ready` performance mark: door.js sets it, with
`#door[data-ready="1"]`, when the code input is enabled and its submit handler is attached (the typed-code
path, which works with or without a camera; the camera's scanner is loaded after it). Its `startTime` is
milliseconds since the navigation began. The first answer is ready + typing a code + the scan's round trip.

    python -m benchmarks --only door3g [--db sqlite]
"""
from __future__ import annotations

import json
import statistics
from typing import Any

import requests

# DevTools' "Regular 3G" (the issue's "throttled 3G"): bytes per second, milliseconds.
REGULAR_3G = {"offline": False, "latency": 100, "downloadThroughput": 750 * 1000 / 8,
              "uploadThroughput": 250 * 1000 / 8}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/156.0 Mobile Safari/537.36 roadshow-bench")
READY = """() => { const m = performance.getEntriesByName('door-ready')[0]; return m ? m.startTime : null; }"""
RESOURCES = """() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
  .map(e => ({url: e.name, type: e.initiatorType, transfer: e.transferSize, encoded: e.encodedBodySize,
              decoded: e.decodedBodySize, start: Math.round(e.startTime), end: Math.round(e.responseEnd)}))"""


def throttle(context, page, conditions: dict) -> None:
    """The network emulation on the page, and on every service worker of the context (present or to come):
    a page-level emulation does not cover the worker's own fetches."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", conditions)
    browser_cdp = context.browser.new_browser_cdp_session()

    def on_worker(_worker=None) -> None:
        for target in browser_cdp.send("Target.getTargets")["targetInfos"]:
            if target["type"] == "service_worker" and target["targetId"] not in throttled:
                session = browser_cdp.send("Target.attachToTarget", {"targetId": target["targetId"],
                                                                     "flatten": False})["sessionId"]
                for i, (method, params) in enumerate((("Network.enable", {}),
                                                      ("Network.emulateNetworkConditions", conditions))):
                    browser_cdp.send("Target.sendMessageToTarget", {
                        "sessionId": session, "message": json.dumps({"id": i + 1, "method": method,
                                                                     "params": params})})
                throttled.add(target["targetId"])

    throttled: set[str] = set()
    context.on("serviceworker", on_worker)
    on_worker()
    context._throttle_workers = on_worker  # called again before a warm visit, in case the event came late


def signed_in_cookies(base: str, email: str, password: str) -> list[dict[str, Any]]:
    """The session cookie of a door user, signed in through the form with the phone's User-Agent
    (sessions are "strong": bound to it)."""
    import re

    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', s.get(f"{base}/login").text)
    assert found, "no sign-in form"
    token = found.group(1)
    s.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token})
    return [{"name": c.name, "value": c.value, "url": base} for c in s.cookies]


def visit(page, url: str, code: str | None) -> dict:
    page.goto(url, wait_until="commit")
    page.wait_for_selector('#door[data-ready="1"]', timeout=60_000)
    ready = page.evaluate(READY)
    figures: dict[str, Any] = {"ready_ms": round(ready) if ready is not None else None}
    if code:
        page.fill("#manual-code", code)
        started = page.evaluate("() => performance.now()")
        page.click("#manual-submit")
        page.wait_for_selector("#result[data-result='ok']", timeout=60_000)
        figures["answer_ms"] = round(page.evaluate("() => performance.now()") - started)
    page.wait_for_load_state("load", timeout=60_000)
    figures["resources"] = page.evaluate(RESOURCES)
    return figures


def weight(resources: list[dict]) -> list[dict]:
    """What the page loaded before it was ready: path, bytes on the wire, bytes decoded."""
    rows = []
    for r in resources:
        path = "/" + r["url"].split("/", 3)[3]
        rows.append({"path": path, "type": r["type"], "transfer": r["transfer"], "decoded": r["decoded"],
                     "start_ms": r["start"], "end_ms": r["end"]})
    return rows


def run_once(browser, base: str, cookies: list[dict], door_url: str, codes: list[str]) -> dict:
    context = browser.new_context(user_agent=USER_AGENT, **PHONE)
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        throttle(context, page, REGULAR_3G)
        cold = visit(page, door_url, codes[0])
        # The service worker has cached the shell (and the guest list) when the page says so.
        page.wait_for_selector('#door[data-shell-cached="1"]', timeout=60_000)
        context._throttle_workers()
        warm = visit(page, door_url, codes[1])
        return {"cold": cold, "warm": warm}
    finally:
        context.close()


def bench_door3g(base: str, door_url: str, cookies: list[dict], codes: list[str], runs: int = 5) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            run_once(browser, base, cookies, door_url, codes[-2:])  # the server's first requests: not counted
            results = [run_once(browser, base, cookies, door_url, codes[2 * i: 2 * i + 2]) for i in range(runs)]
        finally:
            browser.close()

    def med(visit_name: str, key: str) -> float:
        return round(statistics.median(r[visit_name][key] for r in results))

    last = results[-1]
    return {"profile": "Regular 3G (100 ms, 750/250 kbit/s)", "runs": runs,
            "cold_ready_ms": med("cold", "ready_ms"), "cold_ready_max_ms": max(r["cold"]["ready_ms"] for r in results),
            "cold_answer_ms": med("cold", "answer_ms"),
            "warm_ready_ms": med("warm", "ready_ms"), "warm_ready_max_ms": max(r["warm"]["ready_ms"] for r in results),
            "warm_answer_ms": med("warm", "answer_ms"),
            "cold_ready_runs": [r["cold"]["ready_ms"] for r in results],
            "warm_ready_runs": [r["warm"]["ready_ms"] for r in results],
            "cold_weight": weight(last["cold"]["resources"]), "warm_weight": weight(last["warm"]["resources"])}
