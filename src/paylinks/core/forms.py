from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from paylinks.core.text import single_line


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, if the form
    has that field, else at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e)
    else:
        form.add_error(None, error)


class SecretInput(forms.TextInput):
    """A text input that never sends its value back to the browser (card numbers, CVCs)."""

    def format_value(self, value: object) -> None:
        return None


class SingleLineField(forms.CharField):
    """A text field that is one line whatever is posted: line breaks and other control
    characters become a space (``core.text.single_line``), before the length is checked."""

    def to_python(self, value: Any) -> str | None:
        return super().to_python(single_line(value) if isinstance(value, str) else value)


class SingleLineEmailField(forms.EmailField):
    def to_python(self, value: Any) -> str | None:
        return super().to_python(single_line(value) if isinstance(value, str) else value)
