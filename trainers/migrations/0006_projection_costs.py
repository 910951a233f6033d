"""Writes cost the same at any size: facet deltas, the change feed once per commit.

See ``trainers/sql/0006_projection_costs.sql``.
"""

from django.db import migrations

from trainers.sqlfiles import definition, read

REVERSE = "\n".join(
    [
        definition("0005_change_feed.sql", "read.on_event_commit"),
        definition("0002_projection.sql", "read.project_trainers"),
        definition("0002_projection.sql", "read.rebuild"),
        definition("0004_shadow.sql", "read.shadow_catch_up"),
        "DROP FUNCTION read.note_projected(uuid[]);",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0005_change_feed"),
    ]

    operations = [
        migrations.RunSQL(
            read("0006_projection_costs.sql"),
            reverse_sql=REVERSE,
        ),
    ]
