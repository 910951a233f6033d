"""Branch and specialty projections announce themselves, so the facet lists can be cached.

See ``trainers/sql/0008_facets_announced.sql``.
"""

from django.db import migrations

from trainers.sqlfiles import definition, read

REVERSE = "\n".join(
    [
        definition("0002_projection.sql", "read.project_branches"),
        definition("0002_projection.sql", "read.project_specialties"),
        "DROP FUNCTION read.announce_facets();",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0007_bulk_costs"),
    ]

    operations = [
        migrations.RunSQL(read("0008_facets_announced.sql"), reverse_sql=REVERSE),
    ]
