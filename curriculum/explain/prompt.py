r"""The user message sent to the tutor model: the problem, optionally the student's answer, and the task.

Two shapes, and nothing else (the model is trained on exactly these)::

    {statement}

    Explain step by step, then put the final answer in \boxed{}.

    {statement}

    The student answered: {student_answer}
    Answer note: {note}
    Feedback: {feedback}                       (line present only when feedback is given)
    Explain the mistake, then solve the problem step by step and put the final answer in \boxed{}.

The student's answer is hostile text: it is never parsed here, only cleaned (control characters dropped,
whitespace runs collapsed to one space, at most :data:`MAX_STUDENT_ANSWER` characters kept, longer input cut
with "…"). The chat markers themselves are the tokenizer's business (it encodes ``<|end|>`` typed by a student
as plain text).
"""

from __future__ import annotations

import re
import unicodedata

from curriculum.explain.errors import ExplainError
from curriculum.templates.model import ProblemInstance

SOLVE_INSTRUCTION = "Explain step by step, then put the final answer in \\boxed{}."
MISTAKE_INSTRUCTION = ("Explain the mistake, then solve the problem step by step and put the final answer "
                       "in \\boxed{}.")
MAX_STUDENT_ANSWER = 200
MAX_FEEDBACK = 500
NOTE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_SPACE = re.compile(r"\s+")


def clean_text(text: object, what: str, limit: int) -> str:
    """One line of plain text: no control characters, single spaces, at most ``limit`` characters."""
    if not isinstance(text, str):
        raise ExplainError(f"{what} must be a string, got {type(text).__name__}")
    kept = "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    out = _SPACE.sub(" ", kept).strip()
    if not out:
        raise ExplainError(f"{what} is empty")
    if len(out) > limit:
        out = out[:limit - 1].rstrip() + "…"
    return out


def build_prompt(instance: ProblemInstance, *, student_answer: str | None = None, note: str | None = None,
                 feedback: str | None = None) -> str:
    """The user message for ``instance`` (see the module docstring for the exact text).

    ``note`` (a checker answer-note code such as ``ADDED_DENOMINATORS``) and ``feedback`` are only allowed
    together with ``student_answer``; ``note`` is required then (use the checker's note, e.g.
    ``ALGEQUIV_FALSE``, when no listed mistake matched).
    """
    if not isinstance(instance, ProblemInstance):
        raise ExplainError(f"build_prompt expects a ProblemInstance, got {type(instance).__name__}")
    statement = instance.statement.strip()
    if not statement:
        raise ExplainError(f"instance {instance.template_id}#{instance.seed} has an empty statement")
    if student_answer is None:
        if note is not None or feedback is not None:
            raise ExplainError("note and feedback describe a student's answer: pass student_answer too")
        return f"{statement}\n\n{SOLVE_INSTRUCTION}"
    answer = clean_text(student_answer, "student_answer", MAX_STUDENT_ANSWER)
    if note is None:
        raise ExplainError("a student's answer needs its answer note (the checker's note code)")
    if not isinstance(note, str) or not NOTE_RE.match(note):
        raise ExplainError(f"note must be an answer-note code like 'ADDED_DENOMINATORS', got {note!r}")
    lines = [statement, "", f"The student answered: {answer}", f"Answer note: {note}"]
    if feedback is not None:
        lines.append(f"Feedback: {clean_text(feedback, 'feedback', MAX_FEEDBACK)}")
    lines.append(MISTAKE_INSTRUCTION)
    return "\n".join(lines)
