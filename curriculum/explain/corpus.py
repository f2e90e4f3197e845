"""Training (and held-out) examples from curriculum templates: chat prompt + step-by-step response.

``generate_corpus(templates, seeds, rng)`` instantiates every template with every seed (template-major, in
template-id order) and yields one *solve* example per instance; with probability ``mistake_rate`` (when the
instance lists wrong answers) one more *mistake* example: "the student answered X (answer note N); explain the
mistake, then solve", X being one listed wrong answer, its feedback included in the prompt half of the time.
Everything random (phrasing, which mistake, whether feedback is shown) comes from ``rng``, so the same
arguments always give the same examples.

Each example is a JSON-ready dict::

    {"prompt": str, "response": str, "template_id": str, "family": str, "seed": int, "kind": "solve"|"mistake"}
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from curriculum.explain.errors import ExplainError
from curriculum.explain.prompt import build_prompt
from curriculum.explain.reasoning import Mistake, render_reasoning
from curriculum.explain.seeds import (
    EVAL_SEEDS,
    TRAIN_SEEDS,
    check_seed,
    eval_problem_seeds,
    family_of,
)
from curriculum.templates.instantiate import instantiate
from curriculum.templates.model import ProblemInstance, ProblemTemplate

__all__ = ["EVAL_SEEDS", "TRAIN_SEEDS", "ExplainError", "eval_problem_seeds", "example_for", "family_of",
           "generate_corpus"]


def _templates(templates: Mapping[str, ProblemTemplate] | Iterable[ProblemTemplate]) -> list[ProblemTemplate]:
    items = list(templates.values()) if isinstance(templates, Mapping) else list(templates)
    if not items:
        raise ExplainError("no templates given")
    bad = [type(t).__name__ for t in items if not isinstance(t, ProblemTemplate)]
    if bad:
        raise ExplainError(f"templates must be ProblemTemplate values, got {bad[0]}")
    return sorted(items, key=lambda t: t.id)


def example_for(instance: ProblemInstance, rng: random.Random, *, mistake_index: int | None = None,
                with_feedback: bool = True) -> dict[str, Any]:
    """One example for ``instance``: a solve example, or (``mistake_index``) a mistake example built from
    ``instance.wrong_answers[mistake_index]``."""
    base = {"template_id": instance.template_id, "family": family_of(instance), "seed": instance.seed}
    if mistake_index is None:
        return {"prompt": build_prompt(instance), "response": render_reasoning(instance, rng),
                "kind": "solve", **base}
    wrong = instance.wrong_answers[mistake_index]
    note = wrong.note or f"WRONG_ANSWER_{mistake_index + 1}"
    prompt = build_prompt(instance, student_answer=wrong.answer, note=note,
                          feedback=wrong.feedback if with_feedback and wrong.feedback.strip() else None)
    response = render_reasoning(instance, rng, mistake=Mistake(wrong.answer, note, wrong.feedback))
    return {"prompt": prompt, "response": response, "kind": "mistake", **base}


def generate_corpus(templates: Mapping[str, ProblemTemplate] | Iterable[ProblemTemplate], seeds: Iterable[int],
                    rng: random.Random, *, split: str = "train", mistake_rate: float = 0.5
                    ) -> Iterator[dict[str, Any]]:
    """Examples for every (template, seed); seeds must all lie in the ``split``'s range (see
    :mod:`curriculum.explain.seeds`). Raises ExplainError on a seed of the other split."""
    if not isinstance(rng, random.Random):
        raise ExplainError(f"rng must be a random.Random, got {type(rng).__name__}")
    if not 0.0 <= mistake_rate <= 1.0:
        raise ExplainError(f"mistake_rate={mistake_rate} must be in [0, 1]")
    items = _templates(templates)
    seed_list = [check_seed(s, split) for s in seeds]
    if not seed_list:
        raise ExplainError("no seeds given")
    for template in items:
        for seed in seed_list:
            instance = instantiate(template, seed)
            yield example_for(instance, rng)
            if instance.wrong_answers and rng.random() < mistake_rate:
                index = rng.randrange(len(instance.wrong_answers))
                yield example_for(instance, rng, mistake_index=index, with_feedback=rng.random() < 0.5)
