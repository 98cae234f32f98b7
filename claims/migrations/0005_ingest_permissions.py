"""Let Viewers see feeds and import jobs, and Editors also add and change feeds."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_feed", "view_feedentry", "view_importjob"]
EDIT = ["add_feed", "change_feed"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="claims")
    for group in Group.objects.filter(name="Viewers"):
        group.permissions.add(*perms.filter(codename__in=VIEW))
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*perms.filter(codename__in=VIEW + EDIT))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    perms = Permission.objects.filter(content_type__app_label="claims", codename__in=VIEW + EDIT)
    for group in Group.objects.filter(name__in=["Viewers", "Editors"]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_ingest_feeds_jobs")]

    operations = [migrations.RunPython(grant, revoke)]
