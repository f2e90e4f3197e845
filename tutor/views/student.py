"""Student pages: dashboard, practice page, history."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tutor import curriculum_gateway as cg
from tutor.errors import CurriculumUnavailable, TutorError
from tutor.models import ProblemInstance
from tutor.rendering import markdown_math_to_html
from tutor.selectors.practice import (
    attempt_list_for_instance,
    attempt_list_for_learner,
    instance_get_for_learner,
    mastery_overview,
    next_up,
    skill_mastery_now,
)
from tutor.selectors.school import classrooms_of_student
from tutor.services.practice import problem_next
from tutor.views.access import page_from_tutor_error, student_required
from tutor.views.serializers import reveal_json


@student_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Per-skill mastery bars grouped by family, and what to practise next."""
    rows = mastery_overview(learner=request.user)
    families: dict[str, list] = {}
    for row in rows:
        family = (row.skill.family or "skills").replace("_", " ").replace(".", " ").strip().capitalize()
        families.setdefault(family, []).append(row)
    context = {
        "families": families,
        "next_up": next_up(learner=request.user),
        "classrooms": classrooms_of_student(student=request.user),
        "mastered": sum(1 for r in rows if r.status == "mastered"),
        "total": len(rows),
    }
    return render(request, "tutor/dashboard.html", context)


@student_required
@require_GET
def practice(request: HttpRequest) -> HttpResponse:
    """Resume the open problem or start the next one chosen from current mastery."""
    try:
        instance = problem_next(learner=request.user)
    except CurriculumUnavailable as exc:
        return render(request, "tutor/practice_unavailable.html", {"message": exc.message}, status=503)
    return redirect("practice_problem", instance_id=instance.pk)


@student_required
@require_GET
def practice_problem(request: HttpRequest, instance_id: int) -> HttpResponse:
    """One problem: statement, input, hints so far, earlier attempts; answer only once it is closed."""
    try:
        instance = instance_get_for_learner(learner=request.user, instance_id=instance_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    problem = cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)
    public = cg.problem_public(problem)
    hints = cg.problem_hints(problem)[: instance.hints_revealed]
    is_open = instance.status == ProblemInstance.Status.OPEN
    context = {
        "instance": instance,
        "skill": instance.skill,
        "statement_html": markdown_math_to_html(public.statement),
        "input_kind": public.input_kind,
        "hints_html": [markdown_math_to_html(h) for h in hints],
        "hints_left": public.hints_available - instance.hints_revealed,
        "hints_available": public.hints_available,
        "attempts": attempt_list_for_instance(learner=request.user, instance=instance),
        "mastery_percent": round(skill_mastery_now(learner=request.user, skill=instance.skill) * 100),
        "is_open": is_open,
        "reveal": None if is_open else reveal_json(cg.problem_reveal(problem)),
        "template_title": instance.template_version.template.title,
        "difficulty": instance.template_version.template.difficulty,
    }
    return render(request, "tutor/practice.html", context)


@student_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """The student's own recent attempts."""
    return render(request, "tutor/history.html", {"attempts": attempt_list_for_learner(learner=request.user)})
