"""Request and response schemas of /api/v1 (what the OpenAPI document publishes)."""

import datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)

from paylinks.money import MAX_AMOUNT_MAJOR
from paylinks.webhooks.services import EVENT_TYPES


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def Text(max_length: int) -> type[str]:  # noqa: N802 (reads like a type in the schemas)
    return Annotated[str, Field(max_length=max_length), AfterValidator(_no_nul)]  # type: ignore[return-value]


ObjectId = Annotated[str, Field(max_length=40, pattern=r"^[a-z]{2,8}_[a-z0-9]{1,32}$")]
Amount = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT_MAJOR * 1000)]
Count = Annotated[StrictInt, Field(ge=1, le=1_000_000)]
UnixTime = Annotated[int, Field(ge=0, le=253402300799)]


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
    ):
        raise ValueError("give whole Unix seconds or an ISO 8601 date and time")
    return value


def _utc(value: datetime.datetime) -> datetime.datetime:
    """In UTC (PostgreSQL refuses offsets past ±16 h); a time without an offset is UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("date out of range") from None


IsoTime = Annotated[datetime.datetime, BeforeValidator(_not_a_number), AfterValidator(_utc)]
LinkStatus = Literal["active", "processing", "paid", "limit_reached", "expired", "deactivated"]


class Input(BaseModel):
    """Unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Error(BaseModel):
    type: str
    code: str
    message: str
    param: str | None


class ErrorResponse(BaseModel):
    error: Error


ERRORS: dict[int, type[BaseModel]] = {
    400: ErrorResponse,
    401: ErrorResponse,
    404: ErrorResponse,
    409: ErrorResponse,
    422: ErrorResponse,
}


class PaymentLinkCreate(Input):
    type: Literal["single", "multi"]
    amount: Amount = Field(description="In minor units of the merchant's currency (cents).")
    description: Text(500)  # type: ignore[valid-type]
    show_business_name: StrictBool = True
    allow_card: StrictBool = True
    allow_bank_transfer: StrictBool = False
    collect_delivery: StrictBool = False
    customer_name: Text(200) = ""  # type: ignore[valid-type]
    customer_email: Text(254) = ""  # type: ignore[valid-type]
    customer_phone: Text(30) = ""  # type: ignore[valid-type]
    expires_on: datetime.date | None = None
    max_payments: Count | None = None
    inactive_message: Text(500) = ""  # type: ignore[valid-type]


class PaymentLinkSend(Input):
    """Send the link to its customer: by email, or by text to a number whose consent is
    recorded (in the dashboard). ``to`` defaults to the link's customer email or phone."""

    channel: Literal["email", "sms"]
    to: Text(254) = ""  # type: ignore[valid-type]
    language: Literal["", "en", "fr"] = ""
    auto_remind: StrictBool = False


class PaymentLinkUpdate(Input):
    amount: Amount | None = None
    description: Text(500) | None = None  # type: ignore[valid-type]
    show_business_name: StrictBool | None = None
    allow_card: StrictBool | None = None
    allow_bank_transfer: StrictBool | None = None
    collect_delivery: StrictBool | None = None
    customer_name: Text(200) | None = None  # type: ignore[valid-type]
    customer_email: Text(254) | None = None  # type: ignore[valid-type]
    customer_phone: Text(30) | None = None  # type: ignore[valid-type]
    expires_on: datetime.date | None = None
    max_payments: Count | None = None
    inactive_message: Text(500) | None = None  # type: ignore[valid-type]


class PaymentLink(BaseModel):
    id: str
    object: Literal["payment_link"]
    livemode: bool
    url: str
    type: Literal["single", "multi"]
    status: LinkStatus
    active: bool
    amount: int
    currency: str
    description: str
    show_business_name: bool
    allow_card: bool
    allow_bank_transfer: bool
    collect_delivery: bool
    customer_name: str
    customer_email: str
    customer_phone: str
    expires_on: datetime.date | None
    max_payments: int | None
    inactive_message: str
    payments_count: int | None
    amount_collected: int | None
    created: int
    updated: int


class Payment(BaseModel):
    id: str
    object: Literal["payment"]
    livemode: bool
    payment_link: str
    status: Literal["pending", "succeeded", "failed"]
    amount: int
    currency: str
    method: Literal["card", "bank_transfer"]
    card_brand: str
    card_last4: str
    bank_last4: str
    failure_code: str
    payer_name: str
    payer_email: str
    delivery_status: Literal["", "to_deliver", "delivered"]
    sales_receipt: str | None
    created: int
    settled: int | None
    amount_refunded: int = Field(description="Refunds pending or done, in minor units.")
    fee: int | None = Field(description="What the processor kept, once known.")
    net: int | None = Field(description="``amount`` less ``fee``, once the fee is known.")


