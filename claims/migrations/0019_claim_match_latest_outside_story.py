# The latest-matches index leaves out the rows between copies of one story (their reason says
# so): those copies are found through the story, and with them in it an original printed a
# thousand times had nothing but its own copies among its latest matches. Added before the old
# index goes, so that lookups always have one.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0018_article_band_key_article"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claimmatch",
            index=models.Index(
                condition=~models.Q(
                    reason__in=("the same sentence in a reprint", "the same figure in a reprint")
                ),
                fields=["earlier", "-id"],
                name="claimmatch_earlier_outside_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="claimmatch",
            name="claimmatch_earlier_id_idx",
        ),
    ]
