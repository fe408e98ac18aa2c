from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from paylinks.core.crypto import EncryptedTextField
from paylinks.core.ids import new_id

# Where a payments account may be opened (the application form offers these).
COUNTRIES = [("CA", _("Canada")), ("US", _("United States")), ("FR", _("France"))]


def merchant_id() -> str:
    return new_id("mer")


def account_id() -> str:
    return new_id("acct")


class Merchant(models.Model):
    public_id = models.CharField(max_length=40, unique=True, editable=False, default=merchant_id)
    business_name = models.CharField(_("business name"), max_length=200)
    locale = models.CharField(_("language"), max_length=5, default="en")
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    # Last sales receipt number handed out; incremented under a row lock.
    last_receipt_number = models.PositiveIntegerField(default=0, editable=False)
    # Last refund receipt number handed out (its own sequence), likewise.
    last_refund_receipt_number = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Customisation: the hosted page, the QR print page and the emails use them. The
    # logo's bytes live in MerchantLogo (not loaded with every merchant); its digest here
    # names its URL, so a new logo is a new URL.
    accent_color = models.CharField(_("accent colour"), max_length=7, blank=True)
    logo_version = models.CharField(max_length=16, blank=True, editable=False)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self) -> str:
        return self.business_name

    @property
    def logo_url(self) -> str:
        if not self.logo_version:
            return ""
        return f"/brand/{self.public_id}/logo-{self.logo_version}.png"

    @property
    def theme_url(self) -> str:
        if not self.accent_color:
            return ""
        return f"/brand/{self.public_id}/theme-{self.accent_color.lstrip('#').lower()}.css"

    @property
    def can_take_payments(self) -> bool:
        account = getattr(self, "payments_account", None)
        return account is not None and account.status == PaymentsAccount.Status.APPROVED


class MerchantLogo(models.Model):
    """The merchant's logo as paylinks re-encoded it (PNG, at most 512 px a side)."""

    merchant = models.OneToOneField(
        Merchant, primary_key=True, on_delete=models.CASCADE, related_name="logo"
    )
    png = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in. Merchant users belong to one merchant; operators to none."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    locale = models.CharField(_("language"), max_length=5, default="en")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = UserManager()  # type: ignore[assignment,misc]

    def __str__(self) -> str:
        return self.email


class PaymentsAccount(models.Model):
    """A merchant's application to take payments, and its decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class BusinessType(models.TextChoices):
        SOLE_PROPRIETOR = "sole_proprietor", _("Sole proprietor")
        PARTNERSHIP = "partnership", _("Partnership")
        CORPORATION = "corporation", _("Corporation")
        NON_PROFIT = "non_profit", _("Non-profit organisation")

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=account_id)
    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="payments_account"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    legal_name = models.CharField(_("legal business name"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    business_type = models.CharField(_("business type"), max_length=20, choices=BusinessType)
    # Only what identifies the deposit account to a person: never the full number.
    institution_number = models.CharField(_("institution number"), max_length=3)
    transit_number = models.CharField(_("transit number"), max_length=5)
    account_last4 = models.CharField(_("account number (last 4 digits)"), max_length=4)
    rejection_reason = models.TextField(_("reason"), blank=True)
    # Which processor takes this merchant's payments ("" = the instance's PAYLINKS_PROCESSOR).
    processor = models.CharField(max_length=20, blank=True)
    # The merchant's own Stripe account (empty: the instance-wide one from the environment).
    stripe_secret_key = EncryptedTextField(blank=True)
    stripe_publishable_key = models.CharField(max_length=255, blank=True)
    stripe_webhook_secret = EncryptedTextField(blank=True)
    test_mode = models.BooleanField(default=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payments account")
        verbose_name_plural = _("payments accounts")

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.get_status_display()})"

    @property
    def stripe_secret_key_hint(self) -> str:
        """The key as a person may see it again: its kind and last four characters."""
        key = self.stripe_secret_key
        return f"{key[:8]}…{key[-4:]}" if key else ""


class AuditEvent(models.Model):
    """A merchant-side action: who, what, when, from where."""

    class Action(models.TextChoices):
        SIGNUP = "signup", _("Signed up")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGED = "password_changed", _("Changed the password")
        ACCOUNT_APPLIED = "account_applied", _("Applied for a payments account")
        ACCOUNT_APPROVED = "account_approved", _("Payments account approved")
        ACCOUNT_REJECTED = "account_rejected", _("Payments account rejected")
        ACCOUNT_CONNECTED = "account_connected", _("Connected a Stripe account")
        LINK_CREATED = "link_created", _("Created a payment link")
        LINK_UPDATED = "link_updated", _("Edited a payment link")
        LINK_DEACTIVATED = "link_deactivated", _("Deactivated a payment link")
        LINK_ACTIVATED = "link_activated", _("Reactivated a payment link")
        LINK_REMINDER = "link_reminder", _("Sent a reminder")
        LINK_PAUSE_LIFTED = "link_pause_lifted", _("Lifted a payment pause")
        PAYMENT_DELIVERED = "payment_delivered", _("Marked a payment as delivered")
        CUSTOMISED = "customised", _("Changed the business settings")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.CharField(_("who"), max_length=254)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    action = models.CharField(_("what"), max_length=30, choices=Action.choices)
    target = models.CharField(_("on"), max_length=254, blank=True)  # an email fits
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.target}"
