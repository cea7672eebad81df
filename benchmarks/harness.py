"""Start servers on fresh databases and drive them with wrk from a separate process."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PG_SERVER = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PROFILE: Path | None = None  # set by --profile DIR: py-spy samples every app server the benchmarks start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fresh_database(kind: str):
    """A migrated, empty database: ('sqlite' | 'postgresql') → (url, instance_path)."""
    tmp = Path(tempfile.mkdtemp(prefix=f"roadshow-bench-{kind}-"))
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        drop = None
    else:
        name = f"roadshow_bench_{uuid.uuid4().hex[:10]}"
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                        f"CREATE DATABASE {name}"], check=True)
        url = f"{PG_SERVER}/{name}"

        def drop():
            subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
    env = bench_env(url, tmp)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    try:
        yield url, tmp
    finally:
        if drop:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)  # the SQLite databases and instance files of every run


def bench_env(url: str, instance: Path, **extra) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=url, INSTANCE_PATH=str(instance), RATELIMIT_ENABLED="false", PYTHONUNBUFFERED="1")
    env.pop("MAIL_SERVER", None)
    env.update(extra)
    return env


@contextmanager
def gunicorn(app_spec: str, env: dict, workers: int = WORKERS, threads: int = THREADS):
    """The README's production command: gunicorn -w N --threads M app:app."""
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix="roadshow-bench-ready-"))
    env = {"PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **env,  # production refuses to start without it
           "BENCH_READY_DIR": str(ready)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "-c", str(ROOT / "benchmarks" / "gunicorn_ready.py"), app_spec],
                            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine takes its time to start four workers
    try:
        # every worker has loaded the app (benchmarks/gunicorn_ready.py), and the server answers
        while len(list(ready.iterdir())) < workers:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{app_spec} did not start")
            time.sleep(0.1)
        while True:
            try:
                requests.get(base + "/", timeout=5)
                break
            except requests.RequestException as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{app_spec} did not start") from exc
                time.sleep(0.2)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)  # never leave a server behind (its ticker outlives the database)
        raise
    finally:
        shutil.rmtree(ready, ignore_errors=True)
    spy = _start_profiler(proc.pid) if PROFILE and app_spec == "app:app" else None
    try:
        yield base, proc
    finally:
        if spy:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def worker(env: dict):
    """The README's job worker, `flask --app app jobs worker` (Celery on JOBS_BROKER_URL, its beat embedded),
    until the block ends."""
    env = {"PUBLIC_BASE_URL": "http://127.0.0.1:5000", **env}
    log_path = Path(tempfile.mkstemp(prefix="roadshow-bench-worker-", suffix=".log")[1])
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"], cwd=ROOT, env=env,
                                start_new_session=True, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while b" ready." not in log_path.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise RuntimeError(f"the job worker did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.2)
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _start_profiler(master_pid: int) -> subprocess.Popen:
    """py-spy on gunicorn's master and its workers, folded stacks into PROFILE/<n>.txt (until SIGINT)."""
    PROFILE.mkdir(parents=True, exist_ok=True)
    out = PROFILE / f"{len(list(PROFILE.glob('*.txt'))) + 1:02d}.txt"
    idle = ["--idle"] if os.environ.get("BENCH_PROFILE_IDLE", "1") == "1" else []  # 0: CPU time only
    spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--nonblocking",
                            *idle, "--rate", "200", "--format", "raw", "--output", str(out), "--pid", str(master_pid)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # let it attach before the load starts
    return spy


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int
    server_errors: int
    raw: str = field(repr=False, default="")


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNIT[m.group(2)]


def wrk(url: str, *, script: str | None = None, connections: int = 32, duration: int = 10, threads: int = 2,
        env: dict | None = None) -> WrkResult:
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, env={**os.environ, **(env or {})},
                         check=True).stdout
    return _wrk_result(out)


def _wrk_result(out: str) -> WrkResult:
    """wrk's printed summary (`--latency`, with COUNT_5XX's line) as figures."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # percentiles at the start of a line: a "+/- Stdev" column like 87.50% must not be taken for one
    if not re.search(r"^\s+50%\s+\S+", out, re.M):  # no latency table: wrk completed no request
        (Path(tempfile.gettempdir()) / "wrk-failed.txt").write_text(out)
        return WrkResult(rps, float("nan"), float("nan"), 0, 0, 0, 0, out)
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errs = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    fivexx = int(m.group(1)) if (m := re.search(r"5xx: (\d+)", out)) else 0
    return WrkResult(rps, p50, p99, total, non2xx, errs, fivexx, out)


COUNT_5XX = """
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) fivexx = 0 end
response = function(status, headers, body) if status >= 500 then fivexx = fivexx + 1 end end
done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("fivexx") end
  io.write(string.format("5xx: %d\\n", total))
