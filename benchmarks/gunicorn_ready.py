"""gunicorn settings file for the benchmarks (`-c`): only a hook, so the server runs as the README's production
command does. Each worker says when it has loaded the app (a file named after its pid in BENCH_READY_DIR), and
the harness starts measuring only when every worker has: wrk opens its connections at once, and a worker
still loading the app would get none of them, its share going to the others for the whole run."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def post_worker_init(worker: Any) -> None:
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        try:
            Path(ready, str(os.getpid())).touch()
        except OSError:  # a worker started again later: the harness has stopped waiting (and removed the folder)
            pass
