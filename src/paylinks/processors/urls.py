from django.urls import path

from paylinks.processors import views

app_name = "processors"
urlpatterns = [
    path("sandbox/v1/tokens", views.sandbox_tokens, name="sandbox_tokens"),
    path("hooks/stripe/<str:account_id>", views.stripe_webhook, name="stripe_webhook"),
]
