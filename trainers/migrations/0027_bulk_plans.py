"""Bulk projections plan for their keys again (fixes forward 0025's generic plans).

With generic plans everywhere (0025), seeding 10,000 trainers took 8.2-10.4 s instead
of 7.1-7.2: a generic plan made while the tables were small stayed for the session.
``read.project_trainers`` and ``read.publish_changes`` now let PostgreSQL choose again
when they get more than 16 keys, until they return; one trainer's write keeps its
generic plans. ``read.announce``, ``read.announce_trainers`` and ``read.note_projected``
drop their own setting and run under their caller's (trainers/sql/current/projection.sql,
"Generic plans"). ``0027_bulk_plans.sql`` is the snapshot of trainers/sql/current/;
no stored row changes.
"""

from django.db import migrations

from trainers.sqlfiles import read


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0026_derivation_speed"),
    ]

    operations = [
        migrations.RunSQL(
            read("0027_bulk_plans.sql"), reverse_sql=read("0026_derivation_speed.sql")
        ),
    ]
