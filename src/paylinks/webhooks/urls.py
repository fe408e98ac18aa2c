from django.urls import path

from paylinks.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("<str:public_id>/", views.endpoint_detail, name="detail"),
    path(
        "<str:public_id>/disable/",
        views.endpoint_set_active,
        {"active": False},
        name="disable",
    ),
    path("<str:public_id>/enable/", views.endpoint_set_active, {"active": True}, name="enable"),
    path("<str:public_id>/rotate-secret/", views.endpoint_rotate_secret, name="rotate"),
    path("<str:public_id>/delete/", views.endpoint_delete, name="delete"),
    path("deliveries/<str:public_id>/resend/", views.delivery_resend, name="resend"),
]
