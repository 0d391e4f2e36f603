"""A loopback HTTP server standing in for MNIST mirrors in tests.

Each mirror is a URL prefix ("/good/", "/corrupt/", ...); a route maps a full path to a canned
reply. Unknown paths get a 404, and every request path is recorded in `requests`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    body: bytes
    hang_up_after: int | None = None  # announce the full length, send only this many bytes


class MirrorServer:
    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[str] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        serve = partial(self._httpd.serve_forever, poll_interval=0.01)  # quick shutdown()
        self._thread = threading.Thread(target=serve, daemon=True)

    def serve(self, mirror: str, name: str, body: bytes, hang_up_after: int | None = None) -> None:
        self.routes[f"/{mirror}/{name}"] = Reply(body, hang_up_after)

    def url(self, mirror: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/{mirror}/"

    def mirrors_tried(self, name: str) -> list[str]:
        """The mirror prefixes asked for `name`, in order."""
        return [path.split("/")[1] for path in self.requests if path.endswith("/" + name)]

    def __enter__(self) -> MirrorServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                reply = server.routes.get(self.path)
                if reply is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body[: reply.hang_up_after])
                # HTTP/1.0 default: the connection closes after this, cutting a short body.

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

        return Handler
