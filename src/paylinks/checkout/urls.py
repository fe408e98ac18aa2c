from django.urls import path

from paylinks.checkout import views

app_name = "checkout"
urlpatterns = [
    path("l/<str:token>", views.hosted_page, name="pay"),
    path("l/<str:token>/c/<str:nonce>", views.checkout_status, name="status"),
    path("r/<str:token>", views.confirmation, name="confirmation"),
    path(
        "sales/payments/<str:public_id>/delivered/",
        views.payment_delivered,
        name="delivered",
    ),
]
