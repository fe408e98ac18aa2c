"""Gunicorn's settings under `paylinks serve` (the address comes from the command line)."""

import os

threads = int(os.environ.get("PAYLINKS_WEB_THREADS", "4"))
accesslog = "-"
forwarded_allow_ips = os.environ.get("PAYLINKS_FORWARDED_ALLOW_IPS", "127.0.0.1")
