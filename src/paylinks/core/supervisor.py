"""`paylinks serve` keeps its children running: the web server and the task worker.

A child that exits (crash, kill -9, a bug) is started again after a delay that grows
(1 s, 2 s, 4 s… up to ``max_delay``) while it keeps dying quickly, and goes back to 1 s
once it has run for ``stable_seconds``. The supervisor itself exits only on SIGTERM or
SIGINT, after stopping every child (SIGTERM, then SIGKILL past ``stop_timeout``).

The listening socket belongs to the supervisor and is handed to the web server
(``fd://``), so while a web server is restarted, connections wait in the socket's
backlog instead of being refused.
"""

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("paylinks.supervisor")

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child (Linux): get SIGTERM when the supervisor dies, even by kill -9."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: children outlive a killed supervisor
        pass


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    pass_fds: tuple[int, ...] = ()
    proc: subprocess.Popen[Any] | None = None
    started_at: float = 0.0
    next_start: float = 0.0
    delay: float = 0.0
    restarts: int = 0
    history: list[int] = field(default_factory=list)  # exit codes, for the log and tests


class Supervisor:
    def __init__(
        self,
        children: list[Child],
        *,
        min_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_seconds: float = 30.0,
        stop_timeout: float = 30.0,
        out: Callable[[str], None] | None = None,
    ) -> None:
        self.children = children
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.stable_seconds = stable_seconds
        self.stop_timeout = stop_timeout
        self.stopping = False
        self.out = out or (lambda line: print(f"paylinks: {line}", flush=True))

    def _start(self, child: Child) -> None:
        try:
            child.proc = subprocess.Popen(
                child.argv,
                env=child.env,
                pass_fds=child.pass_fds,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 (no threads in the supervisor)
            )
        except OSError as error:  # e.g. out of processes: try again later
            self.out(f"{child.name} could not start ({error})")
            self._schedule(child, ran_for=0.0)
            return
        child.started_at = time.monotonic()

    def _schedule(self, child: Child, *, ran_for: float) -> None:
        if ran_for >= self.stable_seconds:
            child.delay = self.min_delay
        else:
            child.delay = min(self.max_delay, max(self.min_delay, child.delay * 2))
        child.next_start = time.monotonic() + child.delay
        child.restarts += 1

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def step(self) -> None:
        """Notice exited children and start those whose delay is over."""
        now = time.monotonic()
        for child in self.children:
            if child.proc is not None:
                code = child.proc.poll()
                if code is None or self.stopping:
                    continue
                child.history.append(code)
                child.proc = None
                self._schedule(child, ran_for=now - child.started_at)
                self.out(
                    f"{child.name} exited with status {code}; "
                    f"restarting in {child.delay:g} s (restart {child.restarts})"
                )
            elif not self.stopping and now >= child.next_start:
                self._start(child)

    def run(self) -> int:
        """Run until SIGTERM or SIGINT; then stop every child. Always returns 0."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for child in self.children:
                self._start(child)
            while not self.stopping:
                self.step()
                time.sleep(0.2)
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def stop(self) -> None:
        self.stopping = True
        running = [c.proc for c in self.children if c.proc is not None and c.proc.poll() is None]
        for proc in running:
            proc.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        sys.stdout.flush()


def listen(host: str, port: int, backlog: int = 2048) -> Any:
    """The service's listening socket, inheritable by the web server."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    os.set_inheritable(sock.fileno(), True)
    return sock
