from django.urls import path

from paylinks.links import views

app_name = "links"
urlpatterns = [
    path("", views.link_list, name="list"),
    path("new/", views.link_new, name="new"),
    path("new/<str:kind>/", views.link_create, name="create"),
    path("<str:public_id>/", views.link_detail, name="detail"),
    path("<str:public_id>/edit/", views.link_edit, name="edit"),
    path("<str:public_id>/qr/", views.link_qr, name="qr"),
    path("<str:public_id>/qr/print/", views.link_qr_print, name="qr_print"),
    path("<str:public_id>/issues/", views.link_issues, name="issues"),
    path("<str:public_id>/payments/", views.link_payments, name="payments"),
    path("<str:public_id>/attempts/", views.link_attempts, name="attempts"),
    path("<str:public_id>/remind/", views.link_remind, name="remind"),
    path("<str:public_id>/send/", views.link_send_view, name="send"),
    path(
        "<str:public_id>/send-reminder/",
        views.link_send_view,
        {"reminder": True},
        name="send_reminder",
    ),
    path("<str:public_id>/sms-consent/", views.link_sms_consent, name="sms_consent"),
    path("<str:public_id>/lift-limit/", views.link_lift_limit, name="lift_limit"),
    path(
        "<str:public_id>/deactivate/",
        views.link_set_active,
        {"active": False},
        name="deactivate",
    ),
    path("<str:public_id>/activate/", views.link_set_active, {"active": True}, name="activate"),
]
