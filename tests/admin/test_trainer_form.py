"""The trainer add/change page: every save is a set of commands, refused ones shown on the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.admin.helpers import events, form_data
from trainers import commands as c
from trainers import errors
from trainers.handlers import dispatch
from trainers.models import Branch, Certification, Event, GymClass, Specialty, Trainer

ADD = "/admin/trainers/trainer/add/"


def change_url(trainer: Trainer) -> str:
    return f"/admin/trainers/trainer/{trainer.pk}/change/"


def new_trainer_data(client: Client, branch: Branch) -> dict[str, object]:
    data = form_data(client.get(ADD))
    data.update(
        first_name="Ann",
        last_name="Lee",
        email="Ann.Lee@Gym.test",
        hired_on="2021-03-01",
        branch=str(branch.pk),
        position="senior_trainer",
        shift="evening",
    )
    return data


class TestAdd:
    def test_registers_the_trainer_and_adds_the_certification_row(
        self, admin_client: Client, admin_user: User, branch: Branch, yoga: Specialty
    ) -> None:
        data = new_trainer_data(admin_client, branch)
        data.update(
            {
                "specialties": [str(yoga.pk)],
                "certifications-0-name": "Yoga Alliance RYT-200",
                "certifications-0-issuer": "Yoga Alliance",
                "certifications-0-issued_on": "2019-05-01",
                "certifications-0-expires_on": "2025-05-01",
            }
        )

        response = admin_client.post(ADD, data)

        assert response.status_code == 302, response.content.decode()[:2000]
        trainer = Trainer.objects.get()
        assert (trainer.email, trainer.slug, trainer.status) == (
            "ann.lee@gym.test",
            "ann-lee",
            "draft",
        )
        assert list(trainer.specialties.values_list("slug", flat=True)) == ["yoga"]
        assert trainer.certifications.get().issuer == "Yoga Alliance"
        assert trainer.version == 2
        assert [(e.command, e.version, e.actor_id) for e in events(trainer.pk)] == [
            ("TrainerRegister", 1, admin_user.pk),
            ("CertificationAdd", 2, admin_user.pk),
        ]

    def test_a_refused_inline_row_shows_its_error_and_saves_nothing(
        self, admin_client: Client, branch: Branch
    ) -> None:
        """Overlapping classes: the second schedule is refused, the whole save undone."""
        data = new_trainer_data(admin_client, branch)
        data.update({"classes-TOTAL_FORMS": "2"})
        for i, start in enumerate(("07:00", "07:30")):
            data.update(
                {
                    f"classes-{i}-title": f"Class {i}",
                    f"classes-{i}-branch": str(branch.pk),
                    f"classes-{i}-weekday": "1",
                    f"classes-{i}-start_time": start,
                    f"classes-{i}-duration_minutes": "60",
                    f"classes-{i}-capacity": "12",
                    f"classes-{i}-loaded_version": "",
                }
            )

        response = admin_client.post(ADD, data)

        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][1].formset
        assert formset.forms[0].errors == {}
        assert "overlaps" in str(formset.forms[1].errors["start_time"])
        # The submitted values come back for correction.
        assert response.context["adminform"].form["first_name"].value() == "Ann"
        assert not Trainer.objects.exists()
        assert not GymClass.objects.exists()
        assert not Event.objects.exclude(aggregate_type="branch").exists()

    def test_a_refused_registration_shows_beside_the_field(
        self, admin_client: Client, branch: Branch, make_trainer: Callable[..., Trainer]
    ) -> None:
        make_trainer(slug="ann-lee", email="someone@gym.test")
        data = new_trainer_data(admin_client, branch)
        data["slug"] = "ann-lee"

        response = admin_client.post(ADD, data)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["slug"]
        assert Trainer.objects.count() == 1


class TestChange:
    def test_sends_only_the_changed_fields(
        self, admin_client: Client, admin_user: User, trainer: Trainer
    ) -> None:
        data = form_data(admin_client.get(change_url(trainer)))
        data.update(first_name="Anna", phone="+351 900 000 000")

        response = admin_client.post(change_url(trainer), data)

        assert response.status_code == 302
        trainer.refresh_from_db()
        assert (trainer.first_name, trainer.phone, trainer.version) == (
            "Anna",
            "+351 900 000 000",
            2,
        )
        last = events(trainer.pk)[-1]
        assert last.command == "TrainerUpdateProfile"
        assert last.actor_id == admin_user.pk
        assert last.payload == {
            "trainer_id": str(trainer.pk),
            "first_name": "Anna",
            "phone": "+351 900 000 000",
        }

    def test_an_unchanged_form_sends_no_command(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        data = form_data(admin_client.get(change_url(trainer)))

        assert admin_client.post(change_url(trainer), data).status_code == 302
        assert [e.command for e in events(trainer.pk)] == ["TrainerRegister"]

    def test_specialties_and_certification_rows_each_run_their_command(
        self,
        admin_client: Client,
        trainer: Trainer,
        yoga: Specialty,
        strength: Specialty,
    ) -> None:
        kept = dispatch(c.CertificationAdd(trainer.pk, "First aid", "Red Cross", date(2018, 1, 1)))
        gone = dispatch(c.CertificationAdd(trainer.pk, "Old", "Nobody", date(2010, 1, 1)))
        data = form_data(admin_client.get(change_url(trainer)))
        rows = {data[f"certifications-{i}-name"]: i for i in range(2)}
        data.update(
            {
                "specialties": [str(yoga.pk), str(strength.pk)],
                f"certifications-{rows['First aid']}-expires_on": "2030-01-01",
                f"certifications-{rows['Old']}-DELETE": "on",
                "certifications-2-name": "Kettlebell",
                "certifications-2-issuer": "StrongFirst",
                "certifications-2-issued_on": "2022-02-02",
            }
        )

        response = admin_client.post(change_url(trainer), data)

        assert response.status_code == 302, response.content.decode()[:3000]
        assert [e.command for e in events(trainer.pk)][-4:] == [
            "TrainerSetSpecialties",
            "CertificationUpdate",
            "CertificationRemove",
            "CertificationAdd",
        ]
        trainer.refresh_from_db()
        assert trainer.version == 7
        assert set(trainer.specialties.values_list("slug", flat=True)) == {"yoga", "strength"}
        kept.refresh_from_db()
        assert str(kept.expires_on) == "2030-01-01"
        assert not Certification.objects.filter(pk=gone.pk).exists()
        assert trainer.certifications.filter(name="Kettlebell").exists()

    def test_class_rows_are_scheduled_rescheduled_and_cancelled(
        self, admin_client: Client, trainer: Trainer, branch: Branch
    ) -> None:
        moved = dispatch(c.GymClassSchedule("Yoga", branch.slug, trainer.pk, 1, time(7), 60, 10))
        cancelled = dispatch(
            c.GymClassSchedule("HIIT", branch.slug, trainer.pk, 2, time(7), 45, 10)
        )
        data = form_data(admin_client.get(change_url(trainer)))
        rows = {data[f"classes-{i}-title"]: i for i in range(2)}
        data[f"classes-{rows['Yoga']}-start_time"] = "08:00"
        data[f"classes-{rows['HIIT']}-DELETE"] = "on"

        response = admin_client.post(change_url(trainer), data)

        assert response.status_code == 302
        moved.refresh_from_db()
        assert (str(moved.start_time), moved.version) == ("08:00:00", 2)
        assert not GymClass.objects.filter(pk=cancelled.pk).exists()
        assert [e.command for e in events(moved.pk, "gym_class")] == [
            "GymClassSchedule",
            "GymClassReschedule",
        ]
        assert events(cancelled.pk, "gym_class")[-1].command == "GymClassCancel"


class TestStaleForm:
    """Two staff edit one trainer: the later save of the older form is refused."""

    def test_says_who_changed_what_keeps_my_input_and_overwrites_nothing(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        data = form_data(admin_client.get(change_url(trainer)))
        assert data["loaded_version"] == "1"
        dispatch(c.TrainerUpdateProfile(trainer.pk, first_name="Annie"))  # the other editor
        data.update(first_name="Anna", bio="Mine")

        response = admin_client.post(change_url(trainer), data)

        assert response.status_code == 200
        page = response.content.decode()
        assert "system saved this trainer while you were editing it" in page
        assert ": Changed the profile" in page
        assert "Please correct the error" not in page
        clash = re.search(r'class="conflict-clashes">.*?</table>', page, re.S)
        assert clash is not None
        cells = re.findall(r"<t[hd]>(?:<strong>)?([^<]*)", clash.group(0))
        assert cells[-4:] == ["First name", "Ann", "Annie", "Anna"]
        form = response.context["adminform"].form
        assert (form["first_name"].value(), form["bio"].value()) == ("Anna", "Mine")
        trainer.refresh_from_db()
        assert (trainer.first_name, trainer.bio, trainer.version) == ("Annie", "", 2)
        assert [e.command for e in events(trainer.pk)] == [
            "TrainerRegister",
            "TrainerUpdateProfile",
        ]

    def test_different_fields_apply_mine_on_top_of_theirs_in_one_click(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        data = form_data(admin_client.get(change_url(trainer)))
        dispatch(c.TrainerUpdateProfile(trainer.pk, phone="+1 555", shift="night"))
        data.update(bio="Mine")
        refused = admin_client.post(change_url(trainer), data)
        page = refused.content.decode()
        assert "conflict-clashes" not in page
        assert "You changed different fields: nothing of theirs is lost." in page

        resubmit = form_data(refused)
        resubmit["_keep_theirs"] = re.findall(r'name="_keep_theirs" value="([^"]+)"', page)
        resubmit["_on_top"] = re.findall(r'name="_on_top" value="(\d+)"', page)[0]
        response = admin_client.post(change_url(trainer), resubmit)

        assert response.status_code == 302
        trainer.refresh_from_db()
        assert (trainer.phone, trainer.shift, trainer.bio, trainer.version) == (
            "+1 555",
            "night",
            "Mine",
            3,
        )
        assert events(trainer.pk)[-1].changes == {"bio": {"old": "", "new": "Mine"}}

    def test_on_top_of_a_record_changed_yet_again_is_refused_again(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        data = form_data(admin_client.get(change_url(trainer)))
        dispatch(c.TrainerUpdateProfile(trainer.pk, phone="+1 555"))
        refused = admin_client.post(change_url(trainer), {**data, "bio": "Mine"})
        dispatch(c.TrainerUpdateProfile(trainer.pk, phone="+1 666"))
        resubmit = {**form_data(refused), "_keep_theirs": ["phone"], "_on_top": "2"}

        response = admin_client.post(change_url(trainer), resubmit)

        assert response.status_code == 200
        assert "now at version 3" in response.content.decode()
        trainer.refresh_from_db()
        assert (trainer.phone, trainer.bio) == ("+1 666", "")

    def test_refuses_a_removed_certification_row_too(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        cert = dispatch(c.CertificationAdd(trainer.pk, "First aid", "Red Cross", date(2018, 1, 1)))
        data = form_data(admin_client.get(change_url(trainer)))
        dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Changed meanwhile"))
        data["certifications-0-DELETE"] = "on"

        response = admin_client.post(change_url(trainer), data)

        assert response.status_code == 200
        assert "saved this trainer while you were editing it" in response.content.decode()
        assert Certification.objects.filter(pk=cert.pk).exists()

    def test_a_reloaded_form_saves(self, admin_client: Client, trainer: Trainer) -> None:
        dispatch(c.TrainerUpdateProfile(trainer.pk, first_name="Annie"))
        data = form_data(admin_client.get(change_url(trainer)))
        data["bio"] = "Mine"

        assert admin_client.post(change_url(trainer), data).status_code == 302
        trainer.refresh_from_db()
        assert (trainer.first_name, trainer.bio, trainer.version) == ("Annie", "Mine", 3)


CLASS_ROW = {
    "classes-TOTAL_FORMS": "1",
    "classes-0-title": "Flow",
    "classes-0-weekday": "1",
    "classes-0-start_time": "07:00",
    "classes-0-duration_minutes": "60",
    "classes-0-capacity": "12",
    "classes-0-loaded_version": "",
}
CERTIFICATE_ROW = {
    "certifications-0-name": "First aid",
    "certifications-0-issuer": "Red Cross",
    "certifications-0-issued_on": "2020-06-01",
}


class TestPlainErrors:
    """Every model constraint and date rule: its handler's words, beside its field."""

    @pytest.mark.parametrize(
        ("edits", "field", "message"),
        [
            (
                {"date_of_birth": "1990-01-01", "hired_on": "1989-06-01"},
                "date_of_birth",
                errors.BORN_BEFORE_HIRED,
            ),
            (
                {"date_of_birth": "2020-01-01"},
                "date_of_birth",
                errors.TOO_YOUNG.format(years=16),
            ),
            ({"date_of_birth": "2031-05-01"}, "date_of_birth", errors.BORN_IN_FUTURE),
            ({"date_of_birth": "1901-05-01"}, "date_of_birth", errors.TOO_OLD.format(years=100)),
        ],
    )
    def test_profile_rules(
        self, admin_client: Client, branch: Branch, edits: dict[str, str], field: str, message: str
    ) -> None:
        data = {**new_trainer_data(admin_client, branch), **edits}
        response = admin_client.post(ADD, data)
        assert response.status_code == 200
        form = response.context["adminform"].form
        assert form.errors == {field: [message]}
        assert "is violated" not in response.content.decode()
        assert not Trainer.objects.exists()

    @pytest.mark.parametrize(
        ("prefix", "edits", "field", "message"),
        [
            (
                "certifications",
                {**CERTIFICATE_ROW, "certifications-0-expires_on": "2020-05-01"},
                "expires_on",
                errors.CERTIFICATION_DATES,
            ),
            (
                "classes",
                {**CLASS_ROW, "classes-0-duration_minutes": "0"},
                "duration_minutes",
                errors.CLASS_DURATION,
            ),
            (
                "classes",
                {**CLASS_ROW, "classes-0-duration_minutes": "601"},
                "duration_minutes",
                errors.CLASS_DURATION,
            ),
            (
                "classes",
                {**CLASS_ROW, "classes-0-capacity": "0"},
                "capacity",
                errors.CLASS_CAPACITY,
            ),
        ],
    )
    def test_row_rules(
        self,
        admin_client: Client,
        branch: Branch,
        prefix: str,
        edits: dict[str, str],
        field: str,
        message: str,
    ) -> None:
        data = {**new_trainer_data(admin_client, branch), **edits}
        if prefix == "classes":
            data["classes-0-branch"] = str(branch.pk)
        response = admin_client.post(ADD, data)
        assert response.status_code == 200
        index = 0 if prefix == "certifications" else 1
        row = response.context["inline_admin_formsets"][index].formset.forms[0]
        assert row.errors == {field: [message]}
        assert "is violated" not in response.content.decode()
        assert not Trainer.objects.exists()

    def test_the_class_page_names_the_field_too(
        self, admin_client: Client, branch: Branch, trainer: Trainer
    ) -> None:
        data = form_data(admin_client.get("/admin/trainers/gymclass/add/"))
        data.update(
            trainer=str(trainer.pk),
            title="Flow",
            branch=str(branch.pk),
            weekday="7",
            start_time="23:30",
            duration_minutes="0",
            capacity="0",
        )
        response = admin_client.post("/admin/trainers/gymclass/add/", data)
        assert response.context["adminform"].form.errors == {
            "duration_minutes": [errors.CLASS_DURATION],
            "capacity": [errors.CLASS_CAPACITY],
        }

    def test_an_overlap_across_the_weeks_end_is_refused_beside_the_start_time(
        self, admin_client: Client, branch: Branch, trainer: Trainer
    ) -> None:
        dispatch(c.GymClassSchedule("Late", branch.slug, trainer.pk, 7, time(23, 30), 120, 10))
        data = form_data(admin_client.get("/admin/trainers/gymclass/add/"))
        data.update(
            trainer=str(trainer.pk),
            title="Early",
            branch=str(branch.pk),
            weekday="1",
            start_time="00:30",
            duration_minutes="120",
            capacity="10",
        )
        response = admin_client.post("/admin/trainers/gymclass/add/", data)
        errors_shown = response.context["adminform"].form.errors
        assert list(errors_shown) == ["start_time"]
        assert "Late" in errors_shown["start_time"][0]
        assert GymClass.objects.count() == 1
