"""The card-testing defence: failed attempts are limited per link, IP, card and merchant,
across processes (database or Redis), and the merchant can lift a pause."""

import os

import pytest
from django.urls import reverse

from pay import pay_card, post_pay
from paylinks.checkout.models import Attempt
from paylinks.checkout.services import link_velocity_lift, link_velocity_status
from paylinks.links.services import link_create
from paylinks.processors.models import SandboxCharge


def empty_redis() -> str:
    """The test Redis database, emptied; CI fails without it, elsewhere the test skips."""
    import redis

    url = os.environ.get("PAYLINKS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_timeout=2).flushdb()
    except redis.RedisError as e:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {url}: {e}")
        pytest.skip(f"no Redis at {url}")
    return url


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    if request.param == "redis":
        settings.REDIS_URL = url = empty_redis()
    else:
        settings.REDIS_URL = ""
    settings.VELOCITY_MAX_FAILURES = {"link": 20, "ip": 10, "card": 5, "merchant": 200}
    yield request.param
    if request.param == "redis":
        import redis

        redis.Redis.from_url(url).flushdb()


def post_card(client, link, number, ip, name="Tester"):
    return post_pay(client, link, number, fields={"name": name}, extra={"REMOTE_ADDR": ip})


def bad_card(i: int) -> str:
    """A different Luhn-invalid number each time, as a card tester's list would be."""
    from paylinks.processors.sandbox import luhn_valid

    base = f"4{i:014d}"
    return next(base + d for d in "0123456789" if not luhn_valid(base + d))


def test_card_testing_burst_from_many_ips_is_stopped_at_the_link_limit(client, multi_link, store):
    for i in range(300):
        post_card(client, multi_link, bad_card(i), ip=f"10.{i // 250}.{i % 250}.7")
    # The processor saw at most the link's limit of failures; the rest never reached it.
    assert SandboxCharge.objects.count() == 20
    assert Attempt.objects.filter(failure_code="velocity_limited").count() == 280
    assert link_velocity_status(link=multi_link) == "link"
    # A real customer is told plainly, and not charged.
    r = post_card(client, multi_link, "4242424242424242", ip="192.0.2.1")
    assert "payments are paused" in r.content.decode()
    assert SandboxCharge.objects.count() == 20


def test_limits_per_ip_and_per_card(client, merchant, store):
    a = link_create(merchant=merchant, kind="multi", amount=100, description="A")
    b = link_create(merchant=merchant, kind="multi", amount=100, description="B")
    for i in range(12):  # one IP, many cards, spread over two links
        post_card(client, a if i % 2 else b, bad_card(i), ip="203.0.113.9")
    assert SandboxCharge.objects.count() == 10
    for _ in range(7):  # one card, many IPs
        post_card(client, a, "4000000000000002", ip=f"198.51.100.{_}")
    assert SandboxCharge.objects.filter(token__last4="0002").count() == 5
    # Other customers of the same links are not affected by those two.
    assert pay_card(a).outcome == "succeeded"


def test_merchant_sees_the_pause_and_lifts_it(logged_in, client, multi_link, store):
    for i in range(25):
        post_card(client, multi_link, bad_card(i), ip=f"10.0.0.{i}")
    issues = logged_in.get(reverse("links:issues", args=[multi_link.public_id])).content.decode()
    assert "Payments through this link are paused." in issues
    assert "payments are paused" in issues  # the blocked attempts are listed too
    logged_in.post(reverse("links:lift_limit", args=[multi_link.public_id]))
    assert link_velocity_status(link=multi_link) == ""
    r = post_card(client, multi_link, "4242424242424242", ip="10.0.0.1")
    assert r.status_code == 302
    assert Attempt.objects.filter(outcome="succeeded").count() == 1


def test_card_numbers_in_other_digits_are_refused(client, db):
    """Issue 7.7: the same number written in full-width or Arabic-Indic digits dodged the
    per-card limit, and the declined test card typed in Arabic-Indic digits was charged."""
    from paylinks.processors.models import SandboxToken

    for number in ("４２４２４２４２４２４２４２４２", "٤٠٠٠٠٠٠٠٠٠٠٠٠٠٠٢", "4242 4242 4242 424²"):
        r = client.post(
            "/sandbox/v1/tokens",
            {"type": "card", "number": number, "exp": "12/31", "cvc": "123"},
            content_type="application/json",
        )
        assert r.status_code == 400 and r.json()["error"]["param"] == "number"
    assert not SandboxToken.objects.exists()
    # Spaces and dashes are fine, and the same card is the same card however it is typed.
    prints = {
        client.post(
            "/sandbox/v1/tokens",
            {"type": "card", "number": typed, "exp": "12/31", "cvc": "123"},
            content_type="application/json",
        ).json()["card"]["last4"]
        for typed in ("4000000000000002", "4000 0000 0000 0002", "4000-0000-0000-0002")
    }
    assert prints == {"0002"}
    assert len(set(SandboxToken.objects.values_list("fingerprint", flat=True))) == 1


def test_an_address_paused_at_one_merchant_can_pay_another(client, merchant, store):
    """Issue 7.7: the per-address limit counted failures across all merchants and locked a
    customer out everywhere, while the merchant whose link they tried saw no pause."""
    from conftest import make_merchant

    a = link_create(merchant=merchant, kind="multi", amount=100, description="A")
    other = make_merchant(email="other@shop.test").merchant
    b = link_create(merchant=other, kind="multi", amount=100, description="B")
    for i in range(10):
        post_card(client, a, bad_card(i), ip="203.0.113.50")
    r = post_card(client, a, "4242424242424242", ip="203.0.113.50")
    assert "payments are paused" in r.content.decode()
    assert link_velocity_status(link=a) == "ip"  # the merchant sees it...
    r = post_card(client, b, "4242424242424242", ip="203.0.113.50")
    assert r.status_code == 302  # ...and the other merchant's customer is not locked out
    link_velocity_lift(link=a)  # and can lift it
    r = post_card(client, a, "4242424242424242", ip="203.0.113.50")
    assert r.status_code == 302


def test_successes_do_not_count(multi_link, store):
    for _ in range(30):
        assert pay_card(multi_link).outcome == "succeeded"


def test_honeypot_stops_naive_bots_without_an_attempt(client, multi_link):
    r = post_pay(client, multi_link, fields={"website": "http://spam"})
    assert "could not be processed" in r.content.decode()
    assert not Attempt.objects.exists() and not SandboxCharge.objects.exists()


def test_client_ip_behind_a_trusted_proxy(client, multi_link, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    post_pay(
        client,
        multi_link,
        bad_card(1),
        extra={"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.77"},
    )
    assert Attempt.objects.get().client_ip == "198.51.100.77"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("shared", ["database", "redis"])
def test_limits_hold_across_web_processes(tmp_path, shared, settings):
    """Four gunicorn processes, one burst from 60 addresses: the link's limit holds."""
    from concurrent.futures import ThreadPoolExecutor

    from conftest import make_merchant
    from livehttp import Client, serve

    env = {"PAYLINKS_TRUSTED_PROXY_HOPS": "1", "PAYLINKS_VELOCITY_MAX_FAILURES_PER_LINK": "8"}
    if shared == "redis":
        env["PAYLINKS_REDIS_URL"] = empty_redis()
    link = link_create(
        merchant=make_merchant().merchant, kind="multi", amount=100, description="Target"
    )
    form = {"name": "T", "email": "t@example.com"}
    with serve(tmp_path, workers=4, **env) as base:

        def one(i: int) -> int:
            return Client(ip=f"10.9.{i}.1").pay(base + link.path, form, card=bad_card(i))[0]

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(one, range(60)))
    assert set(statuses) == {200}
    # Issue 7.7: a slot is taken before the processor is called, so the limit holds
    # exactly under concurrency (it used to let through the limit plus those in flight).
    assert 1 <= SandboxCharge.objects.count() <= 8
    # The others were stopped before the processor: paused (recorded for the merchant),
    # or asked to try again while the slots were all in flight.
    assert Attempt.objects.filter(failure_code="velocity_limited").exists()
    assert Attempt.objects.exclude(failure_code="velocity_limited").count() <= 8
