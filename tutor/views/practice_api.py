"""JSON endpoints of the practice page: submit, hint, give up, input preview. One round trip each."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from tutor import curriculum_gateway as cg
from tutor import ratelimit
from tutor.errors import TutorError
from tutor.rendering import markdown_math_to_html
from tutor.services.practice import attempt_submit, hint_request, problem_give_up
from tutor.views.access import json_error, json_from_tutor_error, student_required
from tutor.views.serializers import attempt_message, mastery_json, reveal_json


def _body(request: HttpRequest) -> dict[str, Any]:
    """Form-encoded or JSON request body as a flat dict of strings."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


@student_required
@require_POST
@ratelimit.limit_json("submit", ratelimit.user_key)
def submit(request: HttpRequest, instance_id: int) -> JsonResponse:
    """POST ``answer`` (+ ``format`` text|latex) -> verdict, message, note, mastery, and (if solved) reveal."""
    data = _body(request)
    answer = data.get("answer", "")
    if not isinstance(answer, str):
        return json_error(400, "invalid", "Send the answer as text.")
    try:
        outcome = attempt_submit(
            learner=request.user,
            instance_id=instance_id,
            raw_input=answer,
            input_format=str(data.get("format", "text")),
        )
    except TutorError as exc:
        return json_from_tutor_error(exc)
    attempt = outcome.attempt
    return JsonResponse(
        {
            "attempt": attempt.pk,
            "verdict": attempt.verdict,
            "message": attempt_message(attempt),
            "note": attempt.note,
            "entered_latex": attempt.parsed_latex,
            "counted": attempt.counted_for_mastery,
            "mastery": mastery_json(outcome.mastery, outcome.instance.skill),
            "status": outcome.instance.status,
            "reveal": reveal_json(outcome.reveal) if outcome.reveal else None,
        }
    )


@student_required
@require_POST
def hint(request: HttpRequest, instance_id: int) -> JsonResponse:
    """Reveal the next hint: ``{"number", "html", "hints_left"}``."""
    try:
        number, text, hints_left = hint_request(learner=request.user, instance_id=instance_id)
    except TutorError as exc:
        return json_from_tutor_error(exc)
    return JsonResponse({"number": number, "html": str(markdown_math_to_html(text)), "hints_left": hints_left})


@student_required
@require_POST
def give_up(request: HttpRequest, instance_id: int) -> JsonResponse:
    """Close the problem and reveal the answer and worked solution."""
    try:
        outcome = problem_give_up(learner=request.user, instance_id=instance_id)
    except TutorError as exc:
        return json_from_tutor_error(exc)
    return JsonResponse({
        "status": outcome.instance.status,
        "mastery": mastery_json(outcome.mastery, outcome.instance.skill),
        "reveal": reveal_json(outcome.reveal),
    })


@student_required
@require_POST
def preview(request: HttpRequest) -> JsonResponse:
    """POST ``text`` -> ``{"valid", "latex", "error"}``: how the tutor reads typed input (no evaluation)."""
    text = str(_body(request).get("text", ""))
    if len(text) > settings.TUTOR_MAX_ANSWER_CHARS:
        return JsonResponse({"valid": False, "latex": "",
                             "error": f"That is too long (at most {settings.TUTOR_MAX_ANSWER_CHARS} characters)."})
    if not text.strip():
        return JsonResponse({"valid": False, "latex": "", "error": ""})
    return JsonResponse(cg.input_preview(text))
