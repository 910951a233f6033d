"""The read model: schema ``read``, its projection functions and the triggers that run them.

The SQL lives in ``trainers/sql/0002_*.sql``. A file belongs to its migration
forever: later changes go in new files loaded by new migrations.
"""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def sql(name):
    return (SQL_DIR / name).read_text()


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql("0002_read_schema.sql")
            + sql("0002_projection.sql")
            + sql("0002_triggers.sql")
            + sql("0002_check.sql")
            + "SELECT read.rebuild();",
            reverse_sql="DROP SCHEMA read CASCADE;",
        ),
    ]
