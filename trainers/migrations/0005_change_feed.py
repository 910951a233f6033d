"""The change feed: ``read.change``, written at commit from the events (``trainers/sql/0005_change_feed.sql``)."""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0004_read_model_shadow"),
    ]

    operations = [
        migrations.RunSQL(
            (SQL_DIR / "0005_change_feed.sql").read_text(),
            reverse_sql="""
                DROP TRIGGER publish_changes ON trainers_event;
                DROP FUNCTION read.on_event_commit();
                DROP FUNCTION read.publish_changes(uuid[], integer);
                DROP FUNCTION read.change_digest(jsonb, jsonb);
                DROP TABLE read.change_head;
                DROP TABLE read.change;
                DROP SEQUENCE read.change_id;
            """,
        ),
    ]
