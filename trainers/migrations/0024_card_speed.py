"""``read.card_html`` in PL/pgSQL: the same cards, written ~7x faster (a rebuild writes
every card, a write its own).

``0024_card_speed.sql`` is the snapshot of trainers/sql/current/ with the new
definition. It writes what 0023's wrote for any item (tests/trainers/test_cards_sql.py
holds them equal), so the stored column is left as it is: no rewrite.
"""

from django.db import migrations

from trainers.sqlfiles import read


class Migration(migrations.Migration):
    dependencies = [
        ("trainers", "0023_cards"),
    ]

    operations = [
        migrations.RunSQL(read("0024_card_speed.sql"), reverse_sql=read("0023_cards.sql")),
    ]
