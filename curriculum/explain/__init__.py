"""The explanation contract shared by model training and the web app (pure Python, no torch, no Django).

A tutor model is asked, in one user message built by :func:`build_prompt`, to explain a problem step by
step and put its final answer in ``\\boxed{}``; :func:`verify_explanation` reads that boxed answer back and
checks it with the template's own checker. Training data come from the same functions
(:func:`generate_corpus`: prompts from :func:`build_prompt`, targets from :func:`render_reasoning`), so
what the model learns is exactly what the app asks and checks.

Public API::

    build_prompt(instance, *, student_answer=None, note=None, feedback=None) -> str
    render_reasoning(instance, rng, *, mistake=None) -> str
    extract_boxed(text) -> str | None
    verify_explanation(instance, text, *, isolate=True) -> Verdict(final_answer, correct, note)
    generate_corpus(templates, seeds, rng, *, split="train") -> Iterator[dict]
    TRAIN_SEEDS, EVAL_SEEDS, eval_problem_seeds(seed, n), family_of(template_or_instance)

Seed split: training instances use template seeds in ``TRAIN_SEEDS = range(0, 1_000_000)``, evaluation
instances seeds in ``EVAL_SEEDS = range(1_000_000, 2**31)``; both generators refuse seeds of the other range.
"""

from curriculum.explain.boxed import extract_boxed
from curriculum.explain.corpus import example_for, generate_corpus
from curriculum.explain.errors import ExplainError
from curriculum.explain.prompt import MAX_STUDENT_ANSWER, build_prompt
from curriculum.explain.reasoning import Mistake, render_reasoning
from curriculum.explain.seeds import EVAL_SEEDS, TRAIN_SEEDS, check_seed, eval_problem_seeds, family_of
from curriculum.explain.verify import Verdict, verify_explanation

__all__ = [
    "EVAL_SEEDS", "MAX_STUDENT_ANSWER", "TRAIN_SEEDS", "ExplainError", "Mistake", "Verdict", "build_prompt",
    "check_seed", "eval_problem_seeds", "example_for", "extract_boxed", "family_of", "generate_corpus",
    "render_reasoning", "verify_explanation",
]
