"""The projection announces the cache keys each transaction changed (read.announce).

See ``trainers/sql/current/announce.sql``: a trainer's profile, the list pages, the
search pages and the facets are announced apart, on channel ``read_keys`` and in the
writer's session, so the query side evicts what changed and nothing else.
"""

from django.db import migrations

from trainers.sqlfiles import read

REVERSE = "\n".join(
    [
        read("0009_current_definitions.sql"),
        "DROP FUNCTION read.announce_trainers(uuid[], jsonb);",
        "DROP FUNCTION read.trainer_marks(uuid[]);",
        "DROP FUNCTION read.announce(text[]);",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0009_current_definitions"),
    ]

    operations = [
        migrations.RunSQL(read("0010_announce_keys.sql"), reverse_sql=REVERSE),
    ]
