import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from paylinks.core import counters
from paylinks.core.audit import current_actor
from paylinks.core.text import length_errors, max_length, single_line
from paylinks.merchants.models import COUNTRIES, AuditEvent, Merchant, PaymentsAccount, User
from paylinks.webhooks.services import event_record


def audit_record(*, merchant: Merchant, action: str, target: str = "") -> AuditEvent:
    """Record a merchant-side action, by whoever is acting now (see core.audit)."""
    actor = current_actor()
    return AuditEvent.objects.create(
        merchant=merchant,
        actor=actor.who[: max_length(AuditEvent, "actor")],
        ip=actor.ip,
        action=action,
        target=single_line(target)[: max_length(AuditEvent, "target")],
    )


def merchant_signup(
    *, business_name: str, email: str, password: str, locale: str, currency: str
) -> User:
    """A new merchant and its first user. Raises ValidationError naming the field."""
    email = User.objects.normalize_email(single_line(email).strip()).lower()
    business_name = single_line(business_name).strip()
    errors = length_errors(User, {"email": email})
    errors |= length_errors(Merchant, {"business_name": business_name})
    if errors:
        raise ValidationError(errors)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email already exists.")})
    if locale not in dict(settings.LANGUAGES):
        raise ValidationError({"locale": _("Choose French or English.")})
    if currency not in settings.CURRENCIES:
        raise ValidationError({"currency": _("This currency is not supported.")})
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
    stripe_secret_key: str = "",
    stripe_publishable_key: str = "",
    stripe_webhook_secret: str = "",
) -> PaymentsAccount:
    """Apply (or apply again after a rejection). The sandbox approves at once; with Stripe,
    the merchant's own account (or the instance-wide one) is checked with a live call
    first, and an operator decides.

    Of the deposit account only the last four digits are kept.
    """
    legal_name = single_line(legal_name).strip()
    errors = length_errors(PaymentsAccount, {"legal_name": legal_name})
    if not legal_name:
        errors["legal_name"] = _("Enter the legal business name.")
    if country not in dict(COUNTRIES):
        errors["country"] = _("Choose a country from the list.")
    if business_type not in PaymentsAccount.BusinessType.values:
        errors["business_type"] = _("Choose a business type from the list.")
    # ASCII digits only: str.isdigit() would take other scripts' digits and superscripts.
    if not re.fullmatch(r"[0-9]{3}", institution_number):
        errors["institution_number"] = _("The institution number has 3 digits.")
    if not re.fullmatch(r"[0-9]{5}", transit_number):
        errors["transit_number"] = _("The transit number has 5 digits.")
    if not re.fullmatch(r"[0-9]{7,12}", account_number):
        errors["account_number"] = _("The account number has 7 to 12 digits.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        account = PaymentsAccount.objects.select_for_update().filter(merchant=merchant).first()
        if account is not None and account.status != PaymentsAccount.Status.REJECTED:
            raise ValidationError(_("This merchant already has a payments account."))
        account = account or PaymentsAccount(merchant=merchant)
        account.legal_name = legal_name
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
            account.refresh_from_db()  # the caller's merchant holds this very instance
        elif settings.PROCESSOR == "stripe":
            account = payments_account_connect_stripe(
                account=account,
                secret_key=stripe_secret_key,
                publishable_key=stripe_publishable_key,
                webhook_secret=stripe_webhook_secret,
            )
    return account


def payments_account_connect_stripe(
    *, account: PaymentsAccount, secret_key: str, publishable_key: str, webhook_secret: str
) -> PaymentsAccount:
    """Connect the merchant's own Stripe account (or, with no keys given, the instance-wide
    one from the environment): the keys are checked with a live call, stored encrypted and
    never shown again in full; test keys put the account in test mode. The application
    then waits for an operator's decision, as with any real processor. Raises
    ValidationError naming the field."""
    from paylinks.processors.base import ProcessorError
    from paylinks.processors.stripe import StripeProcessor, is_test_key

    secret_key, publishable_key = secret_key.strip(), publishable_key.strip()
    webhook_secret = webhook_secret.strip()
    own = bool(secret_key or publishable_key or webhook_secret)
    if not own:
        if not settings.STRIPE_SECRET_KEY:
            raise ValidationError({"stripe_secret_key": _("Enter your Stripe secret key.")})
        secret_key, publishable_key = settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY
        webhook_secret = settings.STRIPE_WEBHOOK_SECRET
    errors = {}
    if not secret_key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
        errors["stripe_secret_key"] = _("A Stripe secret key starts with sk_ (or rk_).")
    if not publishable_key.startswith(("pk_test_", "pk_live_")):
        errors["stripe_publishable_key"] = _("A Stripe publishable key starts with pk_.")
    elif secret_key and is_test_key(secret_key) != is_test_key(publishable_key):
        errors["stripe_publishable_key"] = _("Use keys of the same mode (test or live).")
    if own and not webhook_secret.startswith("whsec_"):
        errors["stripe_webhook_secret"] = _("A webhook signing secret starts with whsec_.")
    if errors:
        raise ValidationError(errors)
    try:
        StripeProcessor(
            secret_key=secret_key, publishable_key=publishable_key, webhook_secret=webhook_secret
        ).check()
    except ProcessorError as e:
        raise ValidationError(
            {"stripe_secret_key": _("Stripe refused this key: %(reason)s") % {"reason": e}}
        ) from e
    with transaction.atomic():
        account.processor = "stripe"
        account.stripe_secret_key = secret_key if own else ""
        account.stripe_publishable_key = publishable_key if own else ""
        account.stripe_webhook_secret = webhook_secret if own else ""
        account.test_mode = is_test_key(secret_key)
        account.save(
            update_fields=[
                "processor",
                "stripe_secret_key",
                "stripe_publishable_key",
                "stripe_webhook_secret",
                "test_mode",
            ]
        )
        audit_record(merchant=account.merchant, action=AuditEvent.Action.ACCOUNT_CONNECTED)
    return account


def payments_account_check_decision(
    *, account: PaymentsAccount, status: str, reason: str = ""
) -> None:
    """The operator's decisions: an application under review is approved or rejected
    (with a reason the merchant sees); a rejected one may still be approved. Nothing
    else: an account goes back under review only when its merchant applies again."""
    current = account.status
    if status == PaymentsAccount.Status.APPROVED:
        if current == PaymentsAccount.Status.APPROVED:
            raise ValidationError({"status": _("This payments account is already approved.")})
    elif status == PaymentsAccount.Status.REJECTED:
        if current != PaymentsAccount.Status.PENDING:
            raise ValidationError({"status": _("Only an application under review is rejected.")})
        if not reason.strip():
            raise ValidationError({"rejection_reason": _("Give the merchant a reason.")})
    else:
        raise ValidationError(
            {"status": _("An application goes back under review only when the merchant applies.")}
        )


def payments_account_approve(*, account: PaymentsAccount) -> PaymentsAccount:
    with transaction.atomic():
        locked = PaymentsAccount.objects.select_for_update().get(pk=account.pk)
        payments_account_check_decision(account=locked, status=PaymentsAccount.Status.APPROVED)
        locked.status = PaymentsAccount.Status.APPROVED
        locked.rejection_reason = ""
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "rejection_reason", "decided_at"])
        audit_record(merchant=locked.merchant, action=AuditEvent.Action.ACCOUNT_APPROVED)
        event_record(merchant=locked.merchant, type="payment_account.approved", obj=locked)
    return locked


