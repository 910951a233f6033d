"""Writes cost the same at any size: facet deltas, the change feed once per commit.

See ``trainers/sql/0006_projection_costs.sql``.
"""

from pathlib import Path

from django.db import migrations

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def _definition(file: str, name: str) -> str:
    """One function's CREATE statement from an earlier migration's SQL, as a replacement."""
    text = (SQL_DIR / file).read_text()
    start = text.index(f"CREATE FUNCTION {name}(")
    end = text.index("$$;", text.index("$$", text.index("AS $$", start) + 5)) + 3
    return text[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


REVERSE = "\n".join(
    [
        _definition("0005_change_feed.sql", "read.on_event_commit"),
        _definition("0002_projection.sql", "read.project_trainers"),
        _definition("0002_projection.sql", "read.rebuild"),
        _definition("0004_shadow.sql", "read.shadow_catch_up"),
        "DROP FUNCTION read.note_projected(uuid[]);",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0005_change_feed"),
    ]

    operations = [
        migrations.RunSQL(
            (SQL_DIR / "0006_projection_costs.sql").read_text(),
            reverse_sql=REVERSE,
        ),
    ]
