from django.urls import path

from paylinks.books import views

app_name = "books"
urlpatterns = [
    path("exports/", views.exports, name="exports"),
    path("totals/", views.totals, name="totals"),
    path("payouts/", views.payout_list, name="payouts"),
    path("payouts/<str:public_id>/", views.payout_detail, name="payout"),
    path("payouts/<str:public_id>/refunds/", views.payout_refunds, name="payout_refunds"),
]
