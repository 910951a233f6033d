"""Two derivations made cheaper, with the same results (a rebuild runs them for every
trainer): ``read.photo_document`` in PL/pgSQL, the renditions joined in a loop (the SQL
function's sub-select kept it from being inlined: ~11 us a call, now ~5.5), and
``read.search_term_rows`` counting a word's weights with ``array_positions`` instead of
a sub-select per row (1 of its 4.3 s at 100k).

``0026_derivation_speed.sql`` is the snapshot of trainers/sql/current/ with the new
definitions. They give what 0025's gave (tests/trainers/test_derivation_sql.py), so no
stored row is rewritten.
"""

from django.db import migrations

from trainers.sqlfiles import read


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0025_generic_plans"),
    ]

    operations = [
        migrations.RunSQL(
            read("0026_derivation_speed.sql"), reverse_sql=read("0025_generic_plans.sql")
        ),
    ]
