"""Inbound text messages from the SMS provider: a STOP (or ARRÊT…) withdraws consent."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from paylinks.core.audit import Actor, acting_as
from paylinks.notifications import sms
from paylinks.notifications.services import sms_consent_revoke

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """Twilio's "a message comes in" webhook (set it to ``<BASE_URL>/sms/inbound/``).

    Only requests signed with the account's auth token (X-Twilio-Signature) are believed."""
    sender = sms.current_sender()
    if sender.scheme != "twilio":
        raise Http404
    from twilio.request_validator import RequestValidator

    url = settings.BASE_URL + request.path
    params = {key: request.POST.get(key, "") for key in request.POST}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(sender.auth_token).validate(url, params, signature):
        return HttpResponseForbidden("bad signature")
    if sms.is_stop(params.get("Body", "")):
        with acting_as(Actor("sms")):
            sms_consent_revoke(phone=params.get("From", ""), via="STOP")
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
