"""Create the Desk chiefs group (an editor who also manages webhook subscriptions), and let
Editors see the webhook delivery log (and resend from it)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# What Editors get on top of their own permissions.
EDITORS_EXTRA = ["view_webhookdelivery", "view_assignmentchange"]
# What Desk chiefs get on top of everything Editors have.
CHIEFS_EXTRA = [
    "view_webhooksubscription",
    "add_webhooksubscription",
    "change_webhooksubscription",
    "delete_webhooksubscription",
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="claims")
    editors = Group.objects.filter(name="Editors").first()
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*perms.filter(codename__in=EDITORS_EXTRA))
    chiefs, _ = Group.objects.get_or_create(name="Desk chiefs")
    if editors is not None:
        chiefs.permissions.add(*editors.permissions.all())
    chiefs.permissions.add(*perms.filter(codename__in=EDITORS_EXTRA + CHIEFS_EXTRA))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name="Desk chiefs").delete()
    perms = Permission.objects.filter(content_type__app_label="claims", codename__in=EDITORS_EXTRA)
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_webhooks")]

    operations = [migrations.RunPython(grant, revoke)]
