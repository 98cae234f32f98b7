"""System checks for configuration that Django itself only complains about later."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error, register


@register()
def secret_key_required(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[Error]:
    # Read from the wrapped settings: Django raises on settings.SECRET_KEY when it is empty.
    if settings.DEBUG or getattr(settings._wrapped, "SECRET_KEY", ""):
        return []
    return [
        Error(
            "SECRET_KEY is required when DEBUG is off.",
            hint="Set SECRET_KEY to a long random string, or DEBUG=1 for local work.",
            id="claims.E001",
        )
    ]
