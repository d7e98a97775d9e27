"""Local receivers for tests and benches: a webhook HTTP server that verifies signatures.

Real servers on loopback (http.server in a thread), not mocks: what they record is
what a real receiver would have received.
"""

import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rules.notify.webhook import SIGNATURE_HEADER, sign


class WebhookReceiver:
    """Records (arrival monotonic time, JSON body, signature ok) of every POST."""

    def __init__(self, secret: str | None = None, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.received: list[tuple[float, dict[str, Any], bool]] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.monotonic()
                if outer.fail_first > 0:
                    outer.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                ok = True
                if outer.secret is not None:
                    got = self.headers.get(SIGNATURE_HEADER, "")
                    ok = hmac.compare_digest(got, sign(outer.secret, body))
                self.send_response(200 if ok else 401)
                self.end_headers()
                with outer.cond:
                    outer.received.append((now, json.loads(body), ok))
                    outer.cond.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True
