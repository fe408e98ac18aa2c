from django.contrib import admin
from django.urls import include, path

from paylinks.core.health import healthz
from paylinks.core.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("paylinks.merchants.urls")),
    path("", include("paylinks.checkout.urls")),
    path("sales/payment-links/", include("paylinks.links.urls")),
    path("sales/receipts/", include("paylinks.receipts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
