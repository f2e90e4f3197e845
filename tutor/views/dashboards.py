"""Class dashboard (heatmap, who is stuck, per-template statistics, charts), the drill-down to one
student's answers, and the school admin dashboard."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tutor import curriculum_gateway as cg
from tutor.models import User
from tutor.selectors.assignments import assignment_completion, assignments_for_classroom
from tutor.selectors.dashboards import (
    activity_by_day,
    class_heatmap,
    class_student_get,
    school_active_students,
    school_classes,
    school_explanations,
    school_mastery_by_skill,
    school_students,
    stuck_students,
    student_attempts,
    student_mastery,
    template_stats,
    worker_health,
)
from tutor.selectors.school import classroom_get_for_teacher
from tutor.views.access import _role_required, teacher_required

school_admin_required = _role_required(lambda u: u.role == User.Role.SCHOOL_ADMIN and u.school_id is not None,
                                       "This page is for school admins.")


@teacher_required
@require_GET
def class_dashboard(request: HttpRequest, classroom_id: int) -> HttpResponse:
    """Heatmap, who is stuck, assignments, per-template statistics and charts of one class."""
    classroom = classroom_get_for_teacher(teacher=request.user, classroom_id=classroom_id)
    heatmap = class_heatmap(classroom=classroom)
    stats = template_stats(classroom=classroom)
    assignments = [{"assignment": a, "complete": c, "total": t}
                   for a in assignments_for_classroom(classroom_id=classroom.pk)
                   for c, t in [assignment_completion(assignment=a)]]
    charts = {
        "threshold": round(cg.mastery_threshold() * 100),
        "activity": activity_by_day(classroom=classroom),
        "skills": {"labels": [s.name for s in heatmap.skills],
                   "means": [None if m is None else round(m * 100) for m in heatmap.skill_means]},
        "templates": {"labels": [t.title for t in stats[:12]],
                      "first_try": [None if t.first_try_rate is None else round(t.first_try_rate * 100)
                                    for t in stats[:12]]},
    }
    context = {"classroom": classroom, "heatmap": heatmap, "heat_rows": [(st, list(zip(heatmap.skills, row))) for st, row in zip(heatmap.students, heatmap.rows)],
               "stuck": stuck_students(classroom=classroom), "stats": stats, "assignments": assignments,
               "charts": charts, "now": timezone.now()}
    return render(request, "teacher/class_dashboard.html", context)


@teacher_required
@require_GET
def class_student(request: HttpRequest, classroom_id: int, student_id: int) -> HttpResponse:
    """One student of the class: per-skill mastery and every answer (newest first)."""
    classroom = classroom_get_for_teacher(teacher=request.user, classroom_id=classroom_id)
    student = class_student_get(classroom=classroom, student_id=student_id)
    if student is None:
        raise Http404("No such student in this class.")
    skill_code = request.GET.get("skill", "")
    attempts = student_attempts(student=student)
    if skill_code:
        attempts = [a for a in attempts if a.instance.skill.code == skill_code]
    return render(request, "teacher/class_student.html", {
        "classroom": classroom, "student": student, "mastery": student_mastery(student=student),
        "attempts": attempts, "skill_code": skill_code})


@school_admin_required
@require_GET
def school_dashboard(request: HttpRequest) -> HttpResponse:
    """The school admin's overview: classes, active students, mastery by skill across classes, explanation
    usage and verification, inference worker and queue health."""
    school = request.user.school
    skills, classes, means = school_mastery_by_skill(school=school)
    context = {
        "school": school,
        "classes": school_classes(school=school),
        "students_total": school_students(school=school).count(),
        "active_1d": school_active_students(school=school, days=1),
        "active_7d": school_active_students(school=school, days=7),
        "mastery_skills": skills, "mastery_classes": classes,
        "mastery_rows": [{"skill": s, "cells": [None if m is None else round(m * 100) for m in row]}
                         for s, row in zip(skills, means)],
        "explanations": school_explanations(school=school),
        "health": worker_health(),
    }
    return render(request, "schooladmin/dashboard.html", context)
