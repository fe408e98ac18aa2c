"""Lists that stay fast as they grow: keyset pages (first, next, previous, last, filters,
rows added between two loads, cursors that are not ours), totals kept on the link, and a
number of queries per page that does not grow with the number of rows."""

import base64
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_merchant
from pay import pay_bank, pay_card
from paylinks.checkout.models import Attempt
from paylinks.links.models import PaymentLink
from paylinks.links.services import link_create, link_deactivate
from paylinks.merchants.models import AuditEvent


def make_links(merchant, n: int, *, prefix: str = "L", same_time: bool = False, **kw):
    """``n`` links, the last one newest (or all created at the same instant, to test that
    rows with equal times are neither skipped nor repeated)."""
    start = timezone.now() - timedelta(days=1)
    links = PaymentLink.objects.bulk_create(
        PaymentLink(
            merchant=merchant,
            kind=kw.get("kind", "multi"),
            amount=100 + i,
            currency="CAD",
            description=f"{prefix}{i:03}",
        )
        for i in range(n)
    )
    for i, link in enumerate(links):
        when = start if same_time else start + timedelta(seconds=i)
        PaymentLink.objects.filter(pk=link.pk).update(created_at=when)
    return [f"{prefix}{i:03}" for i in reversed(range(n))]  # newest first


def descriptions(response) -> list[str]:
    return [link.description for link in response.context["page"]]


def walk(client, url: str, *, start: str = "", backwards: bool = False) -> list[list[str]]:
    """Every page from ``start`` following Next (or Previous), as lists of descriptions."""
    pages = []
    r = client.get(url + start)
    while True:
        assert r.status_code == 200
        pages.append(descriptions(r))
        page = r.context["page"]
        step = page.previous_url if backwards else page.next_url
        if step is None:
            return pages
        r = client.get(url + step)


def test_links_pages_forwards_and_backwards_with_equal_times(logged_in, merchant):
    expected = make_links(merchant, 60, same_time=True)
    url = reverse("links:list")
    forwards = walk(logged_in, url)
    assert [len(p) for p in forwards] == [25, 25, 10]
    assert sum(forwards, []) == expected  # newest first, each once, none skipped
    backwards = walk(logged_in, url, start="?last=1", backwards=True)
    # the last page: the 25 oldest; Previous from there; the top is a whole first page
    assert backwards == [expected[35:], expected[10:35], expected[:25]]
    first = logged_in.get(url)
    assert first.context["page"].previous_url is None and first.context["page"].first_url is None
    assert "Oldest" in first.content.decode() and "Newest" not in first.content.decode()


def test_single_page_has_no_pager(logged_in, merchant):
    make_links(merchant, 25)
    r = logged_in.get(reverse("links:list"))
    page = r.context["page"]
    assert len(page) == 25 and not page.has_other_pages
    assert 'class="pager"' not in r.content.decode()
    expected = descriptions(r)
    r = logged_in.get(reverse("links:list") + "?last=1")
    assert descriptions(r) == expected and not r.context["page"].has_other_pages


def test_filters_are_kept_from_page_to_page(logged_in, merchant):
    singles = make_links(merchant, 30, prefix="S", kind="single")
    make_links(merchant, 30, prefix="M", kind="multi")
    url = reverse("links:list")
    pages = walk(logged_in, url, start="?kind=single")
    assert sum(pages, []) == singles
    r = logged_in.get(url + "?kind=single")
    assert "kind=single" in r.context["page"].next_url
    for old in PaymentLink.objects.filter(description__in=singles[-27:]):
        link_deactivate(link=old)
    pages = walk(logged_in, url, start="?status=deactivated&kind=single")
    assert sum(pages, []) == singles[-27:]
    back = walk(logged_in, url, start="?status=deactivated&kind=single&last=1", backwards=True)
    assert back == [singles[-25:], singles[-27:-2]]  # the top: a whole first page


def test_a_link_created_between_two_loads_shifts_nothing(logged_in, merchant):
    expected = make_links(merchant, 50)
    url = reverse("links:list")
    first = logged_in.get(url)
    link_create(merchant=merchant, kind="multi", amount=999, description="Brand new")
    second = logged_in.get(url + first.context["page"].next_url)
    assert descriptions(second) == expected[25:]  # no row seen twice, none skipped
    previous = logged_in.get(url + second.context["page"].previous_url)
    assert descriptions(previous) == expected[:25]  # the page seen first, as it was
    top = logged_in.get(url + previous.context["page"].previous_url)
    assert descriptions(top) == ["Brand new", *expected[:24]]  # the top: a whole page


