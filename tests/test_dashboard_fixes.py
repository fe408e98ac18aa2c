"""The dashboard shows what applies, in valid HTML, with Canadian dates (issue 10)."""

import re
from html.parser import HTMLParser

from django.urls import reverse

from pay import pay_card


class Nesting(HTMLParser):
    """Records a <form> opened inside a <p> (invalid: a <p> cannot contain a form)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.form_in_p = False

    def handle_starttag(self, tag, attrs):
        if tag == "form" and "p" in self.stack:
            self.form_in_p = True
        if tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200
    return r.content.decode()


def test_paid_single_use_link_shows_only_what_applies(logged_in, single_link):
    url = reverse("links:detail", args=[single_link.public_id])
    before = page(logged_in, url)
    assert "Copy link" in before and "Deactivate" in before and "Send by email" in before
    pay_card(single_link)
    after = page(logged_in, url)
    for gone in ("Copy link", "QR code", "Buy button", "Deactivate", "Send by email", ">Edit<"):
        assert gone not in after, gone
    parser = Nesting()
    parser.feed(after)
    assert not parser.form_in_p


def test_action_forms_are_not_inside_paragraphs(logged_in, multi_link):
    parser = Nesting()
    parser.feed(page(logged_in, reverse("links:detail", args=[multi_link.public_id])))
    assert not parser.form_in_p


def test_list_offers_edit_only_when_allowed(logged_in, single_link, multi_link):
    pay_card(multi_link)
    html = page(logged_in, reverse("links:list"))
    assert reverse("links:edit", args=[single_link.public_id]) in html
    assert reverse("links:edit", args=[multi_link.public_id]) not in html


def test_issues_page_words_failures_for_the_merchant(logged_in, multi_link):
    pay_card(multi_link, "4000000000000002")
    html = page(logged_in, reverse("links:issues", args=[multi_link.public_id]))
    assert "The customer&#x27;s bank declined the card." in html
    assert "The card was declined by the bank." not in html  # the customer's wording
    logged_in.cookies["django_language"] = "fr"
    detail = page(logged_in, reverse("links:detail", args=[multi_link.public_id]))
    assert "Échoué\u00a0: La banque du client a refusé la carte." in detail


def test_english_dates_are_canadian(logged_in, single_link):
    html = page(logged_in, reverse("links:list"))
    created = single_link.created_at.astimezone()
    assert re.search(r"\d{4}-\d{2}-\d{2}", html)
    assert not re.search(r"\b\d{2}/\d{2}/\d{4}\b", html), "US-style date"
    assert str(created.year) in html


def test_favicon_and_landing_page(client, db):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r["Content-Type"] == "image/x-icon"
    assert b"".join(r.streaming_content if r.streaming else [r.content])[:4] == b"\0\0\1\0"
    landing = client.get("/")
    assert landing.status_code == 200
    html = landing.content.decode()
    assert reverse("merchants:signup") in html and reverse("merchants:login") in html


def test_logged_in_home_is_the_dashboard(logged_in):
    r = logged_in.get("/")
    assert r.status_code == 200 and "Money collected" in r.content.decode()
