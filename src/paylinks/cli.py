"""The ``paylinks`` command: serve, worker, migrate, demo, createmerchant, manage."""

import argparse
import os
import sys
from typing import Any


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paylinks.settings")
    import django

    django.setup()


def _manage(*args: str, **options: Any) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


def cmd_migrate(args: argparse.Namespace) -> int:
    _django()
    _manage("migrate", "--no-input")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _django()
    from paylinks.core.worker import worker_run

    return worker_run(interval=args.interval)


def _default_base_url(host: str, port: int) -> None:
    """Without a configured public address, links and emails point at this server."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    os.environ.setdefault("PAYLINKS_BASE_URL", f"http://{shown}:{port}")


def _serve(host: str, port: int, workers: int, worker: bool) -> int:
    """Gunicorn in front, the task worker beside it, both supervised: whichever dies is
    started again; only SIGTERM or SIGINT (Ctrl-C) stops the service."""
    _default_base_url(host, port)
    _django()
    _manage("migrate", "--no-input", verbosity=0)
    from django.conf import settings

    from paylinks.core.supervisor import Child, Supervisor, listen

    sock = listen(host, port)
    print(f"paylinks: serving on http://{host}:{port} (base URL {settings.BASE_URL})")
    print(f"paylinks: data directory {settings.DATA_DIR}; processor {settings.PROCESSOR}")
    sys.stdout.flush()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="paylinks.settings")
    children = [
        Child(
            name="web server",
            argv=[
                sys.executable,
                "-m",
                "gunicorn",
                "paylinks.wsgi:application",
                "--config",
                "python:paylinks.core.gunicorn_conf",
                "--bind",
                f"fd://{sock.fileno()}",
                "--workers",
                str(workers),
            ],
            env=env,
            pass_fds=(sock.fileno(),),
        )
    ]
    if worker:
        children.append(
            Child(
                name="task worker",
                argv=[sys.executable, "-m", "paylinks.cli", "worker"],
                env=env,
            )
        )
    try:
        return Supervisor(children).run()
    finally:
        sock.close()


def cmd_serve(args: argparse.Namespace) -> int:
    return _serve(args.host, args.port, args.workers, not args.no_worker)


DEMO_EMAIL = "demo@paylinks.localhost"
DEMO_PASSWORD = "demo-paylinks-2026"


def _create_demo() -> None:
    """A demo merchant with an approved sandbox account and links of each kind (once)."""
    from paylinks.links.services import link_create
    from paylinks.merchants.models import User
    from paylinks.merchants.services import (
        merchant_signup,
        payments_account_apply,
        payments_account_approve,
    )

    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is not None:
        return
    user = merchant_signup(
        business_name="Boulangerie Démo",
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        locale="fr",
        currency="CAD",
    )
    merchant = user.merchant
    assert merchant is not None
    account = payments_account_apply(
        merchant=merchant,
        legal_name="Boulangerie Démo inc.",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="1234567",
    )
    if account.status == account.Status.PENDING:  # a real processor: the operator is you
        payments_account_approve(account=account)
        account.refresh_from_db()  # the merchant below holds this very instance
    from paylinks.processors.base import get_processor

    transfers = "bank_transfer" in get_processor(merchant).methods
    link_create(
        merchant=merchant,
        kind="multi",
        amount=1250,
        description="Boîte de 6 croissants / Box of 6 croissants",
        allow_bank_transfer=transfers,
    )
    link_create(
        merchant=merchant,
        kind="multi",
        amount=4500,
        description="Gâteau d'anniversaire livré / Birthday cake, delivered",
        collect_delivery=True,
        max_payments=20,
    )
    link_create(
        merchant=merchant,
        kind="single",
        amount=30000,
        description="Acompte traiteur / Catering deposit",
        customer_name="Camille Tremblay",
        customer_email="camille@example.com",
        allow_bank_transfer=transfers,
    )
    link_create(
        merchant=merchant,
        kind="single",
        amount=2599,
        description="Commande spéciale / Special order",
    )


def cmd_demo(args: argparse.Namespace) -> int:
    _default_base_url(args.host, args.port)
    _django()
    _manage("migrate", "--no-input", verbosity=0)
    _create_demo()
    from django.conf import settings

    print("paylinks demo")
    print(f"  log in at {settings.BASE_URL}/login/")
    print(f"  email:    {DEMO_EMAIL}")
    print(f"  password: {DEMO_PASSWORD}")
    return _serve(args.host, args.port, args.workers, not args.no_worker)


def cmd_createmerchant(args: argparse.Namespace) -> int:
    _django()
    from django.core.exceptions import ValidationError

    from paylinks.merchants.services import merchant_signup

    try:
        user = merchant_signup(
            business_name=args.business_name,
            email=args.email,
            password=args.password,
            locale=args.locale,
            currency=args.currency,
        )
    except ValidationError as e:
        for field, messages in e.message_dict.items():
            for message in messages:
                print(f"error: {field}: {message}", file=sys.stderr)
        return 2
    merchant = user.merchant
    assert merchant is not None
    print(f"created merchant {merchant.public_id} {merchant.business_name!r}")
    print(f"  user {user.email}, language {user.locale}, currency {merchant.currency}")
    print("  next: log in and apply for a payments account")
    return 0


def cmd_checkpage(args: argparse.Namespace) -> int:
    from paylinks.checkout.page_check import check_url

    found = check_url(args.url)
    for problem in found:
        print(f"CHANGED: {problem}")
    print("payment page: " + ("differs from the inventory" if found else "as inventoried"))
    return 1 if found else 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    _django()
    from datetime import timedelta

    from paylinks.checkout.services import payments_reconcile
    from paylinks.receipts.refunds import refunds_recheck_due

    counts = payments_reconcile(
        older_than=None if args.older_than is None else timedelta(seconds=args.older_than)
    )
    refunds = refunds_recheck_due()
    print(
        f"reconciled: {counts['completed']} completed, {counts['failed']} failed, "
        f"{counts['settlements_checked']} pending transfers checked, "
        f"{refunds} pending refunds checked"
    )
    return 0


def cmd_payouts(args: argparse.Namespace) -> int:
    _django()
    from datetime import date

    from paylinks.books.services import books_pass

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(f"error: --as-of: not a date (YYYY-MM-DD): {args.as_of}", file=sys.stderr)
        return 2
    counts = books_pass(today=as_of)
    print(
        f"payouts: {counts['sandbox_payouts']} sandbox payouts made, "
        f"{counts['payouts_read']} new processor payouts read"
    )
    return 0


def cmd_apikey_create(args: argparse.Namespace) -> int:
    _django()
    from django.core.exceptions import ValidationError

    from paylinks.api.services import apikey_create_for_email

    try:
        key, secret = apikey_create_for_email(email=args.email, name=args.name)
    except ValidationError as e:
        for field, messages in e.message_dict.items():
            print(f"error: {field}: {'; '.join(messages)}", file=sys.stderr)
        return 2
    print(f"created API key {key.public_id} for merchant {key.merchant.public_id}")
    print(secret)  # last line: only the key, shown this once
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["paylinks manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paylinks",
        description="Payment links: share a link, get paid, find the sales receipt.",
        epilog="Configuration comes from PAYLINKS_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def serve_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="address to listen on")
        p.add_argument("--port", type=int, default=8000, help="port to listen on")
        p.add_argument("--workers", type=int, default=2, help="web worker processes")
        p.add_argument(
            "--no-worker", action="store_true", help="do not run the background task worker"
        )

    p = sub.add_parser("serve", help="migrate if needed, then run the web server and worker")
    serve_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="like serve, with a demo merchant and links (created once)")
    serve_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("worker", help="run the background task worker (emails, settlements)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="create or update the database tables")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("createmerchant", help="create a merchant and its first user")
    p.add_argument("--business-name", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--locale", choices=["fr", "en"], default="en")
    p.add_argument("--currency", default="CAD")
    p.set_defaults(func=cmd_createmerchant)

    p = sub.add_parser(
        "reconcile",
        help="finish payments and refunds a crash left half done (also runs in the worker)",
    )
    p.add_argument(
        "--older-than",
        type=int,
        default=None,
        metavar="SECONDS",
        help="only attempts older than this (default PAYLINKS_RECOVERY_SECONDS)",
    )
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser(
        "payouts",
        help="make the sandbox's daily payouts and read the processors' (also in the worker)",
    )
    p.add_argument(
        "--as-of",
        default=None,
        metavar="YYYY-MM-DD",
        help="the sandbox's payout day (default today: payments settled before it)",
    )
    p.set_defaults(func=cmd_payouts)

    p = sub.add_parser(
        "checkpage",
        help="check a hosted payment page's scripts and security headers (PCI DSS 11.6.1)",
    )
    p.add_argument("url", help="a hosted page URL, e.g. https://pay.example.com/l/<token>")
    p.set_defaults(func=cmd_checkpage)

    p = sub.add_parser("apikey", help="API keys (create)")
    apikey = p.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    p = apikey.add_parser("create", help="create a secret API key; prints it on the last line")
    p.add_argument("--email", required=True, help="a user of the merchant")
    p.add_argument("--name", default="", help="a name to tell the key apart")
    p.set_defaults(func=cmd_apikey_create)

    p = sub.add_parser("manage", help="run a Django management command (operators)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from paylinks.core.audit import Actor, acting_as

    with acting_as(Actor("cli")):
        return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
