"""A real local HTTP server that receives webhooks and verifies each with standardwebhooks."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self) -> None:
        self.secret = ""
        self.fail_first = 0  # answer this many requests with `fail_status`, then 200
        self.fail_status = 500
        self.requests: list[dict] = []  # every request, verified or not
        self.lock = threading.Lock()
        self.url = ""
        # With ``hold_first``, the first request is received (and recorded with status
        # "held"), then left unanswered until ``release`` is set.
        self.hold_first = False
        self.holding = threading.Event()
        self.release = threading.Event()

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            hold = self.hold_first and not self.requests
            try:
                payload = Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                payload, verified = None, False
            failing = len(self.requests) < self.fail_first
            status = self.fail_status if failing else (200 if verified else 400)
            self.requests.append(
                {
                    "id": headers.get("webhook-id"),
                    "verified": verified,
                    "payload": payload,
                    "body": body,
                    "headers": headers,
                    "status": "held" if hold else status,
                }
            )
        if hold:
            self.holding.set()
            self.release.wait()
        return status

    def delivered(self) -> list[dict]:
        """The payloads acknowledged with a 2xx, in order."""
        return [r["payload"] for r in self.requests if r["status"] == 200]


@contextmanager
def receiving():
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver.answer(headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"nope")
            except OSError:
                pass  # the sender is gone (a held request whose worker was killed)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


@contextmanager
def raw_server(handle):
    """A TCP server on loopback that runs ``handle(connection)`` for each connection (for
    receivers that do not speak HTTP properly); yields its http:// URL."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            threading.Thread(target=_run, args=(conn,), daemon=True).start()

    def _run(conn) -> None:
        with conn:
            handle(conn)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
    finally:
        listener.close()
