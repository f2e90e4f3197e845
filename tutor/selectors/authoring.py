"""Reads for the template editor and problem sets, always scoped to the requesting teacher.

Visibility rules:

* templates: every active shipped template, the teacher's own, and (read-only) those of teachers of the
  same school; only the author may edit a teacher template, nobody edits a shipped one (copy it instead);
* problem sets: the owner's; a school admin also sees (read-only) the sets of their school;
* anything else is indistinguishable from a missing object (``NotFound``).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tutor.errors import NotFound
from tutor.models import ProblemSet, ProblemTemplate, Skill, TemplateVersion, User


def template_list_for_teacher(*, teacher: User, include_inactive_own: bool = True) -> QuerySet[ProblemTemplate]:
    """Templates ``teacher`` may see: shipped (active), own, same-school teachers' (active)."""
    visible = Q(origin=ProblemTemplate.Origin.SHIPPED, is_active=True)
    own = Q(origin=ProblemTemplate.Origin.TEACHER, author=teacher)
    if not include_inactive_own:
        own &= Q(is_active=True)
    visible |= own
    if teacher.school_id is not None:
        visible |= Q(origin=ProblemTemplate.Origin.TEACHER, school_id=teacher.school_id, is_active=True)
    return (ProblemTemplate.objects.filter(visible).select_related("author", "current_version")
            .prefetch_related("skills").annotate(version_count=Count("versions", distinct=True)))


def template_get_for_teacher(*, teacher: User, template_id: int) -> ProblemTemplate:
    """A template ``teacher`` may see, or NotFound."""
    template = template_list_for_teacher(teacher=teacher).filter(pk=template_id).first()
    if template is None:
        raise NotFound("No such template.")
    return template


def template_may_edit(*, user: User, template: ProblemTemplate) -> bool:
    """Only the author edits a teacher template; shipped templates are read-only (copy them)."""
    return template.origin == ProblemTemplate.Origin.TEACHER and template.author_id == user.pk


def template_versions(*, template: ProblemTemplate) -> QuerySet[TemplateVersion]:
    """Every version of ``template``, newest first, with how many problems were served from each."""
    return template.versions.annotate(instance_count=Count("instances")).order_by("-number")


def skill_choices() -> list[tuple[str, str, str]]:
    """``(code, name, family)`` of every active skill, in curriculum order (for the form view)."""
    return list(Skill.objects.filter(is_active=True).order_by("order", "code").values_list("code", "name", "family"))


def active_skill_codes() -> list[str]:
    """Codes a template may name in ``skills:``."""
    return list(Skill.objects.filter(is_active=True).values_list("code", flat=True))


def problem_set_list_for_teacher(*, teacher: User) -> QuerySet[ProblemSet]:
    """Sets ``teacher`` owns; for a school admin also every set of their school."""
    q = Q(owner=teacher)
    if teacher.role == User.Role.SCHOOL_ADMIN and teacher.school_id is not None:
        q |= Q(school_id=teacher.school_id)
    return (ProblemSet.objects.filter(q).select_related("owner")
            .annotate(item_count=Count("items", distinct=True), assignment_count=Count("assignments", distinct=True)))


def problem_set_get_for_teacher(*, teacher: User, set_id: int) -> ProblemSet:
    """A set ``teacher`` may see, or NotFound."""
    problem_set = problem_set_list_for_teacher(teacher=teacher).filter(pk=set_id).first()
    if problem_set is None:
        raise NotFound("No such problem set.")
    return problem_set


def problem_set_may_edit(*, user: User, problem_set: ProblemSet) -> bool:
    """Only the owner edits or assigns a set."""
    return problem_set.owner_id == user.pk
