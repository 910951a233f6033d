"""Events record what changed (old and new values) and which trainer's history shows them.

Existing events keep an empty ``changes`` (their payload holds the new values); their
trainer is filled in: a trainer's own events, and each class's events under the trainer
the class has now (or, for a cancelled class, the one its schedule command named).
"""

from django.conf import settings
from django.db import migrations, models

BACKFILL = r"""
UPDATE trainers_event SET trainer_id = aggregate_id::uuid
 WHERE aggregate_type = 'trainer'
   AND aggregate_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
UPDATE trainers_event e SET trainer_id = g.trainer_id
  FROM trainers_gymclass g
 WHERE e.aggregate_type = 'gym_class' AND e.aggregate_id = g.id::text;
UPDATE trainers_event e SET trainer_id = (s.payload ->> 'trainer_id')::uuid
  FROM trainers_event s
 WHERE e.aggregate_type = 'gym_class' AND e.trainer_id IS NULL
   AND s.aggregate_type = 'gym_class' AND s.aggregate_id = e.aggregate_id
   AND s.command = 'GymClassSchedule'
   AND s.payload ->> 'trainer_id' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0014_birth_date_rule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="changes",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="event",
            name="subject",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="event",
            name="trainer_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["trainer_id", "id"], name="event_trainer_history"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
