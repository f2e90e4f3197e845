"""Permission matrix: every URL pattern of the app (enumerated from the resolver, so new views are covered
without editing this file), for every role, with GET and POST, filled with the ids of school 1's objects.

Roles: student A, teacher of class A, teacher of class B, school admin of school 1, school admin of school
2, anonymous. Rules, derived from the URL:

* public pages (``PUBLIC``) only must not fail;
* ``/teach/...`` and ``/api/teach/...``: teachers and school admins; with object ids, only class A's
  teacher and school 1's admin (``OWNER_ONLY`` views: class A's teacher alone); others get 404 for
  guessed ids of another school (no hint that the object exists) and 403 for the wrong role;
* ``/school/...``: school admins (only of school 1 when ids are given);
* everything else (student pages and the practice API): students; with ids only student A;
* anonymous users are sent to the login page (pages) or get 401 (JSON API);
* an id that does not exist is a 404 for everyone allowed, never a 500.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.teacher.conftest import World

pytestmark = pytest.mark.django_db

PUBLIC = {"home", "login", "logout", "signup", "healthz"}
#: views under /teach/ that only the owner of the object may use (a school admin may only look).
OWNER_ONLY = {"teach_set_update", "teach_set_items", "teach_set_assign", "teach_set_delete", "teach_template_archive"}
#: run destructive POSTs last so that they do not hide the other checks.
LAST = ("teach_assignment_withdraw", "teach_set_delete", "api_give_up")
ROLES = ("anonymous", "student_a", "teacher_a", "teacher_b", "admin_1", "admin_2")
DENIED = {401, 403, 404}
#: a wrong HTTP method is refused before any object is looked up, so it reveals nothing either.
NOT_SERVED = DENIED | {405}


def url_patterns() -> list[tuple[str, str, list[str]]]:
    """``(name, route, converter kwargs)`` of every named pattern outside the Django admin."""
    out = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name:
                out.append((p.name, prefix + str(p.pattern), list(p.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    order = {name: k for k, name in enumerate(LAST)}
    return sorted(out, key=lambda t: (order.get(t[0], -1), t[0]))


def ids_of_side_a(world: World) -> dict[str, int]:
    a = world.a
    return {"instance_id": a.instance_id, "classroom_id": a.classroom.pk, "student_id": a.student.pk,
            "template_id": a.template.pk, "set_id": a.problem_set.pk, "assignment_id": a.assignment.pk,
            "attempt_id": a.attempt_id}


def user_of(world: World, role: str):
    return {"student_a": world.a.student, "teacher_a": world.a.teacher, "teacher_b": world.b.teacher,
            "admin_1": world.a.admin, "admin_2": world.b.admin}.get(role)


def area(route: str) -> str:
    if route.startswith(("teach/", "api/teach/")):
        return "teacher"
    if route.startswith("school/"):
        return "school"
    return "student"


def allowed_roles(name: str, route: str, has_ids: bool) -> set[str]:
    kind = area(route)
    if kind == "teacher":
        if not has_ids:
            return {"teacher_a", "teacher_b", "admin_1", "admin_2"}
        return {"teacher_a"} if name in OWNER_ONLY else {"teacher_a", "admin_1"}
    if kind == "school":
        return {"admin_1"} if has_ids else {"admin_1", "admin_2"}
    return {"student_a"}  # the matrix's one student: pages without ids show their own things


def right_kind_of_role(role: str, route: str) -> bool:
    kind = area(route)
    if kind == "teacher":
        return role.startswith(("teacher", "admin"))
    if kind == "school":
        return role.startswith("admin")
    return role.startswith("student")


def test_every_pattern_has_known_kwargs() -> None:
    """A new URL with an unknown id kind must be added to ``ids_of_side_a`` (the matrix would skip it)."""
    known = {"instance_id", "classroom_id", "student_id", "template_id", "set_id", "assignment_id", "attempt_id"}
    unknown = {(name, k) for name, _, kwargs in url_patterns() for k in kwargs if k not in known}
    assert not unknown, f"add these URL kwargs to the permission matrix: {sorted(unknown)}"
    names = {name for name, _, _ in url_patterns()}
    assert {"teach_dashboard", "teach_template", "api_teach_template_save", "school_dashboard",
            "practice_problem"} <= names


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world: World, role: str) -> None:
    ids = ids_of_side_a(world)
    user = user_of(world, role)
    failures = []
    for name, route, kwargs in url_patterns():
        url = reverse(name, kwargs={k: ids[k] for k in kwargs})
        allowed = name in PUBLIC or role in allowed_roles(name, route, bool(kwargs))
        for method in ("get", "post"):
            if user is not None:
                client.force_login(user)
            else:
                client.logout()
            response = getattr(client, method)(url)
            status = response.status_code
            where = f"{role} {method.upper()} {url} ({name}) -> {status}"
            if status >= 500:
                failures.append(where + " server error")
            elif name in PUBLIC:
                continue
            elif role == "anonymous":
                login_redirect = status == 302 and response["Location"].startswith(reverse("login"))
                if not (login_redirect or status == 401):
                    failures.append(where + " (anonymous must be sent to log in)")
            elif allowed and status in DENIED:
                failures.append(where + " (should be allowed)")
            elif not allowed and status not in NOT_SERVED:
                failures.append(where + " (should be denied)")
            elif not allowed and kwargs and right_kind_of_role(role, route) and name not in OWNER_ONLY \
                    and status not in (404, 405):
                failures.append(where + " (a guessed id of another school must look missing: 404)")
    assert not failures, "\n".join(failures)


def test_missing_ids_are_404_for_allowed_roles(client, world: World) -> None:
    """Guessing ids that do not exist is a 404 (never a 500, never a success) for the roles that may use the
    view; 405 for the wrong method and 400 where the request body is refused before the lookup."""
    failures = []
    for name, route, kwargs in url_patterns():
        if not kwargs or name in PUBLIC:
            continue
        user = world.a.admin if area(route) == "school" else world.a.student if area(route) == "student" \
            else world.a.teacher
        client.force_login(user)
        url = reverse(name, kwargs={k: 987_654 for k in kwargs})
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (400, 404, 405):
                failures.append(f"{method.upper()} {url} ({name}) -> {status}")
    assert not failures, "\n".join(failures)


def test_non_staff_roles_cannot_open_the_django_admin(client, world: World) -> None:
    for role in ROLES[1:]:
        client.force_login(user_of(world, role))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role


def test_downloads_are_yaml_attachments_for_the_owner(client, world: World) -> None:
    client.force_login(world.a.teacher)
    for name, kwargs in (("teach_template_download", {"template_id": world.a.template.pk}),
                         ("teach_set_download", {"set_id": world.a.problem_set.pk})):
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/yaml; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="')
        assert response["Content-Disposition"].endswith('.yaml"')
        assert b"id:" in response.content
