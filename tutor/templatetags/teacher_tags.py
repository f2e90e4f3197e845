"""Template helpers for teacher and school-admin pages, and the students' "assigned work" list.

``{% load teacher_tags %}`` then ``{% assigned_work user %}`` renders the student's assignments (work to do
first); ``{{ 0.734|pct }}`` -> ``73%``; ``{{ 95.2|seconds }}`` -> ``1 min 35 s``.
"""

from __future__ import annotations

from django import template

from tutor.selectors.assignments import assignments_for_student

register = template.Library()


@register.inclusion_tag("teacher/_assigned_work.html")
def assigned_work(user) -> dict:
    """The student's assignments that are open, overdue or upcoming (complete ones are counted only)."""
    if not getattr(user, "is_authenticated", False) or not user.is_student:
        return {"rows": [], "complete": 0}
    rows = assignments_for_student(student=user)
    return {"rows": [r for r in rows if r.status != "complete"],
            "complete": sum(1 for r in rows if r.status == "complete")}


@register.filter
def pct(value) -> str:
    """A fraction in [0, 1] as a whole percentage (``–`` for None)."""
    if value is None or value == "":
        return "–"
    return f"{round(float(value) * 100)}%"


@register.filter
def seconds(value) -> str:
    """Seconds as ``42 s`` / ``3 min 5 s`` / ``2 h 10 min`` (``–`` for None)."""
    if value is None:
        return "–"
    s = round(float(value))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {(s % 3600) // 60} min"


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
