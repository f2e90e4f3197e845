"""JSON shapes sent to the browser. Nothing here may expose an answer before the problem is closed."""

from __future__ import annotations

from typing import Any

from tutor import curriculum_gateway as cg
from tutor.models import Attempt, Skill
from tutor.rendering import markdown_math_to_html
from tutor.services.mastery import MasteryChange

DEFAULT_MESSAGES = {
    Attempt.Verdict.CORRECT: "Well done: that is exactly right.",
    Attempt.Verdict.INCORRECT: "Check your working and try again, or ask for a hint.",
    Attempt.Verdict.INVALID: "We couldn't read that answer. Check the brackets and symbols and try again.",
}


def reveal_json(reveal: cg.Reveal) -> dict[str, Any]:
    """Answer and worked solution (only for solved or given-up problems)."""
    return {
        "answer_latex": reveal.answer_latex,
        "steps": [{"html": str(markdown_math_to_html(s.text)), "latex": s.latex} for s in reveal.steps],
        "final_latex": reveal.final_latex,
    }


def mastery_json(change: MasteryChange | None, skill: Skill) -> dict[str, Any] | None:
    """Before/after P(mastered) of the targeted skill, with rounded percentages for the bar."""
    if change is None:
        return None
    return {
        "skill": skill.code,
        "skill_name": skill.name,
        "before": round(change.before, 4),
        "after": round(change.after, 4),
        "percent": round(change.after * 100),
    }


def attempt_message(attempt: Attempt) -> str:
    """The student-facing sentence for an attempt: the checker's feedback, else a default per verdict."""
    return attempt.feedback.strip() or DEFAULT_MESSAGES[attempt.verdict]
