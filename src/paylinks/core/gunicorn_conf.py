"""Gunicorn's settings under `paylinks serve` (the address comes from the command line)."""

import os

# Threads run the application only: the worker's event loop reads each request whole
# first (see paylinks.core.gworker), so slow clients cannot hold them.
worker_class = "paylinks.core.gworker.BufferingThreadWorker"
threads = int(os.environ.get("PAYLINKS_WEB_THREADS", "4"))
# Idle kept-alive connections cost no thread: keep them longer than clients and proxies
# usually do (60 s), so the server is not the side that closes one under a new request.
keepalive = int(os.environ.get("PAYLINKS_KEEPALIVE_SECONDS", "75"))
accesslog = "-"
# Link and receipt tokens are secrets: the access and error logs show "[redacted]".
logger_class = "paylinks.core.redact.GunicornLogger"
forwarded_allow_ips = os.environ.get("PAYLINKS_FORWARDED_ALLOW_IPS", "127.0.0.1")
