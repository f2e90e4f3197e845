"""Class dashboard (heatmap, who is stuck, per-template statistics, charts), drill-down, CSV exports,
the school admin dashboard, and the Django admin pages of every model."""

from __future__ import annotations

import csv
import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.tutor import factories
from tutor import curriculum_gateway as cg
from tutor.models import ExplanationTranscript, ProblemInstance, ProblemTemplate, SkillMastery, User
from tutor.selectors.dashboards import (
    _safe_cell,
    class_heatmap,
    school_classes,
    school_explanations,
    stuck_students,
    template_stats,
    worker_health,
)
from tutor.services.practice import attempt_submit, problem_give_up
from tutor.services.school import enrollment_join

pytestmark = pytest.mark.django_db
CODE = "linear_equations.two_step.basic"


@pytest.fixture
def klass(curriculum):
    school = factories.school()
    teacher = factories.teacher(school_obj=school)
    classroom = factories.classroom(teacher, name="Period 3")
    students = []
    for name in ("Ana", "Ben", "Cleo"):
        s = factories.student(username=name.lower())
        s.display_name = name
        s.save()
        enrollment_join(student=s, join_code=classroom.join_code)
        students.append(s)
    return school, teacher, classroom, students


def _instance(student, seed: int, code: str = CODE) -> tuple[ProblemInstance, object]:
    template = ProblemTemplate.objects.get(code=code)
    problem = cg.problem_build(source_yaml=template.current_version.source_yaml, seed=seed)
    instance = ProblemInstance.objects.create(learner=student, template_version=template.current_version, seed=seed,
                                              skill=template.skills.first(), hints_available=len(problem.hints))
    return instance, problem


def _answer(student, instance, text: str):
    return attempt_submit(learner=student, instance_id=instance.pk, raw_input=text, input_format="text")


def test_heatmap_stats_and_stuck_detection(klass) -> None:
    _, _, classroom, (ana, ben, _cleo) = klass
    # Ana: right first time twice. Ben: the SIGN_ERROR mistake three times in a row. Cleo: nothing.
    for seed in (1, 2):
        instance, problem = _instance(ana, seed)
        _answer(ana, instance, problem.expected_entry)
    sign_error = None
    for seed in (3, 4, 5):
        instance, problem = _instance(ben, seed)
        sign_error = next(w for w in problem.wrong_answers if w.note == "SIGN_ERROR")
        outcome = _answer(ben, instance, sign_error.answer)
        assert outcome.attempt.note == "SIGN_ERROR"
    heat = class_heatmap(classroom=classroom)
    assert [s.shown_name for s in heat.students] == ["Ana", "Ben", "Cleo"]
    assert [s.code for s in heat.skills] == ["linear_equations.two_step"]
    ana_cell, ben_cell, cleo_cell = (row[0] for row in heat.rows)
    assert ana_cell.p > ben_cell.p and cleo_cell.p is None and cleo_cell.band == "none"
    assert (ana_cell.attempts, ana_cell.correct, ben_cell.attempts, ben_cell.correct) == (2, 2, 3, 0)
    assert heat.skill_means[0] == pytest.approx((ana_cell.p + ben_cell.p) / 2)

    stuck = stuck_students(classroom=classroom)
    assert [r.student.shown_name for r in stuck] == ["Ben"]
    assert stuck[0].reasons[0] == "3 wrong answers in a row on " + heat.skills[0].name

    [stats] = template_stats(classroom=classroom)
    assert (stats.code, stats.problems, stats.answers) == (CODE, 5, 5)
    assert stats.first_try_rate == pytest.approx(2 / 5) and stats.solved_rate == pytest.approx(2 / 5)
    assert stats.median_seconds is not None and stats.median_seconds >= 0
    [group] = stats.wrong_groups
    assert (group.note, group.count) == ("SIGN_ERROR", 3)
    assert sum(n for _, n in group.examples) == 3


def test_hints_and_giving_up_mark_a_student_as_stuck(klass) -> None:
    _, _, classroom, (ana, *_) = klass
    from tutor.services.practice import hint_request

    for seed in (11, 12, 13):
        instance, problem = _instance(ana, seed)
        for _ in range(len(problem.hints)):
            hint_request(learner=ana, instance_id=instance.pk)
        problem_give_up(learner=ana, instance_id=instance.pk)
    [row] = stuck_students(classroom=classroom)
    assert any(r.startswith("gave up on 3 of the last 3") for r in row.reasons)
    assert any("100% of the hints" in r for r in row.reasons)


