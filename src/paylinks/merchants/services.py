from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from paylinks.core import counters
from paylinks.core.audit import current_actor
from paylinks.merchants.models import AuditEvent, Merchant, PaymentsAccount, User
from paylinks.webhooks.services import event_record


def audit_record(*, merchant: Merchant, action: str, target: str = "") -> AuditEvent:
    """Record a merchant-side action, by whoever is acting now (see core.audit)."""
    actor = current_actor()
    return AuditEvent.objects.create(
        merchant=merchant, actor=actor.who, ip=actor.ip, action=action, target=target
    )


def merchant_signup(
    *, business_name: str, email: str, password: str, locale: str, currency: str
) -> User:
    """A new merchant and its first user. Raises ValidationError naming the field."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email already exists.")})
    if locale not in dict(settings.LANGUAGES):
        raise ValidationError({"locale": _("Choose French or English.")})
    if currency not in settings.CURRENCIES:
        raise ValidationError({"currency": _("This currency is not supported.")})
    business_name = business_name.strip()
    if not business_name:
        raise ValidationError({"business_name": _("Enter the business name.")})
    try:
        validate_password(password, User(email=email))
    except ValidationError as e:
        raise ValidationError({"password": e.messages}) from e
    with transaction.atomic():
        merchant = Merchant.objects.create(
            business_name=business_name, locale=locale, currency=currency
        )
        user = User.objects.create_user(
            email=email, password=password, merchant=merchant, locale=locale
        )
        audit_record(merchant=merchant, action=AuditEvent.Action.SIGNUP, target=email)
        return user


def password_changed(*, user: User) -> None:
    """Django's view changes the password; this records it."""
    if user.merchant is not None:
        audit_record(merchant=user.merchant, action=AuditEvent.Action.PASSWORD_CHANGED)


def payments_account_apply(
    *,
    merchant: Merchant,
    legal_name: str,
    country: str,
    business_type: str,
    institution_number: str,
    transit_number: str,
    account_number: str,
) -> PaymentsAccount:
    """Apply (or apply again after a rejection). The sandbox approves at once.

    Of the deposit account only the last four digits are kept.
    """
    errors = {}
    if not (institution_number.isdigit() and len(institution_number) == 3):
        errors["institution_number"] = _("The institution number has 3 digits.")
    if not (transit_number.isdigit() and len(transit_number) == 5):
        errors["transit_number"] = _("The transit number has 5 digits.")
    if not (account_number.isdigit() and 7 <= len(account_number) <= 12):
        errors["account_number"] = _("The account number has 7 to 12 digits.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        account = PaymentsAccount.objects.select_for_update().filter(merchant=merchant).first()
        if account is not None and account.status != PaymentsAccount.Status.REJECTED:
            raise ValidationError(_("This merchant already has a payments account."))
        account = account or PaymentsAccount(merchant=merchant)
        account.legal_name = legal_name.strip()
        account.country = country
        account.business_type = business_type
        account.institution_number = institution_number
        account.transit_number = transit_number
        account.account_last4 = account_number[-4:]
        account.status = PaymentsAccount.Status.PENDING
        account.rejection_reason = ""
        account.decided_at = None
        account.save()
        audit_record(merchant=merchant, action=AuditEvent.Action.ACCOUNT_APPLIED)
        if settings.PROCESSOR == "sandbox":
            payments_account_approve(account=account)
    return account


def payments_account_approve(*, account: PaymentsAccount) -> PaymentsAccount:
    account.status = PaymentsAccount.Status.APPROVED
    account.rejection_reason = ""
    account.decided_at = timezone.now()
    account.save(update_fields=["status", "rejection_reason", "decided_at"])
    audit_record(merchant=account.merchant, action=AuditEvent.Action.ACCOUNT_APPROVED)
    event_record(merchant=account.merchant, type="payment_account.approved", obj=account)
    return account


def payments_account_reject(*, account: PaymentsAccount, reason: str) -> PaymentsAccount:
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Give the merchant a reason.")})
    account.status = PaymentsAccount.Status.REJECTED
    account.rejection_reason = reason.strip()
    account.decided_at = timezone.now()
    account.save(update_fields=["status", "rejection_reason", "decided_at"])
    audit_record(merchant=account.merchant, action=AuditEvent.Action.ACCOUNT_REJECTED)
    event_record(merchant=account.merchant, type="payment_account.rejected", obj=account)
    return account


def _login_keys(email: str, ip: str | None) -> list[str]:
    found = [f"login:email:{email.strip().lower()}"]
    if ip:
        found.append(f"login:ip:{ip}")
    return found


def login_locked(*, email: str, ip: str | None) -> bool:
    """Too many failed logins for this email (or from this address) lately."""
    store = counters.counter()
    email_key, *ip_key = _login_keys(email, ip)
    window = settings.LOGIN_LOCKOUT_SECONDS
    if store.count(email_key, window) >= settings.LOGIN_MAX_FAILURES:
        return True
    return bool(ip_key) and store.count(ip_key[0], window) >= settings.LOGIN_MAX_FAILURES_PER_IP


def login_record_failure(*, email: str, ip: str | None) -> None:
    counters.counter().add(_login_keys(email, ip))


def login_record_success(*, email: str) -> None:
    counters.counter().clear(_login_keys(email, None))
