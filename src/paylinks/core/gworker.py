"""Gunicorn's threaded worker, with a buffering front: slow clients cannot starve it.

gunicorn's ``gthread`` worker hands a connection to one of its few threads as soon as
the first bytes arrive; the thread then blocks reading the rest. A client trickling its
headers (or its body) a byte at a time holds that thread for as long as it likes, and a
handful of such clients leave no thread for anybody else.

Here the worker's event loop, which waits on every socket at once, reads each request
(headers, and a body of known length up to ``MAX_BODY_BUFFER``) without blocking, and
hands the connection to a thread only once the request is complete: threads only ever
run the application. A request not complete within ``REQUEST_READ_TIMEOUT`` seconds of
its first byte being awaited is dropped. Kept-alive connections wait in the same loop,
costing no thread, for ``keepalive`` seconds.
"""

import contextlib
import errno
import os
import re
import selectors
import time
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

MAX_HEAD = 64 * 1024  # larger heads go to gunicorn's parser, which refuses them
MAX_BODY_BUFFER = 1024 * 1024  # larger bodies are read by the thread (none in paylinks)
REQUEST_READ_TIMEOUT = float(os.environ.get("PAYLINKS_REQUEST_READ_TIMEOUT_SECONDS", "30"))

_CONTENT_LENGTH = re.compile(rb"\r?\ncontent-length[ \t]*:[ \t]*(\d+)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r?\ntransfer-encoding[ \t]*:[^\r\n]*chunked", re.IGNORECASE)
_EXPECT = re.compile(rb"\r?\nexpect[ \t]*:", re.IGNORECASE)


def request_complete(buf: bytes | bytearray) -> bool:
    """Whether ``buf`` holds a whole request (or as much as is worth waiting for)."""
    end = buf.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end, sep = buf.find(b"\n\n"), 2
    if end < 0:
        return len(buf) > MAX_HEAD
    head, body_len = bytes(buf[:end]), len(buf) - end - sep
    if _EXPECT.search(head):
        return True  # the client waits for "100 Continue" before sending its body
    if _CHUNKED.search(head):
        return body_len > MAX_BODY_BUFFER or bytes(buf).endswith(b"0\r\n\r\n")
    length = _CONTENT_LENGTH.search(head)
    if length is None:
        return True
    wanted = int(length.group(1))
    return wanted > MAX_BODY_BUFFER or body_len >= wanted


class BufferingThreadWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: dict[TConn, float] = {}  # connection -> deadline

    def enqueue_req(self, conn: TConn) -> None:
        if getattr(conn, "buffered", None) is not None or self.cfg.is_ssl or conn.is_http2:
            super().enqueue_req(conn)  # a complete request (or TLS/HTTP/2: as gunicorn does)
            return
        leftover = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        conn.prebuf = bytearray(leftover)
        conn.sock.setblocking(False)
        if request_complete(conn.prebuf):
            self._hand_off(conn)
            return
        self.reading[conn] = time.monotonic() + REQUEST_READ_TIMEOUT
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))

    def _readable(self, conn: TConn, client: Any) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        conn.prebuf += data
        if request_complete(conn.prebuf):
            self.poller.unregister(conn.sock)
            del self.reading[conn]
            self._hand_off(conn)

    def _hand_off(self, conn: TConn) -> None:
        conn.buffered = bytes(conn.prebuf)
        conn.prebuf = None
        conn.data_ready = True
        super().enqueue_req(conn)

    def _drop(self, conn: TConn) -> None:
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(conn.sock)
        self.reading.pop(conn, None)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn, deadline in list(self.reading.items()):
            if deadline <= now or not self.alive:  # stopping: no request has begun yet
                self._drop(conn)

    def handle(self, conn: TConn) -> Any:
        buffered, conn.buffered = getattr(conn, "buffered", None), None
        if buffered is not None:
            try:
                conn.sock.setblocking(True)
                conn.init()
                conn.parser.unreader.unread(buffered)
            except OSError as error:
                if error.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                    self.log.exception("Socket error preparing request.")
                return False
        return super().handle(conn)
