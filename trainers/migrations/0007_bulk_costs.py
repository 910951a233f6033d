"""Seed and rebuild at 100,000 trainers: the import's projection, the feed at commit, the
derivations and the rebuild's load. Nothing the read model contains changes.

See ``trainers/sql/0007_bulk_costs.sql`` and docs/performance.md ("Seed and rebuild").
"""

from django.db import migrations

from trainers.sqlfiles import definition, read

REVERSE = "\n".join(
    [
        definition("0006_projection_costs.sql", "read.project_trainers"),
        definition("0006_projection_costs.sql", "read.note_projected"),
        definition("0006_projection_costs.sql", "read.on_event_commit"),
        definition("0002_projection.sql", "read.trainer_rows"),
        definition("0002_projection.sql", "read.branch_rows"),
        definition("0002_projection.sql", "read.specialty_rows"),
        definition("0004_shadow.sql", "read.shadow_load"),
        definition("0004_shadow.sql", "read.derivation"),
        "DROP FUNCTION read.shadow_load(text, integer, integer);",
        "DROP FUNCTION read.derivation_keys(text);",
        "DROP FUNCTION read.derivation_function(text);",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0006_projection_costs"),
    ]

    operations = [
        migrations.RunSQL(
            read("0007_bulk_costs.sql"),
            reverse_sql=REVERSE,
        ),
    ]
