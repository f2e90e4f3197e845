"""Role checks and the translation of tutor errors into HTTP responses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from tutor.errors import Conflict, CurriculumUnavailable, NotAllowed, NotFound, TutorError, ValidationFailed

View = Callable[..., HttpResponse]

STATUS_BY_ERROR: dict[type[TutorError], int] = {
    ValidationFailed: 400,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
    CurriculumUnavailable: 503,
}


def _role_required(check: Callable[[Any], bool], message: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if request.path.startswith("/api/"):
                    return json_error(401, "login_required", "Your session has ended. Sign in again.")
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                if request.path.startswith("/api/"):
                    return json_error(403, "forbidden", message)
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


student_required = _role_required(lambda u: u.is_student, "This page is for student accounts.")
teacher_required = _role_required(lambda u: u.is_teacher, "This page is for teachers.")


def json_error(status: int, code: str, message: str) -> JsonResponse:
    """``{"error": {"code", "message"}}`` with ``status``; ``message`` is safe to show to the student."""
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def json_from_tutor_error(exc: TutorError) -> JsonResponse:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    return json_error(status, exc.code, exc.message)


def page_from_tutor_error(exc: TutorError) -> None:
    """Re-raise a TutorError as Django's 404/403 for HTML pages (other errors propagate unchanged)."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message) from exc
    raise exc


def yaml_attachment(filename: str, text: str) -> HttpResponse:
    """A YAML file download (templates and problem sets are exported this way)."""
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