def test_dashboard_page_drill_down_and_csv_exports(client, klass) -> None:
    _, teacher, classroom, (ana, _ben, _) = klass
    instance, problem = _instance(ana, 1)
    _answer(ana, instance, "=HYPERLINK(\"http://x\")")
    _answer(ana, instance, problem.expected_entry)
    client.force_login(teacher)
    html = client.get(reverse("teach_dashboard", args=[classroom.pk])).content.decode()
    assert "Mastery heatmap" in html and "Ana" in html and 'id="dashboard-data"' in html
    assert reverse("teach_student", args=[classroom.pk, ana.pk]) in html
    page = client.get(reverse("teach_student", args=[classroom.pk, ana.pk]) + "?skill=linear_equations.two_step")
    assert page.status_code == 200 and problem.expected_entry in page.content.decode()

    response = client.get(reverse("teach_export_attempts", args=[classroom.pk]))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["student_username", "student_name", "submitted_at"] and len(rows) == 3
    assert rows[1][0] == "ana" and rows[1][10].startswith("'=HYPERLINK")  # formula neutralised
    assert rows[2][7] == "correct" and rows[2][10] == problem.expected_entry

    mastery = b"".join(client.get(reverse("teach_export_mastery", args=[classroom.pk])).streaming_content)
    mrows = list(csv.reader(io.StringIO(mastery.decode("utf-8-sig"))))
    assert mrows[0][0] == "student_username" and [r[0] for r in mrows[1:]] == ["ana"]
    assert float(mrows[1][4]) == pytest.approx(SkillMastery.objects.get(learner=ana).p_mastered, abs=1e-4)
    # A student of another class is not part of this class's drill-down.
    stranger = factories.student()
    assert client.get(reverse("teach_student", args=[classroom.pk, stranger.pk])).status_code == 404


def test_safe_cell_keeps_numbers_and_neutralises_formulas() -> None:
    assert _safe_cell("-3") == "-3" and _safe_cell("-0.5") == "-0.5" and _safe_cell("x = 4") == "x = 4"
    assert _safe_cell("=1+1") == "'=1+1" and _safe_cell("+A1") == "'+A1" and _safe_cell("@SUM") == "'@SUM"
    assert _safe_cell("-x") == "'-x" and _safe_cell(3) == 3


def test_school_dashboard_numbers(client, klass) -> None:
    school, _, _classroom, (ana, _ben, _) = klass
    other_class = factories.classroom(factories.teacher(school_obj=school), name="Period 5")
    dana = factories.student(username="dana")
    enrollment_join(student=dana, join_code=other_class.join_code)
    instance, problem = _instance(ana, 1)
    _answer(ana, instance, problem.expected_entry)
    instance2, _ = _instance(dana, 2)
    _answer(dana, instance2, "x = 999")
    ExplanationTranscript.objects.create(instance=instance, status="done", verified=True, tokens=100)
    ExplanationTranscript.objects.create(instance=instance2, status="done", verified=False, tokens=50)
    ExplanationTranscript.objects.create(instance=instance2, status="pending")
    summary = {c.classroom.name: c for c in school_classes(school=school)}
    assert (summary["Period 3"].students, summary["Period 3"].active_7d, summary["Period 3"].answers_7d) == (3, 1, 1)
    assert (summary["Period 5"].students, summary["Period 5"].active_7d) == (1, 1)
    usage = school_explanations(school=school)
    assert (usage.total, usage.checked, usage.verified_rate) == (3, 2, 0.5)
    assert usage.by_status == {"done": 2, "pending": 1}
    health = worker_health()
    assert health.pending == 1 and health.status == "idle"
    admin1 = factories.user(User.Role.SCHOOL_ADMIN, school_obj=school)
    client.force_login(admin1)
    html = client.get(reverse("school_dashboard")).content.decode()
    assert "Period 3" in html and "Period 5" in html and 'id="active-7d">2<' in html
    assert "50%" in html  # verified share


def test_every_model_is_in_the_django_admin_with_a_working_changelist(client, klass) -> None:
    _, _, _classroom, (ana, *_) = klass
    instance, problem = _instance(ana, 1)
    _answer(ana, instance, problem.expected_entry)
    superuser = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-1")
    client.force_login(superuser)
    for model in apps.get_app_config("tutor").get_models():
        assert model in admin.site._registry, f"{model.__name__} is not registered in the admin"
        model_admin = admin.site._registry[model]
        assert model_admin.list_display != ("__str__",), f"{model.__name__} has no list_display"
        url = reverse(f"admin:tutor_{model._meta.model_name}_changelist")
        response = client.get(url + ("?q=a" if model_admin.search_fields else ""))
        assert response.status_code == 200, (model.__name__, response.status_code)
        assert model_admin.search_fields or model_admin.list_filter, f"{model.__name__}: no search or filters"
