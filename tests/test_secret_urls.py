"""Link and receipt tokens are secrets: never in a log line, never cached."""

import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from livehttp import serve
from pay import pay_card


def test_redact_keeps_the_path_and_hides_the_token():
    from paylinks.core.redact import redact

    assert redact('"GET /l/AbC-12_x HTTP/1.1" "https://pay.test/r/XyZ?lang=fr"') == (
        '"GET /l/[redacted] HTTP/1.1" "https://pay.test/r/[redacted]?lang=fr"'
    )
    assert redact("/login/?next=%2Fl%2Fsecret") == "/login/?next=%2Fl%2F[redacted]"
    assert redact("/sales/payment-links/plink_abc/") == "/sales/payment-links/plink_abc/"


@pytest.mark.django_db(transaction=True)
def test_tokens_never_reach_the_logs(tmp_path, multi_link):
    payment = pay_card(multi_link).payment
    with serve(tmp_path, workers=1) as base:

        def get(path: str, referer: str) -> int:
            request = urllib.request.Request(base + path, headers={"Referer": referer})
            try:
                with urllib.request.urlopen(request, timeout=30) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code

        assert get(multi_link.path, base + multi_link.path) == 200
        assert get(f"/r/{payment.token}", base + multi_link.path) == 200
        assert get("/l/not-a-token-but-secret-looking", base + f"/r/{payment.token}") == 404
    log = (tmp_path / "server.log").read_text()
    assert "GET /l/[redacted]" in log  # the access log is on, and redacted
    for secret in (multi_link.token, payment.token, "not-a-token-but-secret-looking"):
        assert secret not in log


def test_pages_showing_a_secret_url_are_not_cached(logged_in, multi_link, single_link):
    payment = pay_card(multi_link).payment
    pages = [
        reverse("links:list"),
        reverse("links:detail", args=[multi_link.public_id]),
        reverse("links:edit", args=[single_link.public_id]),  # editable while unused
        reverse("links:qr", args=[multi_link.public_id]),
        reverse("receipts:list"),
        reverse("receipts:detail", args=[payment.receipt.public_id]),
        multi_link.path,
        f"/r/{payment.token}",
    ]
    for page in pages:
        response = logged_in.get(page)
        assert response.status_code == 200, page
        assert "no-store" in response.get("Cache-Control", ""), page
