"""Writes to branches and specialties announce themselves, so the facet lists can be cached.

See ``trainers/sql/0008_facets_announced.sql``.
"""

from django.db import migrations

from trainers.sqlfiles import read

REVERSE = """
DROP TRIGGER read_announce_facets ON trainers_specialty;
DROP TRIGGER read_announce_facets ON trainers_branch;
DROP FUNCTION read.on_facet_write();
DROP FUNCTION read.announce_facets();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0007_bulk_costs"),
    ]

    operations = [
        migrations.RunSQL(read("0008_facets_announced.sql"), reverse_sql=REVERSE),
    ]
