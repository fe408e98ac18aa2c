"""The dashboard home: money collected, payments and failures, links needing attention,
a server-rendered chart; a fixed number of queries however much data (issue 10)."""

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pay import pay_card
from paylinks.checkout.models import Payment
from paylinks.core.selectors import dashboard_summary
from paylinks.links.services import link_create


def test_summary_counts_today_week_month_and_failures(merchant, multi_link):
    pay_card(multi_link)  # today: 12.50
    old = pay_card(multi_link).payment  # 10 days ago: in 30 days, not in 7
    Payment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=10), settled_at=None
    )
    ancient = pay_card(multi_link).payment  # 40 days ago: not counted
    Payment.objects.filter(pk=ancient.pk).update(
        created_at=timezone.now() - timedelta(days=40), settled_at=None
    )
    pay_card(multi_link, "4000000000000002")  # a failed attempt
    summary = dashboard_summary(merchant=merchant)
    assert (summary.today, summary.week, summary.month) == (1250, 1250, 2500)
    assert (summary.payments, summary.failed_attempts) == (2, 1)
    assert len(summary.days) == 30 and summary.days[-1] == (timezone.localdate(), 1250)


def test_links_needing_attention(merchant):
    soon = link_create(
        merchant=merchant,
        kind="multi",
        amount=500,
        description="Ends soon",
        expires_on=timezone.localdate() + timedelta(days=3),
    )
    capped = link_create(
        merchant=merchant, kind="multi", amount=500, description="Almost full", max_payments=5
    )
    for _ in range(4):
        pay_card(capped)
    link_create(merchant=merchant, kind="multi", amount=500, description="Fine", max_payments=50)
    attention = dashboard_summary(merchant=merchant).attention
    assert [(link.pk, why) for link, why in attention] == [
        (soon.pk, "expiring"),
        (capped.pk, "near_cap"),
    ]


def page_queries(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        r = client.get("/")
    assert r.status_code == 200
    return r.content.decode(), len(queries)


def test_home_page_chart_and_bounded_queries(logged_in, merchant, multi_link):
    pay_card(multi_link)
    html, few = page_queries(logged_in)
    assert "$12.50" in html and "Links needing attention" in html
    assert len(re.findall(r"<rect ", html)) == 1  # one day with money
    for days_ago in range(1, 12):
        payment = pay_card(multi_link).payment
        when = timezone.now() - timedelta(days=days_ago)
        Payment.objects.filter(pk=payment.pk).update(created_at=when, settled_at=when)
        link_create(merchant=merchant, kind="multi", amount=100, description=f"L{days_ago}")
    html, many = page_queries(logged_in)
    assert many == few
    assert len(re.findall(r"<rect ", html)) == 12


def test_french_home_page_svg_numbers_are_not_localised(logged_in, multi_link):
    pay_card(multi_link)
    logged_in.cookies["django_language"] = "fr"
    html, _ = page_queries(logged_in)
    assert "12,50\u00a0$" in html
    for attrs in re.findall(r"<rect ([^>]*)>", html):
        assert "," not in attrs, attrs


def test_paused_and_deactivated_links_need_attention(client, settings, merchant):
    """A link the card-testing limits paused comes first; a link the merchant deactivated
    while unpaid is listed too (a paid or long-expired one is not)."""
    from pay import post_pay
    from paylinks.links.services import link_deactivate
    from test_velocity import bad_card

    settings.REDIS_URL = ""
    settings.VELOCITY_MAX_FAILURES = {"link": 3, "ip": 100, "card": 100, "merchant": 200}
    paused = link_create(merchant=merchant, kind="multi", amount=500, description="Tested")
    for i in range(3):
        post_pay(client, paused, bad_card(i), extra={"REMOTE_ADDR": f"10.0.0.{i}"})
    declined_once = link_create(merchant=merchant, kind="multi", amount=500, description="One")
    post_pay(client, declined_once, bad_card(9))
    off = link_deactivate(
        link=link_create(merchant=merchant, kind="multi", amount=500, description="Off")
    )
    paid = link_create(
        merchant=merchant, kind="single", amount=500, description="Paid", customer_name="A"
    )
    pay_card(paid)
    link_deactivate(link=paid)
    attention = dashboard_summary(merchant=merchant).attention
    assert [(link.pk, why) for link, why in attention] == [
        (paused.pk, "paused"),
        (off.pk, "deactivated"),
    ]


def test_home_page_says_why_each_link_needs_attention(logged_in, merchant):
    from paylinks.links.services import link_deactivate

    link_deactivate(
        link=link_create(merchant=merchant, kind="multi", amount=500, description="Off")
    )
    html = logged_in.get("/").content.decode()
    assert 'data-why="deactivated"' in html
    assert "deactivated: customers who have it cannot pay" in html
