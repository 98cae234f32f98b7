"""Create the Editors (may review) and Viewers (read-only) permission groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [
    "view_outlet",
    "view_article",
    "view_actor",
    "view_figure",
    "view_claim",
    "view_evidence",
    "view_statuschange",
]
EDIT = [
    "review_claim",
    "add_evidence",
    "change_evidence",
    "change_actor",
    "change_figure",
    "add_figure",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations run; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    claims_perms = Permission.objects.filter(content_type__app_label="claims")
    viewers, _ = Group.objects.get_or_create(name="Viewers")
    viewers.permissions.set(claims_perms.filter(codename__in=VIEW))
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(claims_perms.filter(codename__in=VIEW + EDIT))


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=["Editors", "Viewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
