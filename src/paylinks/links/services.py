"""Every change to a payment link. Business rules live here, once."""

import datetime
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from paylinks.core.text import length_errors, single_line
from paylinks.links.models import MAX_PAYMENTS_LIMIT, PaymentLink
from paylinks.links.selectors import link_is_used
from paylinks.merchants.models import AuditEvent, Merchant
from paylinks.merchants.services import audit_record
from paylinks.money import MAX_AMOUNT_MAJOR, minor_digits
from paylinks.webhooks.services import event_record

# What the merchant may set on a link, at creation and (while unused) by editing.
EDITABLE = (
    "amount",
    "description",
    "show_business_name",
    "allow_card",
    "allow_bank_transfer",
    "collect_delivery",
    "customer_name",
    "customer_email",
    "customer_phone",
    "expires_on",
    "max_payments",
    "inactive_message",
)

TEXT_FIELDS = (
    "description",
    "customer_name",
    "customer_email",
    "customer_phone",
    "inactive_message",
)


def _require_payments_account(merchant: Merchant) -> None:
    if not merchant.can_take_payments:
        raise ValidationError(
            _("An approved payments account is needed to create and use payment links.")
        )


def _processor_methods(merchant: Merchant) -> tuple[str, ...]:
    from paylinks.processors.base import get_processor

    return get_processor(merchant).methods


def _clean(merchant: Merchant, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise link fields; raise ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    amount = fields["amount"]
    if not isinstance(amount, int) or amount <= 0:
        errors["amount"] = _("The amount must be greater than zero.")
    elif amount > MAX_AMOUNT_MAJOR * 10 ** minor_digits(merchant.currency):
        errors["amount"] = _("The amount is too large.")
    # Every text field is one line: a line break typed here would start a line of the
    # typist's choosing in the emails and exports that show it.
    for name in TEXT_FIELDS:
        fields[name] = single_line(fields.get(name) or "").strip()
    if not fields["description"]:
        errors["description"] = _("Enter a description.")
    if not (fields["allow_card"] or fields["allow_bank_transfer"]):
        errors["allow_card"] = _("Offer at least one payment method.")
    elif fields["allow_bank_transfer"] and "bank_transfer" not in _processor_methods(merchant):
        errors["allow_bank_transfer"] = _(
            "Your payment processor takes cards only: bank transfers cannot be offered."
        )
    max_payments = fields["max_payments"]
    if kind == PaymentLink.Kind.MULTI:
        if fields["customer_name"] or fields["customer_email"] or fields["customer_phone"]:
            errors["customer_name"] = _("A multi-use link does not name a customer.")
        if max_payments is not None and (not isinstance(max_payments, int) or max_payments < 1):
            errors["max_payments"] = _("The maximum number of payments must be at least 1.")
        elif max_payments is not None and max_payments > MAX_PAYMENTS_LIMIT:
            errors["max_payments"] = _(
                "The maximum number of payments cannot be more than %(limit)s."
            ) % {"limit": MAX_PAYMENTS_LIMIT}
    else:
        if fields["max_payments"] is not None:
            errors["max_payments"] = _("A single-use link is paid once.")
        if fields["customer_email"]:
            try:
                validate_email(fields["customer_email"])
            except ValidationError:
                errors["customer_email"] = _("Enter a valid email address.")
        if fields["customer_phone"]:
            try:
                number = phonenumbers.parse(fields["customer_phone"], "CA")
                if not phonenumbers.is_valid_number(number):
                    raise phonenumbers.NumberParseException(0, "invalid")
                fields["customer_phone"] = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.E164
                )
            except phonenumbers.NumberParseException:
                errors["customer_phone"] = _("Enter a valid phone number.")
    expires_on = fields["expires_on"]
    if expires_on is not None and expires_on < timezone.localdate():
        errors["expires_on"] = _("The expiry date cannot be in the past.")
    # Lengths last, on the normalised values (a phone number is stored as E.164).
    for name, error in length_errors(PaymentLink, {n: fields[n] for n in TEXT_FIELDS}).items():
        errors.setdefault(name, error)
    if errors:
        raise ValidationError(errors)
    return fields


def link_create(
    *,
    merchant: Merchant,
    kind: str,
    amount: int,
    description: str,
    show_business_name: bool = True,
    allow_card: bool = True,
    allow_bank_transfer: bool = False,
    collect_delivery: bool = False,
    customer_name: str = "",
    customer_email: str = "",
    customer_phone: str = "",
    expires_on: datetime.date | None = None,
    max_payments: int | None = None,
    inactive_message: str = "",
) -> PaymentLink:
    _require_payments_account(merchant)
    if kind not in PaymentLink.Kind.values:
        raise ValidationError({"kind": _("Choose single-use or multi-use.")})
    fields = _clean(
        merchant,
        kind,
        {
            "amount": amount,
            "description": description,
            "show_business_name": show_business_name,
            "allow_card": allow_card,
            "allow_bank_transfer": allow_bank_transfer,
            "collect_delivery": collect_delivery,
            "customer_name": customer_name,
            "customer_email": customer_email,
            "customer_phone": customer_phone,
            "expires_on": expires_on,
            "max_payments": max_payments,
            "inactive_message": inactive_message,
        },
    )
    with transaction.atomic():
        link = PaymentLink.objects.create(
            merchant=merchant, kind=kind, currency=merchant.currency, **fields
        )
        audit_record(
            merchant=merchant, action=AuditEvent.Action.LINK_CREATED, target=link.public_id
        )
        event_record(merchant=merchant, type="payment_link.created", obj=link)
    return link


def link_update(*, link: PaymentLink, **changes: Any) -> PaymentLink:
    """Edit a link that has not been used: no payment, none pending."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    _require_payments_account(link.merchant)
    with transaction.atomic():
        locked = PaymentLink.objects.select_for_update().get(pk=link.pk)
        if link_is_used(link=locked):
            raise ValidationError(
                _("This link has been used: it can no longer be edited."), code="link_used"
            )
        if not locked.is_active:
            raise ValidationError(
                _("This link is deactivated: reactivate it to edit it."), code="link_inactive"
            )
        fields = {name: getattr(locked, name) for name in EDITABLE} | changes
        fields = _clean(locked.merchant, locked.kind, fields)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        audit_record(
            merchant=locked.merchant, action=AuditEvent.Action.LINK_UPDATED, target=link.public_id
        )
        event_record(merchant=locked.merchant, type="payment_link.updated", obj=locked)
    return locked


def _set_active(link: PaymentLink, active: bool) -> PaymentLink:
    with transaction.atomic():
        link.is_active = active
        link.save(update_fields=["is_active", "updated_at"])
        action = AuditEvent.Action.LINK_ACTIVATED if active else AuditEvent.Action.LINK_DEACTIVATED
        audit_record(merchant=link.merchant, action=action, target=link.public_id)
        kind = "payment_link.activated" if active else "payment_link.deactivated"
        event_record(merchant=link.merchant, type=kind, obj=link)
    return link


def link_deactivate(*, link: PaymentLink) -> PaymentLink:
    return _set_active(link, False)


def link_activate(*, link: PaymentLink) -> PaymentLink:
    _require_payments_account(link.merchant)
    return _set_active(link, True)
