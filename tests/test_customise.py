"""Customise (issue 10): a business logo (checked, size-capped, re-encoded) and an accent
colour (hex, readable under white text), set in the dashboard's settings and used by the
hosted page, the QR print page and the emails; served by paylinks itself."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pay import pay_card
from paylinks.merchants.models import AuditEvent, Merchant, MerchantLogo
from paylinks.merchants.services import merchant_customise
from test_email_content import by_to, html
from test_notifications import smtp  # noqa: F401 (a fixture)


def image_bytes(fmt: str = "PNG", size=(800, 400), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def customise(merchant, **kw):
    kw.setdefault("business_name", merchant.business_name)
    return merchant_customise(merchant=merchant, **kw)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_logo_is_re_encoded_as_a_small_png(merchant, fmt):
    upload = image_bytes(fmt)
    merchant = customise(merchant, logo=upload)
    logo = MerchantLogo.objects.get(merchant=merchant)
    assert bytes(logo.png) != upload
    with Image.open(io.BytesIO(bytes(logo.png))) as image:
        assert image.format == "PNG"
        assert image.size == (512, 256) == (logo.width, logo.height)
    assert merchant.logo_url == f"/brand/{merchant.public_id}/logo-{merchant.logo_version}.png"
    assert AuditEvent.objects.filter(merchant=merchant, action="customised").exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (image_bytes("GIF"), "PNG or JPEG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "PNG or JPEG"),
        (b"not an image at all", "PNG or JPEG"),
        (image_bytes("PNG")[:200], "PNG or JPEG"),  # truncated
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024), "512 KB"),
    ],
)
def test_what_is_not_a_small_png_or_jpeg_is_refused(merchant, data, message):
    with pytest.raises(ValidationError) as e:
        customise(merchant, logo=data)
    assert message in " ".join(e.value.message_dict["logo"])
    assert not MerchantLogo.objects.exists()
    assert Merchant.objects.get(pk=merchant.pk).logo_version == ""


def test_a_small_file_claiming_a_huge_image_is_refused_before_decoding(merchant):
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")  # 64 Mpx in a few kilobytes
    assert len(out.getvalue()) < 512 * 1024
    with pytest.raises(ValidationError) as e:
        customise(merchant, logo=out.getvalue())
    assert "too large" in " ".join(e.value.message_dict["logo"])


@pytest.mark.parametrize(
    "color, stored",
    [("#0A7D4F", "#0a7d4f"), ("5b21b6", "#5b21b6"), ("  #1d4ed8 ", "#1d4ed8"), ("", "")],
)
def test_an_accent_colour_readable_under_white_text(merchant, color, stored):
    assert customise(merchant, accent_color=color).accent_color == stored


@pytest.mark.parametrize(
    "color, message",
    [
        ("#ffff00", "contrast"),  # yellow: white text unreadable
        ("#7dd3fc", "contrast"),
        ("red", "hexadecimal"),
        ("#12345", "hexadecimal"),
        ("#12345g", "hexadecimal"),
        ("url(x)", "hexadecimal"),
    ],
)
def test_an_unreadable_or_malformed_colour_is_refused(merchant, color, message):
    with pytest.raises(ValidationError) as e:
        customise(merchant, accent_color=color)
    assert message in " ".join(e.value.message_dict["accent_color"])


def test_settings_page_sets_logo_and_colour_used_by_the_hosted_page(logged_in, multi_link):
    page = logged_in.get("/account/settings/")
    assert page.status_code == 200
    response = logged_in.post(
        "/account/settings/",
        {
            "business_name": "Boulangerie Nova",
            "accent_color": "#5b21b6",
            "logo": SimpleUploadedFile("logo.png", image_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    merchant = Merchant.objects.get(pk=multi_link.merchant_id)
    assert merchant.business_name == "Boulangerie Nova" and merchant.accent_color == "#5b21b6"

    logo = logged_in.get(merchant.logo_url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert "immutable" in logo["Cache-Control"]
    theme = logged_in.get(merchant.theme_url)
    assert theme.status_code == 200 and "--brand: #5b21b6" in theme.content.decode()
    assert (
        logged_in.get(f"/brand/{merchant.public_id}/logo-0000000000000000.png").status_code == 404
    )
    assert logged_in.get(f"/brand/{merchant.public_id}/theme-ffff00.css").status_code == 404

    hosted = logged_in.get(multi_link.path)
    body = hosted.content.decode()
    assert f'<img src="{merchant.logo_url}"' in body
    assert f'<link rel="stylesheet" href="{merchant.theme_url}">' in body
    # Served by paylinks itself: the page's policy allows no other image or style origin.
    csp = hosted["Content-Security-Policy"]
    assert "img-src 'self' data:;" in csp and "style-src 'self';" in csp

    qr_sheet = logged_in.get(f"/sales/payment-links/{multi_link.public_id}/qr/print/")
    sheet = qr_sheet.content.decode()
    assert qr_sheet.status_code == 200
    assert merchant.logo_url in sheet and merchant.theme_url in sheet
    assert "$12.50" in sheet and f"/sales/payment-links/{multi_link.public_id}/qr/" in sheet
    assert multi_link.path in sheet

    # Removing the logo.
    logged_in.post(
        "/account/settings/",
        {"business_name": "Boulangerie Nova", "accent_color": "", "remove_logo": "on"},
    )
    merchant.refresh_from_db()
    assert merchant.logo_url == "" and merchant.theme_url == ""
    assert not MerchantLogo.objects.exists()


def test_settings_page_shows_errors_on_their_fields(logged_in, merchant):
    response = logged_in.post(
        "/account/settings/",
        {
            "business_name": "Bakery & Co",
            "accent_color": "#ffff00",
            "logo": SimpleUploadedFile("logo.gif", image_bytes("GIF"), content_type="image/gif"),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_accent_color_error"' in body and 'id="id_logo_error"' in body
    assert Merchant.objects.get(pk=merchant.pk).accent_color == ""


def test_emails_carry_the_logo_and_the_colour(smtp, settings, merchant, multi_link, run_tasks):  # noqa: F811
    merchant = customise(merchant, accent_color="#5b21b6", logo=image_bytes())
    pay_card(multi_link, email="olivier@example.com")
    run_tasks()
    page = html(by_to(smtp.messages)["olivier@example.com"])
    assert f'<img src="{settings.BASE_URL}{merchant.logo_url}"' in page
    assert "border-bottom:3px solid #5b21b6" in page


def test_a_huge_upload_is_refused_without_reading_it_all(logged_in, merchant, monkeypatch):
    # Before: the view read the whole upload into memory (a 50 MB photo: 50 MB more in the
    # web process) before the service said "at most 512 KB".
    from paylinks.merchants import services, views

    seen = []
    real = services.merchant_customise

    def spy(**kw):
        seen.append(len(kw["logo"] or b""))
        return real(**kw)

    monkeypatch.setattr(views.services, "merchant_customise", spy)
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (4 * 1024 * 1024)
    response = logged_in.post(
        "/account/settings/",
        {
            "business_name": "Bakery & Co",
            "logo": SimpleUploadedFile("photo.png", big, content_type="image/png"),
        },
    )
    assert response.status_code == 200
    assert "512 KB" in response.content.decode()
    assert seen and max(seen) <= 512 * 1024 + 1
    assert not MerchantLogo.objects.exists()


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(merchant, monkeypatch):
    # Before: a 5000 x 5000 JPEG of a few hundred KB was decoded whole (25 Mpx, about
    # 100 MB, and as much again for its RGBA copy) to make a 512 px logo.
    out = io.BytesIO()
    Image.new("RGB", (5000, 5000), (20, 60, 120)).save(out, format="JPEG", quality=30)
    assert len(out.getvalue()) < 512 * 1024
    decoded = []
    real = Image.Image.convert

    def spy(self, *args, **kw):
        decoded.append(self.size)
        return real(self, *args, **kw)

    monkeypatch.setattr(Image.Image, "convert", spy)
    customise(merchant, logo=out.getvalue())
    assert decoded and max(w * h for w, h in decoded) <= 1024 * 1024
    logo = MerchantLogo.objects.get(merchant=merchant)
    assert (logo.width, logo.height) == (512, 512)
