"""An SMS gateway the tests run on loopback (API.md: POST JSON `{"phone", "text"}`, a bearer token), and
its fixture `gateway` (tests/messages/conftest.py): the app's SMS_GATEWAY_URL points at it."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    """A tiny gateway: records every request; answers `status` (503 makes a failing gateway)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                         "type": self.headers.get("Content-Type"), "json": json.loads(body)})
                self.send_response(gateway.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n: int, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.requests) >= n, self.requests
        return self.requests

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
