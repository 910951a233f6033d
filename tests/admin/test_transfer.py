"""The trainer list's CSV import (preview, then confirm) and exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.admin.helpers import body, messages_of
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, Trainer

IMPORT = "/admin/trainers/trainer/import/"
CSV = (
    "first_name,last_name,hired_on,email,branch\n"
    "Ana,Silva,2021-03-01,ana@gym.test,downtown\n"
    "Rui,Costa,2019-05-01,rui@gym.test,downtown\n"
)


def test_a_preview_then_confirm_imports(admin_client: Client, branch: Branch) -> None:
    upload = SimpleUploadedFile("t.csv", CSV.encode(), content_type="text/csv")
    preview = admin_client.post(IMPORT, {"file": upload, "preview": "1"})
    page = preview.content.decode()
    assert "All 2 rows are fine: 2 trainers will be created as drafts." in page
    assert 'value="Import 2 trainers"' in page
    assert not Trainer.objects.exists()

    done = admin_client.post(IMPORT, {"text": CSV, "confirm": "1"})

    assert done.status_code == 302
    assert messages_of(done) == ["Imported 2 trainers."]
    assert set(Trainer.objects.values_list("email", flat=True)) == {"ana@gym.test", "rui@gym.test"}


def test_a_preview_lists_errors_by_row_and_field(admin_client: Client, branch: Branch) -> None:
    bad = CSV + "Cy,Dee,soon,cy@gym.test,atlantis\n"
    page = admin_client.post(IMPORT, {"text": bad, "preview": "1"}).content.decode()
    assert "<tr><td>3</td><td>hired_on</td><td>Enter a date as YYYY-MM-DD.</td></tr>" in page
    assert "Import 3" not in page
    confirmed = admin_client.post(IMPORT, {"text": bad, "confirm": "1"})
    assert confirmed.status_code == 200
    assert not Trainer.objects.exists()


def test_an_unreadable_file_and_an_empty_form_say_why(admin_client: Client, branch: Branch) -> None:
    header = admin_client.post(IMPORT, {"text": "name\nAna\n", "preview": "1"}).content.decode()
    assert "The header lacks the column(s)" in header
    empty = admin_client.post(IMPORT, {"text": " ", "preview": "1"}).content.decode()
    assert "Choose a CSV file or paste its text." in empty
    binary = SimpleUploadedFile("t.csv", b"\xff\xfe\x00", content_type="text/csv")
    assert "not CSV text" in admin_client.post(IMPORT, {"file": binary}).content.decode()


def test_exports_the_selection_or_everything_matching(
    admin_client: Client, make_trainer: Callable[..., Trainer], branch: Branch
) -> None:
    ann, bo = make_trainer("Ann", "Lee"), make_trainer("Bo", "Chan")
    dispatch(c.TrainerPublish(ann.pk))
    changelist = admin_client.get("/admin/trainers/trainer/?status__exact=published")
    assert 'href="/admin/trainers/trainer/export/?status__exact=published"' in (
        changelist.content.decode()
    )
    matching = admin_client.get("/admin/trainers/trainer/export/?status__exact=published")
    rows = list(csv.DictReader(io.StringIO(body(matching).decode())))
    assert [r["email"] for r in rows] == [ann.email]

    selected = admin_client.post(
        "/admin/trainers/trainer/",
        {"action": "export_selected", "_selected_action": [str(ann.pk), str(bo.pk)]},
    )
    rows = list(csv.DictReader(io.StringIO(body(selected).decode())))
    assert sorted(r["email"] for r in rows) == sorted([ann.email, bo.email])
    assert rows[0]["branch"] == "downtown"
