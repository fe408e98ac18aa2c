from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from paylinks.merchants import services
from paylinks.merchants.models import Merchant, PaymentsAccount, User


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["business_name", "public_id", "locale", "currency", "created_at"]
    search_fields = ["business_name", "public_id", "users__email"]
    readonly_fields = ["public_id", "last_receipt_number", "created_at"]


class PaymentsAccountForm(forms.ModelForm):
    class Meta:
        model = PaymentsAccount
        fields = ["status", "rejection_reason"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("status") == PaymentsAccount.Status.REJECTED
            and not (data.get("rejection_reason") or "").strip()
        ):
            self.add_error("rejection_reason", _("Give the merchant a reason."))
        return data


@admin.register(PaymentsAccount)
class PaymentsAccountAdmin(admin.ModelAdmin):
    """Operators decide here: the status and, for a rejection, the reason the merchant sees."""

    form = PaymentsAccountForm
    list_display = ["legal_name", "merchant", "status", "country", "submitted_at", "decided_at"]
    list_filter = ["status", "country"]
    search_fields = ["legal_name", "merchant__business_name"]
    readonly_fields = [
        "merchant",
        "legal_name",
        "country",
        "business_type",
        "institution_number",
        "transit_number",
        "account_last4",
        "submitted_at",
        "decided_at",
    ]
    actions = ["approve"]

    def save_model(self, request: HttpRequest, obj: PaymentsAccount, form: Any, change: bool):
        if obj.status == PaymentsAccount.Status.APPROVED:
            services.payments_account_approve(account=obj)
        elif obj.status == PaymentsAccount.Status.REJECTED:
            services.payments_account_reject(account=obj, reason=obj.rejection_reason)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve the selected applications"))
    def approve(self, request: HttpRequest, queryset: QuerySet[PaymentsAccount]) -> None:
        for account in queryset:
            services.payments_account_approve(account=account)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "merchant", "is_staff", "is_active"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password", "merchant", "locale")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
