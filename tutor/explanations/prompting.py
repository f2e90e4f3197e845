"""The prompt for an explanation and the verdict on its final answer, through ``curriculum.explain``.

The bundled model is trained on exactly ``curriculum.explain.build_prompt``'s two shapes, so nothing here
adds text of its own: it only chooses what to pass (see :func:`prompt_inputs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from curriculum.explain import build_prompt, verify_explanation
from tutor import curriculum_gateway as cg
from tutor.models import Attempt, ProblemInstance

_NOTE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
FALLBACK_NOTE = "INCORRECT"  # an incorrect attempt whose checker note is empty or not a note code


@dataclass(frozen=True)
class PromptInputs:
    """What the prompt says about the student: nothing (solve it), or their answer, note and feedback."""

    student_answer: str | None
    note: str | None
    feedback: str | None


@dataclass(frozen=True)
class ExplanationVerdict:
    """``final_answer_latex`` ("" when there is no ``\\boxed{}``), ``correct``, the checker's ``note``."""

    final_answer_latex: str
    correct: bool
    note: str


def problem_of(instance: ProblemInstance) -> Any:
    """The curriculum ProblemInstance behind a stored instance (re-instantiated from version + seed)."""
    return cg.problem_build(source_yaml=instance.template_version.source_yaml, seed=instance.seed)


def prompt_inputs(attempt: Attempt | None) -> PromptInputs:
    """A wrong answer is explained with its note and feedback; a correct answer or a give-up without a
    valid answer gets the plain "explain step by step" prompt (there is no mistake to explain)."""
    if attempt is None or attempt.verdict != Attempt.Verdict.INCORRECT:
        return PromptInputs(None, None, None)
    note = attempt.note if _NOTE.match(attempt.note or "") else FALLBACK_NOTE
    feedback = (attempt.feedback or "").strip() or None
    return PromptInputs(attempt.raw_input, note, feedback)


def explanation_prompt(instance: ProblemInstance, attempt: Attempt | None) -> str:
    """The user message for the model (``curriculum.explain.build_prompt``)."""
    inputs = prompt_inputs(attempt)
    return build_prompt(problem_of(instance), student_answer=inputs.student_answer, note=inputs.note,
                        feedback=inputs.feedback)


def explanation_verdict(instance: ProblemInstance, text: str) -> ExplanationVerdict:
    """Check the last ``\\boxed{}`` of ``text`` with the template's checker (isolated process unless
    ``TUTOR_CHECK_IN_PROCESS``: model output is as hostile as student input)."""
    isolate = not settings.TUTOR_CHECK_IN_PROCESS
    if isolate:
        cg._checker_pool_configure()  # the gateway's once-per-process pool sizing
    verdict = verify_explanation(problem_of(instance), text, isolate=isolate)
    return ExplanationVerdict(final_answer_latex=verdict.final_answer or "", correct=bool(verdict.correct),
                              note=str(verdict.note)[:64])
