"""Zero-downtime rebuilds: schema ``read_shadow`` and the functions that build and swap it.

The SQL lives in ``trainers/sql/0004_shadow.sql`` (see ``0002_read_model`` for the convention).
"""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0003_read_model_runs"),
    ]

    operations = [
        migrations.RunSQL(
            (SQL_DIR / "0004_shadow.sql").read_text(),
            reverse_sql="""
                DROP SCHEMA read_shadow CASCADE;
                DROP SCHEMA read_old CASCADE;
                DROP FUNCTION read.shadow_drop_old();
                DROP FUNCTION read.check_relation(text);
                DROP FUNCTION read.shadow_swap(pg_snapshot);
                DROP FUNCTION read.shadow_catch_up(pg_snapshot);
                DROP FUNCTION read.shadow_functions();
                DROP FUNCTION read.snapshot_horizon(pg_snapshot);
                DROP FUNCTION read.shadow_index(text);
                DROP FUNCTION read.shadow_load(text);
                DROP FUNCTION read.shadow_create(text);
                DROP FUNCTION read.derivation(text);
            """,
        ),
    ]
