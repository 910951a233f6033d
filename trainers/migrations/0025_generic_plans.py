"""The functions a write runs use generic plans (``SET plan_cache_mode =
force_generic_plan``): PostgreSQL planned their statements anew at every call, ~4 ms of
the 5-9 ms that projecting one trainer took; now ~1 ms, and bulk projections as fast
as before (trainers/sql/current/projection.sql, "Generic plans").

``0025_generic_plans.sql`` is the snapshot of trainers/sql/current/ with the setting
on those functions; nothing else in it changes, and no stored row is rewritten.
"""

from django.db import migrations

from trainers.sqlfiles import read


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0024_card_speed"),
    ]

    operations = [
        migrations.RunSQL(read("0025_generic_plans.sql"), reverse_sql=read("0024_card_speed.sql")),
    ]
