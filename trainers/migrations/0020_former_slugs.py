"""Former slugs: ``trainers_formerslug``, kept by triggers, and ``read.trainer.former_slugs``.

``0020_former_slugs_tables.sql`` adds the read column and its index;
``0020_former_slugs.sql`` is the snapshot of trainers/sql/current/ with the triggers
that keep the table (``current/slugs.sql``) and the projection that reads it. The table
is then back-filled from the events: every slug a trainer's events name (changes since
migration 0015, payloads before) that no trainer holds now is former, for the trainer
that named it last; inserting the rows projects those trainers.
"""

import django.db.models.deletion
from django.db import migrations, models

from trainers.sqlfiles import read

BACKFILL = r"""
WITH named AS (
    SELECT e.aggregate_id AS trainer, s.slug, max(e.id) AS last_event,
           max(e.occurred_at) AS at
      FROM trainers_event e,
           LATERAL (VALUES (e.changes -> 'slug' ->> 'old'), (e.changes -> 'slug' ->> 'new'),
                           (CASE WHEN e.changes = '{}' THEN e.payload ->> 'slug' END)) AS s (slug)
     WHERE e.aggregate_type = 'trainer' AND s.slug ~ '^[-a-zA-Z0-9_]{1,120}$'
     GROUP BY 1, 2)
INSERT INTO trainers_formerslug (slug, trainer_id, retired_at)
SELECT DISTINCT ON (n.slug) n.slug, t.id, n.at
  FROM named n JOIN trainers_trainer t ON t.id::text = n.trainer
 WHERE NOT EXISTS (SELECT FROM trainers_trainer c WHERE c.slug = n.slug)
 ORDER BY n.slug, n.last_event DESC;
"""
UNDO_SNAPSHOT = """
DROP TRIGGER keep_former_slugs_insert ON trainers_trainer;
DROP TRIGGER keep_former_slugs_update ON trainers_trainer;
DROP FUNCTION read.keep_former_slugs();
DROP FUNCTION read.trainer_rows(uuid[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0019_change_horizon"),
    ]

    operations = [
        migrations.CreateModel(
            name="FormerSlug",
            fields=[
                ("slug", models.SlugField(max_length=120, primary_key=True, serialize=False)),
                ("retired_at", models.DateTimeField()),
                (
                    "trainer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="former_slugs",
                        to="trainers.trainer",
                    ),
                ),
            ],
            options={
                "ordering": ["-retired_at"],
            },
        ),
        migrations.RunSQL(
            read("0020_former_slugs_tables.sql"),
            reverse_sql="DROP INDEX read.trainer_by_former_slug;"
            "ALTER TABLE read.trainer DROP COLUMN former_slugs;",
        ),
        migrations.RunSQL(
            read("0020_former_slugs.sql"),
            reverse_sql=UNDO_SNAPSHOT + read("0018_trainer_photo.sql"),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
