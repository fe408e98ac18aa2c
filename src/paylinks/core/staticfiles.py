"""Django's static files storage, each file's URL worked out once per process.

Every page's ``{% static %}`` tags (the style sheet, the scripts, the icon) asked the
storage for each URL on every render: ~9 us each, the same answer every time while the
process runs. A change of the static settings makes Django a new storage (and so a new
memory of URLs)."""

from typing import Any

from django.contrib.staticfiles import storage

KEPT = 1000  # more names than the templates have: a bound, not a cache policy


class StaticFilesStorage(storage.StaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str | None, str] = {}

    def url(self, name: str | None) -> str:
        try:
            return self._urls[name]
        except KeyError:
            url = super().url(name)
            if len(self._urls) >= KEPT:
                self._urls.clear()
            self._urls[name] = url
            return url
