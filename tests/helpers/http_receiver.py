"""A tiny real HTTP server on loopback receiving Apprise's webhooks (json://, mmost://, …).

`down` answers that many requests with 503 first (a channel outage), then accepts again."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with server.lock:
            if server.down > 0:
                server.down -= 1
                server.refused += 1
                self.send_response(503)
                self.end_headers()
                return
            server.received.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": json.loads(body or b"{}"),
                }
            )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        """Quiet: the tests read `received`."""


class HttpReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, down: int = 0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.down = down
        self.refused = 0
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, scheme: str = "json", path: str = "/hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
