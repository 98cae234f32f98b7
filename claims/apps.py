from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = "Claim Desk"

    def ready(self) -> None:
        from django.db.models import BigAutoField

        from claims import checks  # noqa: F401  (registers the system checks)
        from claims.lookups import AnyOf
        from claims.services import webhooks  # noqa: F401  (connects its request signals)

        BigAutoField.register_lookup(AnyOf)  # id__any=[...], for long lists of ids
