from django.urls import path

from paylinks.receipts import refund_views as views

app_name = "refunds"
urlpatterns = [
    path("payments/<str:public_id>/", views.payment_detail, name="payment"),
    path("payments/<str:public_id>/refund/", views.payment_refund, name="refund"),
    path("refund-receipts/", views.refund_receipt_list, name="list"),
    path("refund-receipts/<str:public_id>/", views.refund_receipt_detail, name="detail"),
    path("refund-receipts/<str:public_id>/pdf/", views.refund_receipt_pdf_view, name="pdf"),
]
