"""Minimal teacher pages: list and create classes, see a class's join code and roster."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tutor.errors import NotAllowed, ValidationFailed
from tutor.selectors.school import classroom_get_for_teacher, classroom_list_for_teacher, classroom_roster
from tutor.services.school import classroom_create
from tutor.views.access import teacher_required


class ClassroomForm(forms.Form):
    name = forms.CharField(label="Class name", max_length=120, help_text="e.g. Algebra 1, period 3")


@teacher_required
@require_http_methods(["GET", "POST"])
def classes(request: HttpRequest) -> HttpResponse:
    """The teacher's classes and a form to create one."""
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            classroom = classroom_create(teacher=request.user, name=form.cleaned_data["name"])
        except (ValidationFailed, NotAllowed) as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, f"Class created. Share the join code {classroom.join_code} with students.")
            return redirect("teach_class", classroom_id=classroom.pk)
    return render(request, "tutor/teach_classes.html",
                  {"form": form, "classrooms": classroom_list_for_teacher(teacher=request.user)})


@teacher_required
@require_GET
def class_detail(request: HttpRequest, classroom_id: int) -> HttpResponse:
    """One class: join code, sign-up link, roster with activity and mastery."""
    classroom = classroom_get_for_teacher(teacher=request.user, classroom_id=classroom_id)
    signup_url = request.build_absolute_uri(f"/signup/?code={classroom.join_code}")
    return render(request, "tutor/teach_class.html",
                  {"classroom": classroom, "roster": classroom_roster(classroom=classroom), "signup_url": signup_url})
