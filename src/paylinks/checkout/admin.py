from django.contrib import admin

from paylinks.checkout.models import Attempt, Payment
from paylinks.core.admin_readonly import ReadOnlyAdmin


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "merchant", "link", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "method"]
    search_fields = ["public_id", "payer_email", "processor_ref"]
    exclude = ["token"]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "merchant", "link", "outcome", "failure_code", "created_at"]
    list_filter = ["outcome", "failure_code", "method"]
    search_fields = ["public_id", "payer_email", "client_ip"]
