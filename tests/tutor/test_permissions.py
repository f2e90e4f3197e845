"""A student never sees another student's instances or attempts; roles guard every page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.tutor import factories
from tutor.models import ProblemInstance

pytestmark = pytest.mark.django_db


def test_guessing_another_students_problem_url_is_404(client, made, other_student) -> None:
    client.force_login(other_student)
    assert client.get(reverse("practice_problem", args=[made.instance.pk])).status_code == 404
    for name in ("api_submit", "api_hint", "api_give_up"):
        response = client.post(reverse(name, args=[made.instance.pk]), {"answer": made.answer})
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] == "not_found"
    made.instance.refresh_from_db()
    assert made.instance.status == ProblemInstance.Status.OPEN and made.instance.hints_revealed == 0
    assert not made.instance.attempts.exists()


def test_a_missing_problem_looks_the_same_as_someone_elses(client, made, other_student) -> None:
    client.force_login(other_student)
    theirs = client.get(reverse("practice_problem", args=[made.instance.pk]))
    missing = client.get(reverse("practice_problem", args=[made.instance.pk + 10_000]))
    assert theirs.status_code == missing.status_code == 404


def test_history_shows_only_own_attempts(client, made, student, other_student) -> None:
    client.force_login(student)
    client.post(reverse("api_submit", args=[made.instance.pk]), {"answer": made.wrong})
    client.force_login(other_student)
    html = client.get(reverse("history")).content.decode()
    assert reverse("practice_problem", args=[made.instance.pk]) not in html
    assert "No answers yet" in html


def test_teachers_cannot_use_student_pages_and_students_cannot_use_teacher_pages(client, student, classroom) -> None:
    client.force_login(student)
    assert client.get(reverse("teach")).status_code == 403
    assert client.get(reverse("teach_class", args=[classroom.pk])).status_code == 403
    client.force_login(classroom.teacher)
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.post(reverse("api_preview"), {"text": "x"}).status_code == 403


def test_a_teacher_cannot_open_another_teachers_class(client, classroom) -> None:
    client.force_login(factories.teacher())
    assert client.get(reverse("teach_class", args=[classroom.pk])).status_code == 404


def test_school_admin_sees_classes_of_their_school_only(client) -> None:
    school, other = factories.school(), factories.school()
    mine = factories.classroom(factories.teacher(school_obj=school), name="Mine")
    theirs = factories.classroom(factories.teacher(school_obj=other), name="Theirs")
    admin = factories.user("school_admin", school_obj=school)
    client.force_login(admin)
    assert client.get(reverse("teach_class", args=[mine.pk])).status_code == 200
    assert client.get(reverse("teach_class", args=[theirs.pk])).status_code == 404
