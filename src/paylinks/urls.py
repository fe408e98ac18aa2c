from django.contrib import admin
from django.urls import include, path

from paylinks.api.v1 import api
from paylinks.core.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("paylinks.merchants.urls")),
    path("", include("paylinks.checkout.urls")),
    path("sales/payment-links/", include("paylinks.links.urls")),
    path("sales/receipts/", include("paylinks.receipts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("developers/api-keys/", include("paylinks.api.urls")),
    path("developers/webhooks/", include("paylinks.webhooks.urls")),
]
