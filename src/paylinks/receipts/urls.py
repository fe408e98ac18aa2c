from django.urls import path

from paylinks.receipts import views

app_name = "receipts"
urlpatterns = [
    path("", views.receipt_list, name="list"),
    path("<str:public_id>/", views.receipt_detail, name="detail"),
    path("<str:public_id>/pdf/", views.receipt_pdf_view, name="pdf"),
]
