"""The link page's sending part and the emails, seen in Chromium (desktop and 390 px)."""

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from conftest import make_merchant
from e2e.conftest import shot
from paylinks.links.services import link_create
from paylinks.notifications.models import LinkMessage, SmsConsent
from paylinks.notifications.services import link_send

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def logged_in_context(new_context, live_server, user, locale, **kw):
    client = Client()
    client.force_login(user)
    context = new_context(locale, **kw)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {
                "name": django_settings.LANGUAGE_COOKIE_NAME,
                "value": locale[:2],
                "url": live_server.url,
            },
        ]
    )
    return context


@pytest.mark.parametrize("language", ["en", "fr"])
def test_record_consent_then_text_the_link(live_server, new_context, settings, language, tmp_path):
    settings.BASE_URL = live_server.url
    settings.SMS_URL = f"outbox://{tmp_path / 'sms.txt'}"
    fr = language == "fr"
    user = make_merchant(email=f"texter-{language}@bakery.test", locale=language)
    link = link_create(
        merchant=user.merchant,
        kind="single",
        amount=4500,
        description="Gâteau d'anniversaire",
        customer_name="Olivier",
        customer_phone="514 555 0123",
    )
    for width, name in ((1280, "desktop"), (390, "phone")):
        context = logged_in_context(
            new_context,
            live_server,
            user,
            f"{language}-CA",
            viewport={"width": width, "height": 900},
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/sales/payment-links/{link.public_id}/")
        # No horizontal scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        if name == "desktop":
            page.get_by_role(
                "button", name="Envoyer par texto" if fr else "Send by text message"
            ).click()
            expect(page.locator("#field-sms-to .error")).to_contain_text(
                "n’a pas accepté" if fr else "has not agreed"
            )
            page.get_by_text(
                "Enregistrer le consentement du client aux textos"
                if fr
                else "Record the customer's consent to text messages"
            ).click()
            page.locator("#id_consent-method").select_option("verbal")
            page.locator("#id_consent-confirm").check()
            shot(page, f"send-consent-{language}")
            page.get_by_role(
                "button", name="Enregistrer le consentement" if fr else "Record consent"
            ).click()
            expect(page.locator("#sms-consent")).to_contain_text(
                "Consentement enregistré" if fr else "Consent recorded"
            )
            page.get_by_role(
                "button", name="Envoyer par texto" if fr else "Send by text message"
            ).click()
            expect(page.locator("body")).to_contain_text("+15145550123")
        shot(page, f"send-{language}-{name}")
        context.close()
    assert SmsConsent.objects.get().recorded_by == user.email
    assert LinkMessage.objects.get(kind="link").channel == "sms"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_link_email_html_renders_in_chromium(live_server, new_context, settings, language):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_merchant(email=f"mailer-{language}@bakery.test", locale=language)
    link = link_create(
        merchant=user.merchant,
        kind="single",
        amount=123456,
        description="Traiteur, 40 personnes",
        customer_name="Olivier",
        customer_email="olivier@example.com",
    )
    link_send(link=link, channel="email", language=language)
    from paylinks.notifications.services import link_message_deliver

    link_message_deliver(message_id=LinkMessage.objects.get().pk)
    [message] = mail.outbox
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    for width in (600, 390):
        page = new_context(f"{language}-CA", viewport={"width": width, "height": 800}).new_page()
        page.set_content(html)
        button = page.get_by_role(
            "link", name="Payer maintenant" if language == "fr" else "Pay now"
        )
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        expect(page.locator("body")).to_contain_text(
            "1\u00a0234,56\u00a0$" if language == "fr" else "$1,234.56"
        )
        shot(page, f"email-link-{language}-{width}")
