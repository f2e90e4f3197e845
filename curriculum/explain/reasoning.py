r"""Target texts for training: a worked solution rendered as step-by-step reasoning ending in ``\boxed{}``.

The steps are the template's SymPy worked solution (``instance.solution``); only the wording around them
varies, chosen with the caller's ``random.Random`` (same rng state, same text):

* an opening line (4 variants), or for a mistake the student's answer and why it is wrong (3 variants);
* step labels ``Step 1:`` / ``1.`` / ``1)``;
* each step's display LaTeX inline ``$$...$$`` or on its own line (``$$...$$`` or ``\[...\]``); a display line
  equal to the previous one is left out (unless the step's text ends with a colon and announces it);
* a closing line (4 variants), always with ``$\boxed{<final answer>}$`` as the last box (the worked
  solution's ``final_latex``, which numeric tests need rounded as asked; else ``instance.answer_latex``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from curriculum.explain.errors import ExplainError
from curriculum.explain.prompt import MAX_FEEDBACK, MAX_STUDENT_ANSWER, clean_text
from curriculum.solutions.steps import Step
from curriculum.templates.model import ProblemInstance

OPENERS = (
    "Let's solve this step by step.",
    "We solve the problem step by step.",
    "Let's work through it one step at a time.",
    "Here is a step-by-step solution.",
)
MISTAKE_OPENERS = (
    "The answer {answer} is not correct.",
    "You answered {answer}, but that is not right.",
    "The student's answer {answer} is wrong.",
)
MISTAKE_BRIDGES = (
    "Now let's solve it correctly, step by step.",
    "Here is the correct solution, step by step.",
    "Let's redo the problem step by step.",
)
STEP_LABELS = ("Step {i}: ", "{i}. ", "{i}) ")
DISPLAYS = (" $${latex}$$", "\n$${latex}$$", "\n\\[ {latex} \\]")
CLOSERS = (
    "So the final answer is $\\boxed{{{answer}}}$.",
    "Final answer: $\\boxed{{{answer}}}$",
    "Therefore, the answer is $\\boxed{{{answer}}}$.",
    "The answer is $\\boxed{{{answer}}}$.",
)
GENERIC_MISTAKE = "It does not give the correct result."


@dataclass(frozen=True)
class Mistake:
    """A wrong student answer to explain: the text as entered, its answer note, and what is wrong with it."""

    answer: str
    note: str
    feedback: str = ""


def final_answer_latex(instance: ProblemInstance) -> str:
    """The answer to box: the worked solution's final line (already rounded as a numeric test asks, e.g.
    ``4.75`` for 3 significant figures), else the instance's ``answer_latex``."""
    final = instance.solution.final_latex.strip() if instance.solution is not None else ""
    final = final or instance.answer_latex.strip()
    if not final:
        raise ExplainError(f"instance {instance.template_id}#{instance.seed} has no final answer LaTeX")
    return final


def render_reasoning(instance: ProblemInstance, rng: random.Random, *, mistake: Mistake | None = None) -> str:
    r"""Step-by-step reasoning for ``instance`` ending in ``$\boxed{answer_latex}$`` (see module docstring).

    With ``mistake``, the text first names the student's answer and explains it (the mistake's feedback),
    then solves the problem.
    """
    if not isinstance(instance, ProblemInstance):
        raise ExplainError(f"render_reasoning expects a ProblemInstance, got {type(instance).__name__}")
    if not isinstance(rng, random.Random):
        raise ExplainError(f"rng must be a random.Random, got {type(rng).__name__}")
    if instance.solution is None or not instance.solution.steps:
        raise ExplainError(f"instance {instance.template_id}#{instance.seed} has no worked solution "
                           "(instantiate it with with_solution=True)")
    return render_steps(instance.solution.steps, final_answer_latex(instance), rng, mistake=mistake)


def render_steps(steps: Sequence[Step], final: str, rng: random.Random, *, mistake: Mistake | None = None) -> str:
    r"""The wording of :func:`render_reasoning` around any worked-solution ``steps`` ending in
    ``$\boxed{final}$`` (also used for the arithmetic drill, which has no template instance)."""
    if not isinstance(rng, random.Random):
        raise ExplainError(f"rng must be a random.Random, got {type(rng).__name__}")
    if not steps or not final.strip():
        raise ExplainError("render_steps needs at least one step and a final answer")
    parts: list[str] = []
    if mistake is None:
        parts.append(rng.choice(OPENERS))
    else:
        if not isinstance(mistake, Mistake):
            raise ExplainError(f"mistake must be a Mistake, got {type(mistake).__name__}")
        shown = clean_text(mistake.answer, "mistake.answer", MAX_STUDENT_ANSWER)
        why = clean_text(mistake.feedback, "mistake.feedback", MAX_FEEDBACK) if mistake.feedback.strip() \
            else GENERIC_MISTAKE
        parts.append(rng.choice(MISTAKE_OPENERS).format(answer=shown) + " " + why)
        parts.append(rng.choice(MISTAKE_BRIDGES))
    label = rng.choice(STEP_LABELS)
    display = rng.choice(DISPLAYS)
    previous = ""
    for i, step in enumerate(steps, 1):
        line = label.format(i=i) + step.text.strip()
        latex = step.latex.strip()
        if latex and (latex != previous or line.endswith(":")):
            line += display.format(latex=latex)
        previous = latex or previous
        parts.append(line)
    parts.append(rng.choice(CLOSERS).format(answer=final))
    return "\n".join(parts)
