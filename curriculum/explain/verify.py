r"""Checking a model's explanation: its last ``\boxed{}`` answer, judged by the template's own checker.

The boxed answer is LaTeX, so it is checked with ``input_format="latex"`` (the checker's bounded LaTeX
translator and allow-listed parser: model output is treated as hostile as student input). When that
translator cannot read it but the text is exactly the template's own ``answer_latex`` (whitespace aside),
the answer is accepted with note ``LATEX_EXACT_MATCH``.
"""

from __future__ import annotations

from dataclasses import dataclass

from curriculum.explain.boxed import extract_boxed
from curriculum.explain.errors import ExplainError
from curriculum.templates.checking import check_instance_answer
from curriculum.templates.model import ProblemInstance

NO_BOXED_ANSWER = "NO_BOXED_ANSWER"
EMPTY_BOXED_ANSWER = "EMPTY_BOXED_ANSWER"
LATEX_EXACT_MATCH = "LATEX_EXACT_MATCH"


@dataclass(frozen=True)
class Verdict:
    """``final_answer``: the boxed text (None if there was none); ``correct``; ``note``: the checker's
    answer note, or ``NO_BOXED_ANSWER`` / ``EMPTY_BOXED_ANSWER`` / ``LATEX_EXACT_MATCH``."""

    final_answer: str | None
    correct: bool
    note: str


def _squash(latex: str) -> str:
    return "".join(latex.split())


def verify_explanation(instance: ProblemInstance, text: str, *, isolate: bool = True) -> Verdict:
    """Judge the final boxed answer of ``text`` for ``instance``.

    ``isolate=True`` (default) checks in the checker's isolated worker process, as for student input;
    ``False`` checks in-process (trusted batch work: tests, corpus validation).
    """
    if not isinstance(instance, ProblemInstance):
        raise ExplainError(f"verify_explanation expects a ProblemInstance, got {type(instance).__name__}")
    if not isinstance(text, str):
        raise ExplainError(f"text must be a string, got {type(text).__name__}")
    boxed = extract_boxed(text)
    if boxed is None:
        return Verdict(None, False, NO_BOXED_ANSWER)
    if not boxed:
        return Verdict(boxed, False, EMPTY_BOXED_ANSWER)
    result = check_instance_answer(instance, boxed, input_format="latex", isolate=isolate)
    if not result.valid and _squash(boxed) == _squash(instance.answer_latex):
        return Verdict(boxed, True, LATEX_EXACT_MATCH)
    return Verdict(boxed, bool(result.correct), str(result.note))
