from datetime import date
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from paylinks.books.selectors import MAX_DAYS, MAX_MONTHS, months_between


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's date picker; it sends YYYY-MM-DD

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # The picker offers only the days the form takes (FIRST_DAY to LAST_DAY).
        attrs = {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat(), **(attrs or {})}
        return super().get_context(name, value, attrs)


def month_start() -> date:
    return timezone.localdate().replace(day=1)


# The books' dates: far enough either way for any business using paylinks, and away from
# the ends of Python's calendar (the day after 31 December 9999 does not exist).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


class DateRangeForm(forms.Form):
    start = forms.DateField(label=_("Start date"), widget=DateInput())
    end = forms.DateField(label=_("End date (included)"), widget=DateInput())

    def _in_range(self, name: str) -> None:
        day = self.cleaned_data.get(name)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            self.add_error(
                name,
                _("Choose a date from %(first)s to %(last)s.")
                % {"first": formats.date_format(FIRST_DAY), "last": formats.date_format(LAST_DAY)},
            )

    def clean(self) -> dict[str, Any]:
        self._in_range("start")
        self._in_range("end")
        if self.has_error("start") or self.has_error("end"):
            return self.cleaned_data
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date must be on or after the start date."))
        return data


class ExportForm(DateRangeForm):
    field_order = ["kind", "start", "end", "deposit_to"]

    kind = forms.ChoiceField(
        label=_("Export"),
        choices=[
            ("sales_receipts", _("Sales receipts")),
            ("refund_receipts", _("Refund receipts")),
            ("payments", _("Payments (with fees and refunds)")),
            ("quickbooks", _("Sales receipts for QuickBooks Online")),
            ("quickbooks_refunds", _("Refund receipts for QuickBooks Online")),
        ],
    )
    deposit_to = forms.CharField(
        label=_("QuickBooks bank account"),
        max_length=100,
        required=False,
        help_text=_(
            "For the QuickBooks files: the account in QuickBooks that sales receipts are "
            "deposited to and refunds paid from."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        quickbooks = data.get("kind") in ("quickbooks", "quickbooks_refunds")
        if quickbooks and not (data.get("deposit_to") or "").strip():
            self.add_error("deposit_to", _("Name the bank account in QuickBooks."))
        return data


class TotalsForm(DateRangeForm):
    by = forms.ChoiceField(
        label=_("Totals per"),
        choices=[("day", _("Day")), ("month", _("Month"))],
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end, by = data.get("start"), data.get("end"), data.get("by")
        if not (start and end and by) or self.has_error("end"):
            return data
        if by == "day" and (end - start).days + 1 > MAX_DAYS:
            self.add_error(
                "end",
                _("Per day, choose at most %(days)s days (or show totals per month).")
                % {"days": MAX_DAYS},
            )
        if by == "month" and months_between(start, end) > MAX_MONTHS:
            self.add_error(
                "end", _("Per month, choose at most %(months)s months.") % {"months": MAX_MONTHS}
            )
        return data
