"""``/query/trainers/{slug}`` looks a public trainer up by its slug: an index for it.

Not unique: the write model keeps slugs unique, and a projection that moves a slug
from one trainer to another in one statement must not trip over the order of rows.
The shadow rebuild copies the live table's indexes, this one included.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0011_search_candidates"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX trainer_by_slug ON read.trainer (slug);",
            reverse_sql="DROP INDEX read.trainer_by_slug;",
        ),
    ]
