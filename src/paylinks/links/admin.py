from django.contrib import admin

from paylinks.core.admin_readonly import ReadOnlyAdmin
from paylinks.links.models import PaymentLink


@admin.register(PaymentLink)
class PaymentLinkAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "merchant", "kind", "amount", "currency", "state", "is_active"]
    list_filter = ["kind", "state", "is_active"]
    search_fields = ["public_id", "description", "merchant__business_name"]
    exclude = ["token"]  # the link's secret
