"""The landing page, the dashboard home, the link list and a paid link's page, in Chromium,
French and English, desktop and 390 px: nothing wider than the screen, badges on one line."""

import pytest

from conftest import make_merchant
from e2e.conftest import shot
from e2e.test_sending_pages import logged_in_context
from pay import pay_card
from paylinks.links.services import link_create
from paylinks.webhooks.services import endpoint_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pages_fit_the_screen(live_server, new_context, settings, language):
    settings.BASE_URL = live_server.url
    user = make_merchant(email=f"pages-{language}@bakery.test", locale=language)
    paid = link_create(
        merchant=user.merchant,
        kind="single",
        amount=30000,
        description="Traiteur d'anniversaire",
        customer_name="Olivier",
        customer_email="olivier@example.com",
    )
    pay_card(paid)
    capped = link_create(
        merchant=user.merchant, kind="multi", amount=1250, description="Croissants", max_payments=1
    )
    pay_card(capped)  # "Limit reached"
    pay_card(
        link_create(merchant=user.merchant, kind="multi", amount=500, description="Café"),
        "4000000000000002",
    )
    for width, name in ((1280, "desktop"), (390, "phone")):
        visitor = new_context(f"{language}-CA", viewport={"width": width, "height": 900}).new_page()
        visitor.goto(live_server.url + "/")
        assert visitor.get_by_role("link", name="S’inscrire" if language == "fr" else "Sign up")
        assert visitor.evaluate(NO_OVERFLOW)
        shot(visitor, f"landing-{language}-{name}")
        context = logged_in_context(
            new_context,
            live_server,
            user,
            f"{language}-CA",
            viewport={"width": width, "height": 900},
        )
        page = context.new_page()
        for path, label in (
            ("/", "home"),
            ("/sales/payment-links/", "list"),
            (f"/sales/payment-links/{paid.public_id}/", "paid"),
        ):
            page.goto(live_server.url + path)
            assert page.evaluate(NO_OVERFLOW), (path, width)
            shot(page, f"{label}-{language}-{name}")
        if width == 390:
            # The menu is one line under the brand (it scrolls sideways), so a page's own
            # content starts on the first screen, not below a column of eleven links.
            header = page.locator("header.topbar").bounding_box()
            assert header is not None and header["height"] < 900 / 5, header
            page.get_by_role("link", name="Paramètres" if language == "fr" else "Settings").click()
            page.wait_for_url("**/account/settings/")
        page.goto(live_server.url + "/sales/payment-links/")
        badge = page.locator(".badge-limit_reached").first
        box = badge.bounding_box()
        assert box is not None and box["height"] < 2 * 16 * 1.3  # one line
        context.close()


# Every list table on the page: does it fit, is its header hidden from sight only, and does
# each cell show its column's name (the th's text) before its value?
STACKED = """() => Array.from(document.querySelectorAll("table.stack")).map(table => {
  const heads = Array.from(table.querySelectorAll("thead th")).map(th => th.textContent.trim());
  const wrap = table.closest(".table-wrap") || table.parentElement;
  const cells = Array.from(table.querySelectorAll("tbody td[data-label]"));
  // A column's name as the cell shows it (its ::before), measured on a copy: taller than
  // the cell, it would run into the next row.
  const overflowing = cells.filter(td => {
    const shown = getComputedStyle(td, "::before");
    const copy = document.createElement("div");
    copy.textContent = td.dataset.label;
    Object.assign(copy.style, {position: "absolute", visibility: "hidden", font: shown.font,
      lineHeight: shown.lineHeight, width: shown.width, boxSizing: "border-box",
      paddingRight: shown.paddingRight});
    document.body.appendChild(copy);
    const tall = copy.getBoundingClientRect().height > td.getBoundingClientRect().height + 1;
    copy.remove();
    return tall;
  }).map(td => td.dataset.label);
  return {
    overflowing,
    fits: table.getBoundingClientRect().right <= window.innerWidth + 1
      && wrap.scrollWidth <= wrap.clientWidth + 1,
    headHeight: table.querySelector("thead").getBoundingClientRect().height,
    cells: cells.length,
    unlabelled: cells.filter(td => {
      const shown = getComputedStyle(td, "::before").content;
      return !heads.includes(td.dataset.label) || shown !== JSON.stringify(td.dataset.label);
    }).map(td => td.dataset.label),
  };
})"""


@pytest.mark.parametrize("language", ["en", "fr"])
def test_lists_are_cards_on_a_phone_and_tables_on_a_desktop(
    live_server, new_context, settings, language, book_refund
):
    from e2e.checkers import axe_violations

    settings.BASE_URL = live_server.url
    user = make_merchant(email=f"stack-{language}@bakery.test", locale=language)
    link = link_create(
        merchant=user.merchant,
        kind="multi",
        amount=123456,
        description="Cours de poterie du samedi matin, avec le matériel",
        collect_delivery=True,
    )
    paid = pay_card(link).payment
    pay_card(link, "4000000000000002", name="Dan Declined")  # an issue
    book_refund(paid, 500)
    endpoint = endpoint_create(
        merchant=user.merchant,
        url="http://127.0.0.1:9/" + "webhooks-for-the-shop/" * 4 + "paylinks",
        description="",
        enabled_events=["*"],
    )
    pages = (
        "/sales/payment-links/",
        f"/sales/payment-links/{link.public_id}/",
        f"/sales/payment-links/{link.public_id}/issues/",
        "/sales/receipts/",
        f"/sales/payments/{paid.public_id}/",  # its refunds: "Reçu de remboursement"
    )
    for width in (390, 1280):
        context = logged_in_context(
            new_context,
            live_server,
            user,
            f"{language}-CA",
            viewport={"width": width, "height": 900},
        )
        page = context.new_page()
        for path in pages:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            tables = page.evaluate(STACKED)
            assert tables and all(t["cells"] for t in tables), (path, tables)
            for table in tables:
                assert table["fits"], (path, width, table)
                if width == 390:
                    assert table["headHeight"] <= 1 and not table["unlabelled"], (path, table)
                    assert not table["overflowing"], (path, table)
                else:
                    assert table["headHeight"] > 10, (path, table)
            if width == 390:
                assert page.evaluate(NO_OVERFLOW), path
                assert axe_violations(page) == [], path
                # A filter's label stays on the line of its list (the links' status, type).
                pairs = page.locator(".filters .filter").all()
                assert len(pairs) == (2 if path == pages[0] else 0), path
                for pair in pairs:
                    label = pair.locator("label").bounding_box()
                    select = pair.locator("select").bounding_box()
                    assert label and select and label["y"] < select["y"] + select["height"]
                    assert select["y"] < label["y"] + label["height"], (path, label, select)
                shot(page, f"stacked-{language}-{path.strip('/').replace('/', '-')}")
        if width == 390:  # a heading that is one long word (a webhook's URL) wraps too
            page.goto(f"{live_server.url}/developers/webhooks/{endpoint.public_id}/")
            assert page.evaluate(NO_OVERFLOW)
        context.close()
