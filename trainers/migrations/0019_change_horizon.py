"""The change feed's pruning horizon: table read.change_horizon (one row).

``0019_change_horizon_tables.sql`` creates it; the retention job moves it forward when
it prunes read.change, and the feed tells a client resuming from before it to resync.
"""

from django.db import migrations

from trainers.sqlfiles import read


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0018_trainer_photo"),
    ]

    operations = [
        migrations.RunSQL(
            read("0019_change_horizon_tables.sql"),
            reverse_sql="DROP TABLE read.change_horizon;",
        ),
    ]
