"""Teacher pages for problem sets (create, order items, settings, export) and assigning them to classes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutor.errors import TutorError, ValidationFailed
from tutor.models import ProblemSet
from tutor.selectors.assignments import assignment_completion
from tutor.selectors.authoring import (
    problem_set_get_for_teacher,
    problem_set_list_for_teacher,
    problem_set_may_edit,
    template_list_for_teacher,
)
from tutor.selectors.school import classroom_list_for_teacher
from tutor.services.problem_sets import (
    assignment_create,
    assignment_delete,
    problem_set_create,
    problem_set_delete,
    problem_set_export,
    problem_set_item_add,
    problem_set_items_set,
    problem_set_update,
)
from tutor.views.access import page_from_tutor_error, teacher_required, yaml_attachment


def _require_owner(request: HttpRequest, set_id: int) -> ProblemSet:
    """The set if the requester owns it; 404 when they cannot see it, 403 when they may only look."""
    try:
        problem_set = problem_set_get_for_teacher(teacher=request.user, set_id=set_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    if not problem_set_may_edit(user=request.user, problem_set=problem_set):
        raise PermissionDenied("Only the teacher who made this set can change or assign it.")
    return problem_set


class ProblemSetForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title", help_text="Students see this, e.g. “Week 3: fractions”.")
    mode = forms.ChoiceField(choices=ProblemSet.Mode.choices, initial=ProblemSet.Mode.ORDERED, label="Mode",
                             widget=forms.RadioSelect)
    goal = forms.IntegerField(min_value=1, max_value=200, initial=10, label="Goal (adaptive sets)",
                              help_text="How many problems finish an adaptive set (it also finishes when every "
                                        "skill in it is mastered).")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note to students")


class AssignForm(forms.Form):
    classroom = forms.TypedChoiceField(coerce=int, label="Class")
    opens_at = forms.DateTimeField(required=False, label="Opens",
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                   help_text="Leave empty to open now.")
    due_at = forms.DateTimeField(required=False, label="Due",
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                 help_text="Optional.")

    def __init__(self, *args: Any, classrooms: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["classroom"].choices = [(c.pk, c.name) for c in classrooms]


@teacher_required
@require_http_methods(["GET", "POST"])
def set_list(request: HttpRequest) -> HttpResponse:
    """The teacher's problem sets and a form to start one."""
    form = ProblemSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            problem_set = problem_set_create(owner=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Problem set created. Now add templates to it.")
            return redirect("teach_set", set_id=problem_set.pk)
    sets = problem_set_list_for_teacher(teacher=request.user).order_by("-updated_at")
    return render(request, "teacher/sets_list.html", {"form": form, "sets": sets})


@teacher_required
@require_GET
def set_detail(request: HttpRequest, set_id: int) -> HttpResponse:
    """One set: its items in order, settings, available templates to add, and its assignments."""
    try:
        problem_set = problem_set_get_for_teacher(teacher=request.user, set_id=set_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    may_edit = problem_set_may_edit(user=request.user, problem_set=problem_set)
    items = list(problem_set.items.select_related("template").prefetch_related("template__skills")
                 .order_by("position", "id"))
    in_set = {i.template_id for i in items}
    available = [t for t in template_list_for_teacher(teacher=request.user, include_inactive_own=False)
                 .order_by("origin", "code") if t.pk not in in_set and t.current_version_id]
    classrooms = list(classroom_list_for_teacher(teacher=request.user))
    assignments = []
    for a in problem_set.assignments.select_related("classroom").order_by("-opens_at"):
        if a.classroom_id in {c.pk for c in classrooms}:
            complete, total = assignment_completion(assignment=a)
            assignments.append({"assignment": a, "complete": complete, "total": total})
    context = {
        "problem_set": problem_set, "items": items, "available": available, "may_edit": may_edit,
        "settings_form": ProblemSetForm(initial={"title": problem_set.title, "mode": problem_set.mode,
                                                 "goal": problem_set.goal, "description": problem_set.description}),
        "assign_form": AssignForm(classrooms=classrooms), "assignments": assignments, "classrooms": classrooms,
        "now": timezone.now(),
    }
    return render(request, "teacher/set_detail.html", context)


@teacher_required
@require_POST
def set_update(request: HttpRequest, set_id: int) -> HttpResponse:
    """Save the set's title, mode, goal and note."""
    _require_owner(request, set_id)
    form = ProblemSetForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        problem_set_update(teacher=request.user, set_id=set_id, **form.cleaned_data)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    except TutorError as exc:
        page_from_tutor_error(exc)
    else:
        messages.success(request, "Settings saved.")
    return redirect("teach_set", set_id=set_id)


@teacher_required
@require_POST
def set_items(request: HttpRequest, set_id: int) -> HttpResponse:
    """POST ``action`` = ``add`` (``template_id``), ``remove``/``up``/``down`` (``code``), or ``order``
    (``codes``, comma separated): change the set's items."""
    problem_set = _require_owner(request, set_id)
    action = request.POST.get("action", "")
    try:
        codes = list(problem_set.items.order_by("position", "id").values_list("template__code", flat=True))
        if action == "add":
            template_id = request.POST.get("template_id", "")
            if not template_id.isdigit():
                raise ValidationFailed("Choose a template to add.")
            problem_set_item_add(teacher=request.user, set_id=set_id, template_id=int(template_id))
        elif action in ("remove", "up", "down"):
            code = request.POST.get("code", "")
            if code not in codes:
                raise ValidationFailed("That template is not in the set.")
            k = codes.index(code)
            if action == "remove":
                codes.pop(k)
            elif action == "up" and k > 0:
                codes[k - 1], codes[k] = codes[k], codes[k - 1]
            elif action == "down" and k < len(codes) - 1:
                codes[k + 1], codes[k] = codes[k], codes[k + 1]
            problem_set_items_set(teacher=request.user, set_id=set_id, template_codes=codes)
        elif action == "order":
            problem_set_items_set(teacher=request.user, set_id=set_id,
                                  template_codes=[c for c in request.POST.get("codes", "").split(",") if c])
        else:
            raise ValidationFailed("Unknown action.")
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    except TutorError as exc:
        page_from_tutor_error(exc)
    return redirect("teach_set", set_id=set_id)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


@teacher_required
@require_POST
def set_assign(request: HttpRequest, set_id: int) -> HttpResponse:
    """Assign the set to one of the teacher's classes with open and due dates."""
    _require_owner(request, set_id)
    classrooms = list(classroom_list_for_teacher(teacher=request.user))
    form = AssignForm(request.POST, classrooms=classrooms)
    try:
        if not form.is_valid():
            raise ValidationFailed("; ".join(" ".join(v) for v in form.errors.values()))
        assignment = assignment_create(teacher=request.user, set_id=set_id,
                                       classroom_id=form.cleaned_data["classroom"],
                                       opens_at=_aware(form.cleaned_data["opens_at"]),
                                       due_at=_aware(form.cleaned_data["due_at"]))
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    except TutorError as exc:
        page_from_tutor_error(exc)
    else:
        messages.success(request, f"Assigned to {assignment.classroom.name}. Students see it first on their dashboard.")
    return redirect("teach_set", set_id=set_id)


@teacher_required
@require_POST
def set_delete(request: HttpRequest, set_id: int) -> HttpResponse:
    """Delete a set nobody has worked on yet."""
    _require_owner(request, set_id)
    try:
        problem_set_delete(teacher=request.user, set_id=set_id)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("teach_set", set_id=set_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    messages.success(request, "Problem set deleted.")
    return redirect("teach_sets")


@teacher_required
@require_GET
def set_download(request: HttpRequest, set_id: int) -> HttpResponse:
    """The set (and its teacher-authored templates) as one YAML file."""
    try:
        filename, text = problem_set_export(teacher=request.user, set_id=set_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    return yaml_attachment(filename, text)


@teacher_required
@require_POST
def assignment_remove(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Withdraw an assignment (problems already served stay in the students' history)."""
    next_url = request.POST.get("next", "")
    try:
        assignment_delete(teacher=request.user, assignment_id=assignment_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    messages.success(request, "Assignment withdrawn.")
    if next_url.startswith("/teach/") and "//" not in next_url:
        return redirect(next_url)
    return redirect("teach_sets")
