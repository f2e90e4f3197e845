import random

import pytest

from curriculum.explain import (
    EVAL_SEEDS,
    TRAIN_SEEDS,
    ExplainError,
    eval_problem_seeds,
    family_of,
    generate_corpus,
    verify_explanation,
)
from curriculum.templates import instantiate, load_templates


def _corpus(templates, seeds, seed, **kw):
    return list(generate_corpus(templates, seeds, random.Random(seed), **kw))


def test_same_arguments_same_corpus(fraction_templates):
    a = _corpus(fraction_templates, range(5), 0)
    assert a == _corpus(fraction_templates, range(5), 0)
    assert a != _corpus(fraction_templates, range(5), 1)  # phrasing and mistake choices follow the rng
    assert {ex["kind"] for ex in a} == {"solve", "mistake"}
    assert {ex["template_id"] for ex in a} == set(fraction_templates)
    assert all(ex["family"] == "fractions" for ex in a)


def test_every_example_verifies_and_mistakes_quote_a_listed_wrong_answer(fraction_templates):
    for ex in _corpus(fraction_templates, range(4), 3, mistake_rate=1.0):
        instance = instantiate(fraction_templates[ex["template_id"]], ex["seed"])
        assert verify_explanation(instance, ex["response"], isolate=False).correct, ex
        if ex["kind"] == "mistake":
            answer = ex["prompt"].split("The student answered: ")[1].splitlines()[0]
            assert answer in {w.answer for w in instance.wrong_answers}
            assert answer in ex["response"].splitlines()[0]


def test_seed_ranges_are_disjoint_and_enforced(fraction_templates):
    assert TRAIN_SEEDS.stop <= EVAL_SEEDS.start
    with pytest.raises(ExplainError, match="not a train seed"):
        _corpus(fraction_templates, [EVAL_SEEDS.start], 0)
    with pytest.raises(ExplainError, match="not a eval seed"):
        _corpus(fraction_templates, [0], 0, split="eval")
    with pytest.raises(ExplainError, match="must be an int"):
        _corpus(fraction_templates, ["1"], 0)
    with pytest.raises(ExplainError, match="split"):
        _corpus(fraction_templates, [0], 0, split="test")


def test_eval_problem_seeds_are_evaluation_seeds_and_reproducible():
    seeds = eval_problem_seeds(7, 500)
    assert len(set(seeds)) == 500 and all(s in EVAL_SEEDS for s in seeds)
    assert seeds == eval_problem_seeds(7, 500) and seeds != eval_problem_seeds(8, 500)
    with pytest.raises(ExplainError):
        eval_problem_seeds(7, -1)


def test_bad_corpus_arguments(fraction_templates):
    with pytest.raises(ExplainError, match="no templates"):
        _corpus({}, range(2), 0)
    with pytest.raises(ExplainError, match="no seeds"):
        _corpus(fraction_templates, [], 0)
    with pytest.raises(ExplainError, match="mistake_rate"):
        _corpus(fraction_templates, range(2), 0, mistake_rate=2.0)
    with pytest.raises(ExplainError, match="random.Random"):
        list(generate_corpus(fraction_templates, range(2), 0))  # type: ignore[arg-type]


@pytest.mark.slow
def test_every_shipped_template_renders_a_verifiable_explanation():
    """The contract over the whole shipped curriculum: the boxed final answer of the rendered worked solution
    passes the template's own checker (numeric tests included: the solution's rounded final line)."""
    failures = []
    for tid, template in sorted(load_templates().items()):
        instance = instantiate(template, 11)
        verdict = verify_explanation(instance, generate_one(instance), isolate=False)
        if not verdict.correct:
            failures.append(f"{tid}: {verdict}")
        assert family_of(instance) == tid.split(".")[0]
    assert not failures, "\n".join(failures)


def generate_one(instance):
    from curriculum.explain import render_reasoning

    return render_reasoning(instance, random.Random(0))
