"""How the dashboard's pages scale: the same pages at 10k links and at 1M, side by side.

    .venv/bin/python bench/scale.py [--small 10000] [--large 1000000] [--reseed]
                                    [--server postgres://postgres@127.0.0.1:5432]
                                    [--prefix paylinks_bench_]

Seeds (bench/seed.py) one database per size, ``<prefix>10000`` and ``<prefix>1000000``,
unless it is already there (``--reseed`` forces it), then for each size starts the real
`paylinks serve` (one web worker, so its memory is the page's), logs in as the merchant who
owns a tenth of the links, and times each page: the links list (page 1, a status filter,
the last page), the page of the link with 10,000 payments and its "see all" payments,
the receipts list (first and last page), and the activity log. Prints the median latency at
each size, their ratio (the issue's floor: ≤ 1.5× each) and the web worker's RSS after each
page (floor: ≤ 120 MB at 1M). Benchmarks are not tests: nothing here passes or fails.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Client, database_exists, rss_mb, serve  # noqa: E402
from seed import BIG_EMAIL, BIG_PASSWORD  # noqa: E402

VIRAL = "/sales/payment-links/plink_seed2/"  # seed.py's link with 10,000 payments
PAGES = [
    ("links, page 1", "/sales/payment-links/"),
    ("links, status=paid", "/sales/payment-links/?status=paid"),
    ("links, last page", "/sales/payment-links/?last=1"),
    ("link with 10k payments", "{viral}"),
    ("its payments, last page", "{viral}payments/?last=1"),
    ("receipts, page 1", "/sales/receipts/"),
    ("receipts, last page", "/sales/receipts/?last=1"),
    ("activity", "/account/activity/"),
]


def seeded(url: str) -> bool:
    if not database_exists(url):
        return False
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM links_paymentlink WHERE description = 'Viral'"
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def login(base: str) -> Client:
    client = Client()
    status, _ = client.post_form(
        base + "/login/", {"username": BIG_EMAIL, "password": BIG_PASSWORD}
    )
    if status >= 400:
        raise RuntimeError(f"login failed: {status}")
    return client


def measure(small_url: str, large_url: str, repeat: int) -> list[tuple[str, ...]]:
    """Both servers up at once, each page timed on one then the other in turn (so whatever
    else the machine does weighs on both alike): medians and the median of the ratios."""
    rows = []
    with serve(small_url, workers=1) as small, serve(large_url, workers=1) as large:
        clients = [login(small.base), login(large.base)]
        servers = [small, large]
        workers = [s.web_workers()[0] for s in servers]
        for name, path in PAGES:
            times: list[list[float]] = [[], []]
            for i in range(3 + repeat):
                order = (0, 1) if i % 2 == 0 else (1, 0)
                for which in order:
                    start = time.perf_counter()
                    clients[which].get(servers[which].base + path.format(viral=VIRAL))
                    if i >= 3:  # the first rounds warm up imports, templates, caches
                        times[which].append((time.perf_counter() - start) * 1000)
            ratio = statistics.median(b / a for a, b in zip(*times, strict=True))
            rows.append(
                (
                    name,
                    f"{statistics.median(times[0]):7.1f} ms",
                    f"{statistics.median(times[1]):9.1f} ms",
                    f"{ratio:6.2f}×",
                    f"{rss_mb(workers[0]):5.0f} / {rss_mb(workers[1]):5.0f}",
                    str(ratio),
                    str(rss_mb(workers[1])),
                )
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--prefix", default="paylinks_bench_")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    urls = []
    for size in (args.small, args.large):
        url = f"{args.server.rstrip('/')}/{args.prefix}{size}"
        if args.reseed or not seeded(url):
            seed = Path(__file__).with_name("seed.py")
            subprocess.run(
                [sys.executable, str(seed), "--database-url", url, "--links", str(size)],
                check=True,
            )
        urls.append(url)
    rows = measure(urls[0], urls[1], args.repeat)
    print(f"\n{'page':26} {args.small:>9,} {args.large:>11,}   ratio   web worker RSS after (MB)")
    for row in rows:
        print(" ".join(row[:5]).replace(row[0], f"{row[0]:26}", 1))
    worst = max(float(row[5]) for row in rows)
    peak = max(float(row[6]) for row in rows)
    print(
        f"scale {args.small:,} → {args.large:,} links: worst median latency ratio {worst:.2f}× "
        f"(floor ≤ 1.5×), web worker RSS at {args.large:,} peak {peak:.0f} MB (floor ≤ 120 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
