"""Each claim's extraction rule and confidence (claims/extraction/confidence.py).

Claims extracted before there were rules have no rule; they get the share of their kind's claims
that were right when confidence was first calibrated (extractor 1.2.0), the value a claim of an
unknown rule gets. A re-import with the current extractor gives them their own.
"""

from django.db import migrations, models

# RULE_CONFIDENCE[kind]["*"] of extractor 1.2.0, copied so the migration never changes.
KIND_SHARES = {"casualty": 0.719, "arrest": 0.78, "attribution": 0.884}


def kind_shares(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    for kind, share in KIND_SHARES.items():
        Claim.objects.filter(kind=kind, rule="").update(confidence=share)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_ingest_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="confidence",
            field=models.FloatField(db_default=1.0, default=1.0),
        ),
        migrations.AddField(
            model_name="claim",
            name="rule",
            field=models.CharField(blank=True, db_default="", default="", max_length=40),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                fields=["status", "confidence", "-id"], name="claim_status_conf_idx"
            ),
        ),
        migrations.RunPython(kind_shares, migrations.RunPython.noop),
    ]
