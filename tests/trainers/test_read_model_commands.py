"""``manage.py check_read_model`` finds hand-made damage; ``rebuild_read_model`` repairs it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import make_class, make_trainer

pytestmark = pytest.mark.django_db


def test_check_passes_when_in_step() -> None:
    make_class(make_trainer())
    out = StringIO()
    call_command("check_read_model", stdout=out)
    assert "in step" in out.getvalue()


def test_check_reports_each_difference_and_rebuild_repairs_them() -> None:
    trainer = make_trainer()
    gym_class = make_class(trainer)
    hidden = make_trainer()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE read.trainer SET first_name = 'Hacked' WHERE id = %s", [trainer.pk])
        cursor.execute("DELETE FROM read.trainer WHERE id = %s", [hidden.pk])
        cursor.execute("UPDATE read.branch SET trainer_count = 99")
        cursor.execute("DELETE FROM read.class")
    out = StringIO()
    with pytest.raises(CommandError, match="differences"):
        call_command("check_read_model", stdout=out)
    report = out.getvalue()
    assert f"read.trainer {trainer.pk}: differs in first_name" in report
    assert f"read.trainer {hidden.pk}: missing" in report
    assert f"read.class {gym_class.pk}: missing" in report
    assert "read.branch" in report and "trainer_count" in report

    call_command("rebuild_read_model", stdout=StringIO())
    call_command("check_read_model", stdout=StringIO())
