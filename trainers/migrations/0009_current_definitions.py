"""Every read-model function and trigger, from the first snapshot of trainers/sql/current/.

On a database migrated with 0002-0008 as they are now, this changes nothing: the
snapshot holds the definitions those migrations left (the highest-numbered file
of each function won). It exists for two reasons:

- From here on, trainers/sql/current/ is the one place a definition lives; later
  migrations apply later snapshots (docs/read-model.md, "Changing a definition").
- It repairs databases migrated with the first version of 0008 (commit edd5d93,
  rewritten by 4bc2993): their read.project_branches and read.project_specialties
  NOTIFY themselves, and they lack read.on_facet_write() and the
  read_announce_facets triggers. The snapshot replaces every function and
  recreates every trigger, so both kinds of database end up identical.

Its reverse changes nothing either: what 0008 leaves is what this applies.
"""

from django.db import migrations

from trainers.sqlfiles import read


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0008_facets_announced"),
    ]

    operations = [
        migrations.RunSQL(read("0009_current_definitions.sql"), reverse_sql=migrations.RunSQL.noop),
    ]