@pytest.mark.parametrize(
    "query",
    [
        "?after=",
        "?after=x",
        "?after=%%%",
        "?before=bm90IGpzb24",  # "not json"
        "?after=WzEsMiwzXQ",  # [1,2,3]: wrong length
        "?after=WyJ4IiwxXQ",  # ["x",1]: not a time
        "?after=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
        "?before=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIix0cnVlXQ",  # true as an id
        "?after=WyIyMDI2LTEzLTQwVDAwOjAwOjAwIiwxXQ",  # month 13
        "?after=" + "A" * 5000,
        "?last=1&after=garbage",
        "?page=7",
        "?status=nope&kind=nope&after=e30",
    ],
)
def test_cursors_that_are_not_ours_show_the_first_page(logged_in, merchant, query):
    expected = make_links(merchant, 30)
    r = logged_in.get(reverse("links:list") + query)
    assert r.status_code == 200
    assert descriptions(r) == expected[:25]


def test_cursor_past_the_end_shows_the_last_page(logged_in, merchant):
    expected = make_links(merchant, 30)
    url = reverse("links:list")
    next_url = logged_in.get(url).context["page"].next_url
    PaymentLink.objects.filter(description__in=expected[25:]).delete()  # the older ones
    r = logged_in.get(url + next_url)
    assert r.status_code == 200 and descriptions(r) == expected[:25]


def test_receipts_activity_and_issues_page_by_key(logged_in, merchant, multi_link):
    for i in range(27):
        pay_card(multi_link, name=f"Payer {i}")
    url = reverse("receipts:list")
    numbers = []
    r = logged_in.get(url)
    while True:
        numbers += [receipt.number for receipt in r.context["page"]]
        if r.context["page"].next_url is None:
            break
        r = logged_in.get(url + r.context["page"].next_url)
    assert numbers == list(range(27, 0, -1))
    last = logged_in.get(url + "?last=1")
    assert [receipt.number for receipt in last.context["page"]] == list(range(25, 0, -1))

    AuditEvent.objects.bulk_create(
        AuditEvent(merchant=merchant, actor="x@y.z", action="login") for _ in range(60)
    )
    total = AuditEvent.objects.filter(merchant=merchant).count()
    url = reverse("merchants:activity")
    seen, r = [], logged_in.get(url)
    while True:
        seen += [e.pk for e in r.context["page"]]
        if r.context["page"].next_url is None:
            break
        r = logged_in.get(url + r.context["page"].next_url)
    assert len(seen) == len(set(seen)) == total

    Attempt.objects.filter(link=multi_link).update(outcome="failed", failure_code="card_declined")
    url = reverse("links:issues", args=[multi_link.public_id])
    r = logged_in.get(url)
    assert len(r.context["page"]) == 25
    r = logged_in.get(url + r.context["page"].next_url)
    assert len(r.context["page"]) == 2 and r.context["page"].next_url is None


def test_link_detail_shows_the_latest_payments_and_pages_the_rest(logged_in, multi_link):
    for i in range(12):
        pay_card(multi_link, name=f"Payer {i:02}")
    detail = logged_in.get(reverse("links:detail", args=[multi_link.public_id]))
    html = detail.content.decode()
    assert [p.payer_name for p in detail.context["payments"]] == [
        f"Payer {i:02}" for i in range(11, 1, -1)
    ]
    assert reverse("links:payments", args=[multi_link.public_id]) in html
    assert reverse("links:attempts", args=[multi_link.public_id]) in html
    assert "12 · " in html and "$150.00" in html  # totals: 12 × $12.50
    r = logged_in.get(reverse("links:payments", args=[multi_link.public_id]))
    assert len(r.context["page"]) == 12 and "Payer 00" in r.content.decode()
    r = logged_in.get(reverse("links:attempts", args=[multi_link.public_id]))
    assert len(r.context["page"]) == 12
    other = make_merchant(email="other@shop.test").merchant
    stranger = link_create(merchant=other, kind="multi", amount=100, description="Theirs")
    assert logged_in.get(reverse("links:payments", args=[stranger.public_id])).status_code == 404