def payments_account_reject(*, account: PaymentsAccount, reason: str) -> PaymentsAccount:
    with transaction.atomic():
        locked = PaymentsAccount.objects.select_for_update().get(pk=account.pk)
        payments_account_check_decision(
            account=locked, status=PaymentsAccount.Status.REJECTED, reason=reason
        )
        locked.status = PaymentsAccount.Status.REJECTED
        locked.rejection_reason = reason.strip()
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "rejection_reason", "decided_at"])
        audit_record(merchant=locked.merchant, action=AuditEvent.Action.ACCOUNT_REJECTED)
        event_record(merchant=locked.merchant, type="payment_account.rejected", obj=locked)
    return locked


def _login_keys(email: str, ip: str | None) -> list[str]:
    found = [f"login:email:{single_line(email).strip().lower()}"]
    if ip:
        found.append(f"login:ip:{ip}")
    return found


def _login_limits(email: str, ip: str | None) -> dict[str, int]:
    email_key, *ip_key = _login_keys(email, ip)
    limits = {email_key: settings.LOGIN_MAX_FAILURES}
    if ip_key:
        limits[ip_key[0]] = settings.LOGIN_MAX_FAILURES_PER_IP
    return limits


def login_locked(*, email: str, ip: str | None) -> bool:
    """Too many failed logins for this email (or from this address) lately."""
    store = counters.counter()
    window = settings.LOGIN_LOCKOUT_SECONDS
    return any(store.count(key, window) >= limit for key, limit in _login_limits(email, ip).items())


def login_reserve(*, email: str, ip: str | None) -> str | None:
    """Take a slot for one password guess BEFORE checking it, or None when the account
    (or the address) has had its share of guesses lately: however many guesses arrive
    together, at most LOGIN_MAX_FAILURES per account are checked in the window. The slot
    stays as the failure if the guess is wrong; ``login_record_success`` gives it back."""
    return counters.counter().reserve(_login_limits(email, ip), settings.LOGIN_LOCKOUT_SECONDS)


def login_record_failure(*, email: str, ip: str | None) -> None:
    counters.counter().add(_login_keys(email, ip))


def login_record_success(*, email: str, ip: str | None = None, token: str = "") -> None:
    """The right password: the account's failures are forgotten, and the address's slot
    taken by ``login_reserve`` is given back (it was not a failure)."""
    store = counters.counter()
    email_key, *ip_key = _login_keys(email, ip)
    store.clear([email_key])
    if token and ip_key:
        store.release(ip_key, token)


def merchant_customise(
    *,
    merchant: Merchant,
    business_name: str,
    accent_color: str = "",
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> Merchant:
    """The business name, accent colour and logo the hosted page, the QR print page and
    the emails show. Raises ValidationError naming the field."""
    from paylinks.merchants import branding
    from paylinks.merchants.models import MerchantLogo

    business_name = single_line(business_name).strip()
    errors: dict[str, str] = dict(length_errors(Merchant, {"business_name": business_name}))
    if not business_name:
        errors["business_name"] = _("Enter the business name.")
    try:
        accent = branding.accent_clean(accent_color)
    except ValueError as e:
        errors["accent_color"] = str(e)
    new_logo = None
    if logo is not None and not remove_logo:
        try:
            new_logo = branding.logo_from_upload(logo)
        except ValueError as e:
            errors["logo"] = str(e)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        merchant.business_name, merchant.accent_color = business_name, accent
        if remove_logo:
            MerchantLogo.objects.filter(merchant=merchant).delete()
            merchant.logo_version = ""
        elif new_logo is not None:
            MerchantLogo.objects.update_or_create(
                merchant=merchant,
                defaults={"png": new_logo.png, "width": new_logo.width, "height": new_logo.height},
            )
            merchant.logo_version = new_logo.version
        merchant.save(update_fields=["business_name", "accent_color", "logo_version"])
        audit_record(merchant=merchant, action=AuditEvent.Action.CUSTOMISED)
    return merchant
