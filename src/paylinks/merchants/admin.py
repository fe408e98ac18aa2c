"""Operators look at merchants and users; the one decision they take here (a payments
account application) goes through the services, so its rules and the audit log apply."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from paylinks.core.admin_readonly import ReadOnlyAdmin
from paylinks.core.forms import apply_service_errors
from paylinks.merchants import services
from paylinks.merchants.forms import AdminLoginForm
from paylinks.merchants.models import Merchant, PaymentsAccount, User

# The operators' login is throttled like the merchants'.
admin.site.login_form = AdminLoginForm


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyAdmin):
    list_display = ["business_name", "public_id", "locale", "currency", "created_at"]
    search_fields = ["business_name", "public_id", "users__email"]


class PaymentsAccountForm(forms.ModelForm):
    class Meta:
        model = PaymentsAccount
        fields = ["status", "rejection_reason"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # self.instance still holds the stored values here: the rule is the service's.
        if data.get("status") and data["status"] != self.instance.status:
            try:
                services.payments_account_check_decision(
                    account=self.instance,
                    status=data["status"],
                    reason=data.get("rejection_reason") or "",
                )
            except ValidationError as e:
                apply_service_errors(self, e)
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # merchants apply from their dashboard

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PaymentsAccount, form: Any, change: bool):
        """Only a decision is saved, by the services (which check it and audit it)."""
        if "status" not in form.changed_data:
            return
        if obj.status == PaymentsAccount.Status.APPROVED:
            services.payments_account_approve(account=obj)
        elif obj.status == PaymentsAccount.Status.REJECTED:
            services.payments_account_reject(account=obj, reason=obj.rejection_reason)

    @admin.action(description=_("Approve the selected applications"))
    def approve(self, request: HttpRequest, queryset: QuerySet[PaymentsAccount]) -> None:
        for account in queryset:
            try:
                services.payments_account_approve(account=account)
            except ValidationError as e:
                self.message_user(request, f"{account}: {' '.join(e.messages)}", messages.WARNING)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, BaseUserAdmin):
    """Read-only: moving a user to another merchant or changing what they may do would
    bypass the services and the audit log. Operators are created with
    `paylinks manage createsuperuser`."""

    ordering = ["email"]
    list_display = ["email", "merchant", "is_staff", "is_active"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "merchant", "locale")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
