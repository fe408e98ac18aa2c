from django.contrib import admin

from paylinks.core.admin_readonly import ReadOnlyAdmin
from paylinks.receipts.models import SalesReceipt


@admin.register(SalesReceipt)
class SalesReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "merchant", "date", "customer_name", "amount", "currency"]
    list_filter = ["merchant"]
    search_fields = ["public_id", "customer_name", "description"]
