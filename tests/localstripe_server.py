"""localstripe (a third-party fake of Stripe's API and Stripe.js) run by the tests on
loopback, from scratch, in a thread of the test process."""

import asyncio
import socket
import threading

from aiohttp import web


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStripe:
    def __init__(self) -> None:
        from localstripe import server
        from localstripe.resources import store

        store.clear()  # from scratch: never the pickle another run left in /tmp
        store.dump_to_disk = lambda: None  # and leave none behind
        self.store = store
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            runner = web.AppRunner(server.app)
            self.loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", self.port)
            self.loop.run_until_complete(site.start())
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        started.wait(10)

    @property
    def js_url(self) -> str:
        return self.url + "/js.stripe.com/v3/"

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
