# Reprint candidates by band key: a (key, article) index gives each key's earliest articles as a
# LIMITed range (the key index alone sorted every copy of a story printed many times), and the
# article's own index goes: the unique (article, key) constraint serves it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0017_claim_match_fewer_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="articleband",
            index=models.Index(fields=["key", "article"], name="articleband_key_article_idx"),
        ),
        migrations.RemoveIndex(
            model_name="articleband",
            name="articleband_key_idx",
        ),
        migrations.AlterField(
            model_name="articleband",
            name="article",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="bands",
                to="claims.article",
            ),
        ),
    ]
