"""Committed migrations and the SQL they load never change: trainers/migrations/frozen.sha256.

A database migrated with a file as it was stays that way; a changed file makes
fresh databases differ from it (as 0008's rewrite did). The lock only grows.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from trainers.sqlfiles import LOCK_FILE, MIGRATIONS_DIR, ROOT, SQL_DIR, lock, lock_problems, locked


def test_no_committed_migration_or_sql_file_changed_and_every_one_is_locked() -> None:
    problems = lock_problems()
    assert not problems, "\n".join(problems)


def test_the_lock_holds_the_migrations_from_0001_on_with_their_sql() -> None:
    entries = locked()
    for number in range(1, 10):
        assert any(Path(path).name.startswith(f"{number:04}_") for path in entries), number
    assert "trainers/migrations/0008_facets_announced.py" in entries
    assert "trainers/sql/0008_facets_announced.sql" in entries
    assert "trainers/sql/0009_current_definitions.sql" in entries
    assert not any("/current/" in path for path in entries)


def test_the_lock_file_reads_with_sha256sum() -> None:
    """``sha256sum -c trainers/migrations/frozen.sha256`` from the root checks it too."""
    for line in LOCK_FILE.read_text().splitlines():
        if line.startswith("#"):
            continue
        sha, path = line.split("  ")
        assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == sha, path


def tree(root: Path) -> Path:
    """A copy of the migrations and SQL files, to break."""
    for source in (MIGRATIONS_DIR, SQL_DIR):
        target = root / source.relative_to(ROOT)
        target.mkdir(parents=True)
        for file in source.iterdir():
            if file.is_file() and file.suffix in (".py", ".sql", ".sha256"):
                shutil.copy(file, target / file.name)
    return root


def test_a_changed_a_deleted_and_an_unlisted_file_are_each_reported(tmp_path: Path) -> None:
    root = tree(tmp_path)
    assert lock_problems(root) == []
    migrations, sql = root / "trainers" / "migrations", root / "trainers" / "sql"
    with (sql / "0002_projection.sql").open("a") as edited:
        edited.write("-- a harmless-looking comment\n")
    (migrations / "0005_change_feed.py").unlink()
    (migrations / "0099_new.py").write_text("")
    (sql / "0099_new.sql").write_text("")
    (migrations / "__init__.py").write_text("")  # not a migration: never locked
    problems = lock_problems(root)
    assert len(problems) == 4, problems
    assert problems[0].startswith("trainers/migrations/0005_change_feed.py is locked but gone")
    assert problems[1].startswith("trainers/sql/0002_projection.sql changed after it was locked")
    assert "write a new migration" in problems[1]
    for path, problem in zip(
        ("trainers/migrations/0099_new.py", "trainers/sql/0099_new.sql"), problems[2:], strict=True
    ):
        assert problem.startswith(f"{path} is not in trainers/migrations/frozen.sha256")
        assert "python -m trainers.sqlfiles lock" in problem


def test_lock_appends_new_files_and_never_rewrites_an_entry(tmp_path: Path) -> None:
    root = tree(tmp_path)
    lock_file = root / LOCK_FILE.relative_to(ROOT)
    before = lock_file.read_text()
    assert lock(root) == []
    assert lock_file.read_text() == before
    (root / "trainers" / "sql" / "0002_check.sql").write_text("-- edited\n")
    (root / "trainers" / "sql" / "0099_new.sql").write_text("SELECT 1;\n")
    assert lock(root) == ["trainers/sql/0099_new.sql"]
    after = lock_file.read_text()
    assert after.startswith(before)
    new = hashlib.sha256(b"SELECT 1;\n").hexdigest()
    assert after[len(before) :] == f"{new}  trainers/sql/0099_new.sql\n"
    assert [p for p in lock_problems(root) if "0002_check.sql changed" in p]
