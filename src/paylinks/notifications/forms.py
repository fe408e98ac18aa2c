from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from paylinks.notifications.models import LinkMessage, SmsConsent


class LinkSendForm(forms.Form):
    """Send the link (or a reminder) by one channel; ``to`` defaults to the link's customer."""

    channel = forms.ChoiceField(choices=LinkMessage.Channel.choices, widget=forms.HiddenInput)
    to = forms.CharField(max_length=254, required=False)
    language = forms.ChoiceField(label=_("Language of the message"), choices=settings.LANGUAGES)
    auto_remind = forms.BooleanField(required=False)

    def __init__(self, *args: Any, channel: str, auto_days: list[int], **kwargs: Any) -> None:
        kwargs["prefix"] = channel
        super().__init__(*args, **kwargs)
        self.fields["channel"].initial = channel
        to = self.fields["to"]
        if channel == LinkMessage.Channel.EMAIL:
            to.label = _("Customer's email address")
            to.widget = forms.EmailInput(attrs={"autocomplete": "off"})
        else:
            to.label = _("Customer's mobile phone number")
            to.widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
        if auto_days:
            days = ", ".join(str(d) for d in auto_days)
            self.fields["auto_remind"].label = _(
                "Remind them automatically %(days)s days later while unpaid"
            ) % {"days": days}
        else:
            del self.fields["auto_remind"]


class SmsConsentForm(forms.Form):
    phone = forms.CharField(label=_("Customer's mobile phone number"), max_length=30)
    method = forms.ChoiceField(label=_("How they agreed"), choices=SmsConsent.Method.choices)
    wording = forms.CharField(
        label=_("What they agreed to, word for word"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    confirm = forms.BooleanField(
        label=_("The customer agreed to receive text messages with this wording")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "consent"
        super().__init__(*args, **kwargs)
