from django.urls import path

from paylinks.api import views

app_name = "apikeys"
urlpatterns = [
    path("", views.key_list, name="list"),
    path("<str:public_id>/revoke/", views.key_revoke, name="revoke"),
]
