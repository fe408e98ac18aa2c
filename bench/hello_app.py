"""The A/B baseline: a minimal Django "hello" app, served by the same gunicorn settings as
`paylinks serve` (bench/hosted_page.py starts it). Not a test."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="bench-hello-not-secret-0123456789abcdefghijklmnop",
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world.", content_type="text/plain")


urlpatterns = [path("", hello)]
application = get_wsgi_application()
