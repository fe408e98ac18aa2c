"""Slow clients cannot starve `paylinks serve`, and kept-alive connections are not reset
under an idle client. Against a real server with one web process (4 threads)."""

import http.client
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from livehttp import serve

pytestmark = pytest.mark.django_db(transaction=True)

SLOW_CLIENTS = 16


def trickle(host: str, port: int, stop: threading.Event, body: bool) -> None:
    """A client that sends its request a few bytes at a time and never finishes."""
    with socket.create_connection((host, port)) as s:
        if body:
            s.sendall(
                b"POST /login/ HTTP/1.1\r\nHost: x\r\nContent-Type: "
                b"application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
            )
        else:
            s.sendall(b"GET /login/ HTTP/1.1\r\nHost: x\r\n")
        while not stop.wait(0.5):
            try:
                s.sendall(b"a=b&" if body else b"X-Slow: 1\r\n")
            except OSError:
                return


def test_slow_clients_do_not_starve_the_others(tmp_path):
    with serve(tmp_path, workers=1) as base:
        url = urlsplit(base)
        stop = threading.Event()
        slow = [
            threading.Thread(
                target=trickle, args=(url.hostname, url.port, stop, i % 2 == 1), daemon=True
            )
            for i in range(SLOW_CLIENTS)
        ]
        for t in slow:
            t.start()
        time.sleep(1)  # every slow client is connected and trickling

        def normal(_: int) -> int:
            # The timeout only keeps a starved request from hanging the test.
            with urllib.request.urlopen(base + "/login/", timeout=20) as r:
                return r.status

        try:
            with ThreadPoolExecutor(max_workers=10) as pool:
                statuses = list(pool.map(normal, range(40)))
        finally:
            stop.set()
        assert statuses == [200] * 40


def test_an_idle_kept_alive_connection_is_not_reset(tmp_path):
    with serve(tmp_path, workers=1) as base:
        url = urlsplit(base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
        conn.request("GET", "/login/")
        first = conn.getresponse()
        first.read()
        assert first.status == 200 and first.getheader("Connection", "").lower() != "close"
        sock = conn.sock
        time.sleep(3)  # idle, as a browser between two clicks
        conn.request("GET", "/login/")
        second = conn.getresponse()
        second.read()
        assert second.status == 200
        assert conn.sock is sock  # the same connection served both
        conn.close()
