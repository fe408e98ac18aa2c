from django.contrib import admin
from django.urls import include, path

from paylinks.api.v1 import api
from paylinks.core.health import healthz
from paylinks.core.views import favicon, home
from paylinks.links.views import link_preview
from paylinks.receipts.views import receipt_pdf_for_customer

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("paylinks.merchants.urls")),
    path("l/<str:token>/preview.png", link_preview, name="link_preview"),
    path("", include("paylinks.checkout.urls")),
    path("", include("paylinks.processors.urls")),
    path("sales/payment-links/", include("paylinks.links.urls")),
    path("sales/receipts/", include("paylinks.receipts.urls")),
    path("sales/", include("paylinks.receipts.refund_urls")),
    path("sales/books/", include("paylinks.books.urls")),
    path("r/<str:token>/receipt.pdf", receipt_pdf_for_customer, name="receipt_pdf_customer"),
    path("sms/", include("paylinks.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("developers/api-keys/", include("paylinks.api.urls")),
    path("developers/webhooks/", include("paylinks.webhooks.urls")),
]
