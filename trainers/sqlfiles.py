"""The read model's SQL files (``trainers/sql``), as the migrations load them.

A migration that redefines a function reverses to the definition an earlier
migration's file holds: ``definition`` finds it there, rather than each
migration keeping a copy of the old text.
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


def read(file: str) -> str:
    return (SQL_DIR / file).read_text()


def definition(file: str, name: str) -> str:
    """Function ``name``'s latest CREATE statement in ``file``, as a CREATE OR REPLACE."""
    text = read(file)
    start = max(
        text.rfind(f"CREATE FUNCTION {name}("), text.rfind(f"CREATE OR REPLACE FUNCTION {name}(")
    )
    if start == -1:
        raise LookupError(f"{name} is not defined in {file}")
    body, standard = text.find("AS $$", start), text.find("\nRETURN ", start)
    if standard != -1 and (body == -1 or standard < body):  # a SQL-standard body
        end = text.index(";", standard) + 1
    else:
        end = text.index("$$;", text.index("$$", body + 5)) + 3
    statement = text[start:end]
    return statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
