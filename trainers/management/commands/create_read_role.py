"""Create (or bring up to date) the database role of the query side: SELECT on schema read only.

    manage.py create_read_role --role trainers_read --password "$READ_PASSWORD"

then point ``READ_DATABASE_URL`` at it. Idempotent: run it after every deploy.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

READ_SCHEMA = "read"


def read_role_statements(
    role: str, *, exists: bool, password: str | None, statement_timeout: str
) -> list[sql.Composable]:
    """What makes ``role`` a login that can read schema ``read`` and nothing else."""
    name = sql.Identifier(role)
    schema = sql.Identifier(READ_SCHEMA)
    attributes = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
    )
    verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
    statements: list[sql.Composable] = [sql.SQL("{} {} {}").format(verb, name, attributes)]
    if password is not None:
        statements.append(sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)))
    statements += [
        # Defence in depth: even a function that writes cannot, and no query runs away.
        sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(name),
        sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
            name, sql.Literal(statement_timeout)
        ),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(connection.settings_dict["NAME"]), name
        ),
        # Nothing but what follows: clear any grant an earlier version of this command made.
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(name),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(name),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(name),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, name),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, name),
        # Tables and views alike.
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, name),
        # Relations that later migrations (or a shadow rebuild) create in schema read.
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(
            schema, name
        ),
    ]
    return statements


class Command(BaseCommand):
    help = (
        "Create or update a LOGIN role that may only SELECT from schema read "
        "(for READ_DATABASE_URL). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="The role's name, e.g. trainers_read.")
        parser.add_argument(
            "--password",
            default=None,
            help="Set (or change) its password; without it an existing password is kept.",
        )
        parser.add_argument(
            "--statement-timeout",
            default="5s",
            help="The role's statement_timeout (default 5s): bounds every public query.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role: str = options["role"]
        if not role or len(role) > 63:
            raise CommandError("--role must be 1 to 63 characters.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT to_regnamespace(%s) IS NOT NULL", [READ_SCHEMA])
            if not cursor.fetchone()[0]:
                raise CommandError("Schema read does not exist yet: run `manage.py migrate` first.")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            exists = cursor.fetchone() is not None
            for statement in read_role_statements(
                role,
                exists=exists,
                password=options["password"],
                statement_timeout=options["statement_timeout"],
            ):
                cursor.execute(statement.as_string(cursor.connection))
        verb = "Updated" if exists else "Created"
        self.stdout.write(self.style.SUCCESS(f"{verb} role {role}: SELECT on schema read only."))
