"""Trainer photos: ``trainers_trainer.photo`` (the renditions) and the public ``photo`` object.

``0018_trainer_photo.sql`` is the snapshot of trainers/sql/current/ whose documents carry
``photo`` (read.photo_document); every trainer is then projected again so that the
documents already in the read model have it too (``null``).
"""

from django.db import migrations, models

from trainers.sqlfiles import read

PROJECT_ALL = "SELECT read.project_trainers(ARRAY(SELECT id FROM trainers_trainer));"


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0017_scheduled_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainer",
            name="photo",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(
            read("0018_trainer_photo.sql"),
            reverse_sql=read("0013_timetable_key.sql")
            + "DROP FUNCTION read.photo_document(jsonb, text);"
            + PROJECT_ALL,
        ),
        migrations.RunSQL(PROJECT_ALL, reverse_sql=migrations.RunSQL.noop),
    ]