def test_few_payments_no_see_all(logged_in, multi_link):
    pay_card(multi_link)
    html = logged_in.get(reverse("links:detail", args=[multi_link.public_id])).content.decode()
    assert reverse("links:payments", args=[multi_link.public_id]) not in html


def test_totals_kept_on_the_link(merchant, multi_link, single_link, run_tasks):
    from django.test import override_settings

    pay_card(multi_link)
    pay_card(multi_link, number="4000000000000002")  # declined: not counted
    pay_card(multi_link)
    multi_link.refresh_from_db()
    assert (multi_link.payments_count, multi_link.amount_collected) == (2, 2500)
    with override_settings(SANDBOX_SETTLE_SECONDS=0, SETTLEMENT_CHECK_SECONDS=0):
        pay_bank(single_link)  # pending: counted only once settled
    single_link.refresh_from_db()
    assert (single_link.payments_count, single_link.amount_collected) == (0, 0)
    run_tasks()
    single_link.refresh_from_db()
    assert (single_link.payments_count, single_link.amount_collected) == (1, 30000)


def test_migration_fills_the_totals_of_existing_links(merchant, multi_link):
    from importlib import import_module

    from django.apps import apps

    pay_card(multi_link)
    pay_card(multi_link)
    untouched = link_create(merchant=merchant, kind="multi", amount=100, description="None")
    PaymentLink.objects.update(payments_count=0, amount_collected=0)
    migration = import_module("paylinks.links.migrations.0002_lists_totals_and_indexes")
    migration.fill_totals(apps, None)
    multi_link.refresh_from_db()
    untouched.refresh_from_db()
    assert (multi_link.payments_count, multi_link.amount_collected) == (2, 2500)
    assert (untouched.payments_count, untouched.amount_collected) == (0, 0)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_queries_per_page_do_not_grow_with_rows(logged_in, merchant, multi_link):
    """The same number of queries for a few rows and for many, on every list and detail."""
    pay_card(multi_link)
    Attempt.objects.filter(link=multi_link).update(outcome="failed")
    pages = [
        reverse("links:list"),
        reverse("links:list") + "?status=active&kind=multi",
        reverse("links:list") + "?last=1",
        reverse("receipts:list"),
        reverse("receipts:list") + "?last=1",
        reverse("merchants:activity"),
        reverse("links:detail", args=[multi_link.public_id]),
        reverse("links:payments", args=[multi_link.public_id]),
        reverse("links:attempts", args=[multi_link.public_id]),
        reverse("links:issues", args=[multi_link.public_id]),
    ]
    few = [_queries(logged_in, url) for url in pages]
    make_links(merchant, 80)
    for i in range(30):
        pay_card(multi_link, name=f"P{i}")
    Attempt.objects.filter(link=multi_link).update(outcome="failed")
    AuditEvent.objects.bulk_create(
        AuditEvent(merchant=merchant, actor="x@y.z", action="login") for _ in range(80)
    )
    many = [_queries(logged_in, url) for url in pages]
    assert many == few
    assert max(many) <= 12


def test_the_list_page_reads_no_payments(logged_in, merchant, multi_link):
    pay_card(multi_link)
    with CaptureQueriesContext(connection) as ctx:
        logged_in.get(reverse("links:list"))
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "checkout_payment" not in sql and not re.search(r"COUNT\(", sql)


cursor_text = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")),
    st.lists(st.one_of(st.integers(), st.text(max_size=30), st.none(), st.booleans())).map(
        lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).decode().rstrip("=")
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["after", "before"]),
    cursor=cursor_text,
    url=st.sampled_from(["links:list", "receipts:list", "merchants:activity"]),
)
def test_no_cursor_makes_a_500(logged_in, name, cursor, url):
    r = logged_in.get(reverse(url), {name: cursor})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:59:59-12:00",  # past year 9999 in UTC
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    ],
)
@pytest.mark.parametrize("url", ["links:list", "merchants:activity", "books:payouts"])
@pytest.mark.parametrize("name", ["after", "before"])
def test_a_cursor_time_out_of_range_in_utc_shows_the_first_page(logged_in, name, url, moment):
    # A time that parses but cannot be converted to UTC for the query: an OverflowError (a
    # 500) before, now a cursor that is not ours.
    cursor = base64.urlsafe_b64encode(json.dumps([moment, 1]).encode()).decode().rstrip("=")
    r = logged_in.get(reverse(url), {name: cursor})
    assert r.status_code == 200
