from django.urls import path

from paylinks.notifications import views

app_name = "notifications"
urlpatterns = [path("inbound/", views.sms_inbound, name="sms_inbound")]
