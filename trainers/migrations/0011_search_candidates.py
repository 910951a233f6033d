"""Search ranks a bounded set of candidates: table read.search_term and its upkeep.

``0011_search_candidates_tables.sql`` creates the table; ``0011_search_candidates.sql``
is the snapshot of trainers/sql/current/ that derives, projects, rebuilds and checks
it; then the table is filled for the trainers already public.
"""

from django.db import migrations

from trainers.sqlfiles import read

# The keys as a variable, not a subquery: a subquery argument keeps PostgreSQL from
# inlining the derivation (trainers/sql/0007_bulk_costs.sql, 5).
FILL = """
DO $$
DECLARE
    ids uuid[] := ARRAY(SELECT id FROM trainers_trainer);
BEGIN
    INSERT INTO read.search_term (id, term, trainer_id, score)
    SELECT * FROM read.search_term_rows(ids);
END
$$;
ANALYZE read.search_term;
"""

# Back to the definitions of 0010, then without the table and its derivation.
REVERSE_FUNCTIONS = "DROP FUNCTION read.search_term_rows(uuid[]);"
REVERSE_TABLES = "DROP TABLE read.search_term;"


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0010_announce_keys"),
    ]

    operations = [
        migrations.RunSQL(read("0011_search_candidates_tables.sql"), reverse_sql=REVERSE_TABLES),
        migrations.RunSQL(
            read("0011_search_candidates.sql"),
            reverse_sql=read("0010_announce_keys.sql") + REVERSE_FUNCTIONS,
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