class PaymentAttempt(BaseModel):
    id: str
    object: Literal["payment_attempt"]
    payment_link: str
    outcome: Literal["processing", "succeeded", "pending", "failed"]
    failure_code: str
    failure_message: str
    method: Literal["card", "bank_transfer"]
    card_brand: str
    card_last4: str
    bank_last4: str
    amount: int
    currency: str
    payer_name: str
    payer_email: str
    created: int


class SalesReceipt(BaseModel):
    id: str
    object: Literal["sales_receipt"]
    livemode: bool
    number: int
    payment: str
    payment_link: str
    date: datetime.date
    customer_name: str
    customer_email: str
    description: str
    line_description: str
    amount: int
    currency: str
    payment_method: str
    created: int


class Payout(BaseModel):
    id: str
    object: Literal["payout"]
    livemode: bool
    amount: int = Field(description="Sent to the bank: payments less fees and refunds.")
    currency: str
    status: Literal["pending", "in_transit", "paid", "failed", "canceled"]
    arrival_date: datetime.date
    processor: str
    processor_ref: str
    gross: int
    fees: int
    refunds: int
    payments_count: int
    created: int


T = TypeVar("T")


class ListOf(BaseModel, Generic[T]):
    object: Literal["list"]
    url: str
    has_more: bool
    data: list[T]


_LISTS: dict[type, type] = {}


def list_of(item: type[BaseModel]) -> type[ListOf[Any]]:
    """The list of ``item``, named after it (``PaymentLinkList``) in the OpenAPI document,
    where pydantic would write ``ListOf_PaymentLink_``."""
    if item not in _LISTS:
        name = item.__name__.removesuffix("Out") + "List"
        _LISTS[item] = type(name, (ListOf[item],), {"__module__": __name__})  # type: ignore[valid-type]
    return _LISTS[item]


class Page(BaseModel):
    """Cursor pagination, newest first (``starting_after`` / ``ending_before`` take ids)."""

    limit: int = Field(10, ge=1, le=100)
    starting_after: ObjectId | None = None
    ending_before: ObjectId | None = None


class PaymentLinkFilters(Page):
    status: LinkStatus | None = None
    type: Literal["single", "multi"] | None = None
    created_gte: UnixTime | IsoTime | None = Field(
        None, description="Created at or after (Unix seconds, or ISO 8601: UTC without an offset)."
    )
    created_lt: UnixTime | IsoTime | None = Field(
        None, description="Created before (Unix seconds, or ISO 8601: UTC without an offset)."
    )


class AttemptFilters(Page):
    outcome: Literal["processing", "succeeded", "pending", "failed"] | None = Field(
        None, description="``failed`` lists the link's issues."
    )


class PaymentFilters(Page):
    payment_link: ObjectId | None = None
    status: Literal["pending", "succeeded", "failed"] | None = None


if TYPE_CHECKING:
    EventType = str
else:
    # Every type the webhooks record (one list: a new event type is subscribable at once).
    EventType = Literal[("*", *EVENT_TYPES)]


class WebhookEndpointCreate(Input):
    url: Text(2000)  # type: ignore[valid-type]
    enabled_events: list[EventType] = Field(min_length=1, max_length=20)
    description: Text(200) = ""  # type: ignore[valid-type]


class WebhookEndpointUpdate(Input):
    url: Text(2000) | None = None  # type: ignore[valid-type]
    enabled_events: list[EventType] | None = Field(None, min_length=1, max_length=20)
    description: Text(200) | None = None  # type: ignore[valid-type]
    active: StrictBool | None = None


class WebhookEndpointRotate(Input):
    expires_in: Annotated[StrictInt, Field(ge=0, le=7 * 24 * 3600)] = Field(
        24 * 3600,
        description="Seconds the old secret keeps signing beside the new one (0: stop now).",
    )


class WebhookEndpoint(BaseModel):
    id: str
    object: Literal["webhook_endpoint"]
    url: str
    description: str
    enabled_events: list[str]
    active: bool
    disabled_reason: str
    secret: str | None = Field(
        description="Only in the responses that create the endpoint or rotate its secret."
    )
    previous_secret_expires: int | None = Field(
        description="After a rotation: until when the old secret also signs (Unix seconds)."
    )
    created: int


class Deleted(BaseModel):
    id: str
    object: str
    deleted: Literal[True]


class Event(BaseModel):
    id: str
    object: Literal["event"]
    type: str
    created: int
    livemode: bool
    data: dict


class EventFilters(Page):
    type: Annotated[str, Field(max_length=60, pattern=r"^[a-z_.]+$")] | None = None
