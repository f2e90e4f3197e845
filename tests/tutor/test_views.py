"""HTTP interfaces: pages render, the practice API answers in one round trip, nothing leaks answers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.tutor import factories
from tests.tutor.conftest import make_instance
from tutor import curriculum_gateway as cg
from tutor.models import Attempt, ProblemInstance, User

pytestmark = pytest.mark.django_db


def _secrets_of(problem) -> list[str]:
    """Distinctive strings that must not reach the browser before the problem is closed."""
    secrets = [problem.answer_latex, problem.answer, *(w.answer for w in problem.wrong_answers)]
    if problem.solution is not None:
        secrets += [s.text for s in problem.solution.steps] + [problem.solution.final_latex]
    # short strings ("3", "x") appear in any page; only long ones are meaningful probes
    return [s for s in secrets if s and len(s) >= 6]


def test_anonymous_users_are_sent_to_login(client) -> None:
    assert client.get("/").url == reverse("login")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    api = client.post(reverse("api_preview"), {"text": "x"})
    assert api.status_code == 401 and api.json()["error"]["code"] == "login_required"


def test_login_page_has_labelled_fields(client) -> None:
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_signup_with_join_code_logs_in_and_enrols(client, classroom) -> None:
    response = client.post(reverse("signup"), {"join_code": classroom.join_code.lower(), "display_name": "Grace",
                                               "username": "grace", "password": "cobol-forever-1959"})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    user = User.objects.get(username="grace")
    assert user.is_student and list(user.classrooms_joined.all()) == [classroom]
    assert client.get(reverse("dashboard")).status_code == 200


def test_signup_with_bad_code_shows_the_error_on_the_field(client, classroom) -> None:
    response = client.post(reverse("signup"), {"join_code": "WRONG234", "username": "x1",
                                               "password": "cobol-forever-1959"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "could not find a class with that join code" in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(username="x1").exists()


def test_dashboard_shows_a_bar_per_skill_and_next_up(client, curriculum, student) -> None:
    client.force_login(student)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    n_skills = len(cg.skills_shipped())
    assert html.count('role="progressbar"') == n_skills
    assert 'aria-valuenow="' in html
    assert response.context["next_up"] is not None
    assert reverse("practice") in html


def test_practice_redirects_to_an_open_problem_without_leaking_its_answer(client, curriculum, student) -> None:
    client.force_login(student)
    response = client.get(reverse("practice"))
    assert response.status_code == 302
    instance = ProblemInstance.objects.get(learner=student)
    assert response.url == reverse("practice_problem", args=[instance.pk])
    page = client.get(response.url)
    html = page.content.decode()
    problem = cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)
    assert page.status_code == 200
    assert page.context["reveal"] is None
    for secret in _secrets_of(problem):
        assert secret not in html, f"{secret!r} leaked into the practice page"
    assert 'aria-live="polite"' in html and 'role="status"' in html
    assert "<math-field" in html and 'id="answer-text"' in html


def test_submit_api_wrong_then_right_in_one_round_trip_each(client, made, student) -> None:
    client.force_login(student)
    url = reverse("api_submit", args=[made.instance.pk])
    wrong = client.post(url, {"answer": made.wrong, "format": "text"})
    assert wrong.status_code == 200
    body = wrong.json()
    assert body["verdict"] == "incorrect" and body["message"]
    assert body["reveal"] is None and body["status"] == "open"
    assert body["mastery"]["after"] < body["mastery"]["before"]
    assert 0 <= body["mastery"]["percent"] <= 100
    raw = wrong.content.decode()
    for secret in _secrets_of(made.problem):
        if secret != made.wrong:
            assert secret not in raw, f"{secret!r} leaked in an incorrect-answer response"
    right = client.post(url, data=json.dumps({"answer": made.answer, "format": "text"}),
                        content_type="application/json").json()
    assert right["verdict"] == "correct" and right["status"] == "solved"
    assert right["reveal"]["answer_latex"] == made.problem.answer_latex
    assert right["counted"] is False and right["mastery"] is None


def test_submit_api_invalid_input_returns_a_friendly_message(client, made, student) -> None:
    client.force_login(student)
    body = client.post(reverse("api_submit", args=[made.instance.pk]), {"answer": "3x+*2"}).json()
    assert body["verdict"] == "invalid"
    assert body["message"] and "Traceback" not in body["message"] and "Error" not in body["message"]


def test_submit_api_refusals_are_json_errors(client, made, student, settings) -> None:
    client.force_login(student)
    url = reverse("api_submit", args=[made.instance.pk])
    empty = client.post(url, {"answer": ""})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty"
    too_long = client.post(url, {"answer": "9" * (settings.TUTOR_MAX_ANSWER_CHARS + 1)})
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "too_long"
    assert client.get(url).status_code == 405
    client.post(reverse("api_give_up", args=[made.instance.pk]))
    closed = client.post(url, {"answer": made.answer})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "closed"


def test_hint_api_reveals_hints_in_order(client, made, student) -> None:
    client.force_login(student)
    url = reverse("api_hint", args=[made.instance.pk])
    first = client.post(url).json()
    assert first["number"] == 1 and first["hints_left"] == len(made.problem.hints) - 1
    assert first["html"].startswith("<p>")
    page = client.get(reverse("practice_problem", args=[made.instance.pk]))
    assert len(page.context["hints_html"]) == 1


def test_give_up_api_reveals_the_worked_solution(client, made, student) -> None:
    client.force_login(student)
    body = client.post(reverse("api_give_up", args=[made.instance.pk])).json()
    assert body["status"] == "gave_up"
    assert body["reveal"]["answer_latex"] == made.problem.answer_latex
    assert len(body["reveal"]["steps"]) == len(made.problem.solution.steps)
    page = client.get(reverse("practice_problem", args=[made.instance.pk]))
    assert page.context["reveal"] is not None and "Worked solution" in page.content.decode()


def test_preview_api_reads_input_without_evaluating_it(client, student) -> None:
    client.force_login(student)
    ok = client.post(reverse("api_preview"), {"text": "x^2/2"}).json()
    assert ok["valid"] and "frac" in ok["latex"]
    bad = client.post(reverse("api_preview"), {"text": "(x+1"}).json()
    assert not bad["valid"] and bad["error"]


def test_history_lists_own_attempts(client, made, student) -> None:
    client.force_login(student)
    client.post(reverse("api_submit", args=[made.instance.pk]), {"answer": made.wrong})
    html = client.get(reverse("history")).content.decode()
    assert reverse("practice_problem", args=[made.instance.pk]) in html
    assert Attempt.objects.filter(learner=student).count() == 1


def test_teacher_creates_a_class_and_sees_join_code_and_roster(client, student, classroom) -> None:
    teacher = factories.teacher()
    client.force_login(teacher)
    response = client.post(reverse("teach"), {"name": "Geometry, period 2"})
    assert response.status_code == 302
    new = teacher.classrooms_taught.get(name="Geometry, period 2")
    assert response.url == reverse("teach_class", args=[new.pk])
    html = client.get(response.url).content.decode()
    assert new.join_code in html and "No students yet" in html
    client.force_login(classroom.teacher)
    roster = client.get(reverse("teach_class", args=[classroom.pk])).content.decode()
    assert student.username in roster
    listing = client.get(reverse("teach")).content.decode()
    assert classroom.join_code in listing and new.join_code not in listing


def test_healthz_reports_database(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_practice_works_for_a_second_problem_after_solving(client, curriculum, student) -> None:
    client.force_login(student)
    first_url = client.get(reverse("practice")).url
    first = ProblemInstance.objects.get(learner=student)
    client.post(reverse("api_give_up", args=[first.pk]))
    second_url = client.get(reverse("practice")).url
    assert second_url != first_url
    assert client.get(second_url).status_code == 200


@pytest.mark.slow
def test_every_shipped_template_renders_on_the_practice_page(client, curriculum, student) -> None:
    """Every shipped template renders on the practice page (statement, input, no server error)."""
    client.force_login(student)
    from tutor.models import ProblemTemplate

    for template in ProblemTemplate.objects.select_related("current_version"):
        skill = template.skills.first()
        instance = ProblemInstance.objects.create(learner=student, template_version=template.current_version,
                                                  seed=11, skill=skill)
        response = client.get(reverse("practice_problem", args=[instance.pk]))
        assert response.status_code == 200, template.code
        instance.delete()


_ = make_instance