end
"""


def get_script(path: str, headers: dict[str, str] | None = None) -> str:
    """A wrk Lua script GETting `path` with headers, counting 5xx answers."""
    lua = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in (headers or {}).items())
    lua += f'request = function() return wrk.format("GET", "{path}") end\n' + COUNT_5XX
    fd, name = tempfile.mkstemp(suffix=".lua")
    with os.fdopen(fd, "w") as fh:
        fh.write(lua)
    return name


def get_paths_script(paths: list[str], headers: dict[str, str] | None = None) -> str:
    """A wrk Lua script GETting each of `paths` in turn (already URL-encoded), counting 5xx answers."""
    lua = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in (headers or {}).items())
    lua += "local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\nlocal i = 0\n"
    lua += 'request = function()\n  i = i + 1\n  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n' + COUNT_5XX
    fd, name = tempfile.mkstemp(suffix=".lua")
    with os.fdopen(fd, "w") as fh:
        fh.write(lua)
    return name


def post_script(path: str, bodies_file: Path | None = None, body: str | None = None, token: str | None = None) -> str:
    """A wrk Lua script POSTing JSON to `path`: one fixed body, or cycling through the lines of a file."""
    headers = 'wrk.headers["Content-Type"] = "application/json"\n'
    if token:
        headers += f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    if bodies_file:
        lua = f"""
wrk.method = "POST"
{headers}
local bodies = {{}}
for line in io.lines("{bodies_file}") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, "{path}", nil, bodies[(i % #bodies) + 1])
end
"""
    else:
        lua = f'wrk.method = "POST"\n{headers}wrk.body = {json.dumps(body or "{}")}\nwrk.path = "{path}"\n'
        lua += f'request = function() return wrk.format(nil, "{path}") end\n'
    lua += COUNT_5XX
    fd, name = tempfile.mkstemp(suffix=".lua")
    with os.fdopen(fd, "w") as fh:
        fh.write(lua)
    return name


# A fixed number of POSTs with distinct bodies (the registration burst): wrk thread `tid` of `threads` sends
# the bodies tid+1, tid+1+threads, … and stops once its `quota` are answered, writing that count to a tally
# file; the harness stops wrk once every thread has written its own. A connection with no body left waits
# (`delay`) rather than send anything more, so nothing but the bodies reaches the app.
BURST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local threads, next_tid = {}, 0
setup = function(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end
init = function(args)
  fivexx, answered = 0, 0
  -- wrk calls the first thread's request() once before the run (to see whether it pipelines): not a send
  sent = tid == 0 and -1 or 0
end
request = function()
  local i = tid + 1 + sent * %(threads)d
  sent = sent + 1
  return wrk.format(nil, "%(path)s", nil, bodies[i] or "{}")
end
delay = function()
  if sent >= %(quota)d then return 60000 end
  return 0
end
response = function(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 end
  answered = answered + 1
  if answered == %(quota)d then
    local f = io.open("%(tally)s/" .. tid, "w")
    f:write(answered)
    f:close()
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("fivexx") end
  io.write(string.format("5xx: %%d\\n", total))
end
"""


@dataclass
class BurstResult:
    wrk: WrkResult
    answered: int  # by the time every thread had its quota
    seconds: float  # from the start to the last thread's quota


def wrk_burst(url: str, path: str, bodies: list[str], *, connections: int = 32, threads: int = 2,
              timeout: float = 600) -> BurstResult:
    """POST each of `bodies` once, `connections` at a time from wrk (see BURST_LUA)."""
    quota = len(bodies) // threads
    assert quota * threads == len(bodies), "the bodies must share out evenly between wrk's threads"
    work = Path(tempfile.mkdtemp(prefix="burst-"))
    (work / "bodies.jsonl").write_text("\n".join(bodies) + "\n")
    tally = work / "tally"
    tally.mkdir()
    script = work / "burst.lua"
    script.write_text(BURST_LUA % {"bodies": work / "bodies.jsonl", "threads": threads, "path": path,
                                   "quota": quota, "tally": tally})
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(timeout)}s", "--latency",
           "--timeout", "30s", "-s", str(script), url]
    started = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    while len(list(tally.iterdir())) < threads and proc.poll() is None and time.time() - started < timeout:
        time.sleep(0.05)
    finished = [f.stat().st_mtime for f in tally.iterdir()]
    answered = sum(int(f.read_text()) for f in tally.iterdir())
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=60)
    shutil.rmtree(work, ignore_errors=True)
    seconds = (max(finished) if finished else time.time()) - started
    return BurstResult(_wrk_result(out), answered, seconds)


def ceiling(kind: str = "", duration: int = 10) -> WrkResult:
    """Bare Flask under the same gunicorn settings: the run's own ceiling."""
    with gunicorn("benchmarks.ceiling:app", dict(os.environ)) as (base, _):
        script = post_script("/echo", body=json.dumps({"code": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}))
        return wrk(base + "/echo", script=script, duration=duration)


@contextmanager
def bracketed_ceiling():
    """The ceiling measured just before and just after the load inside the block: on a shared machine
    the capacity drifts by a factor of two within minutes, so a scenario's ratio is taken against the
    mean of the two measurements beside it. Yields a dict filled in on leaving."""
    figures: dict = {"before": ceiling(duration=5).requests_per_s}
    yield figures
    figures["after"] = ceiling(duration=5).requests_per_s
    figures["rps"] = round((figures["before"] + figures["after"]) / 2, 1)


def peak_rss_kb(pid: int) -> int:
    """VmHWM of a process (its peak resident set), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
