from django.contrib import admin

from paylinks.core.admin_readonly import ReadOnlyAdmin
from paylinks.receipts.models import Refund, RefundReceipt, SalesReceipt


@admin.register(SalesReceipt)
class SalesReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "merchant", "date", "customer_name", "amount", "currency"]
    list_filter = ["merchant"]
    search_fields = ["public_id", "customer_name", "description"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Read-only: refunds are made from the dashboard or the API (the service's rules)."""

    list_display = ["public_id", "merchant", "amount", "currency", "status", "source", "created_at"]
    list_filter = ["status", "source", "merchant"]
    search_fields = ["public_id", "processor_ref"]


@admin.register(RefundReceipt)
class RefundReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "merchant", "date", "customer_name", "amount", "currency"]
    list_filter = ["merchant"]
    search_fields = ["public_id", "customer_name", "description"]
