"""The timetable gets a dependency key of its own: ``timetable``.

``0013_timetable_key.sql`` is the snapshot of trainers/sql/current/ in which
``read.project_trainers`` (and ``read.rebuild``) announce ``timetable`` whenever they
write a row of ``read.class``, so the query side can cache ``/query/timetable`` and
shared caches can be purged by that key. Its reverse is the snapshot of 0011.
"""

from django.db import migrations

from trainers.sqlfiles import read


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0012_trainer_slug_index"),
    ]

    operations = [
        migrations.RunSQL(
            read("0013_timetable_key.sql"), reverse_sql=read("0011_search_candidates.sql")
        ),
    ]
