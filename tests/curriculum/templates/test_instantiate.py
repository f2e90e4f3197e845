"""Deterministic instantiation, the JSON form, and answer checking with listed mistakes."""

from __future__ import annotations

import json

import pytest

from curriculum.templates import (
    ProblemInstance,
    check_instance_answer,
    instantiate,
    load_templates,
    parse_template,
)
from curriculum.templates.instantiate import rounded_entry

from .test_validation import GOOD


@pytest.fixture(scope="module")
def bank():
    return load_templates()


def test_same_seed_same_instance(bank):
    for template in list(bank.values())[::7]:
        a, b = instantiate(template, 11), instantiate(template, 11)
        assert a == b
        assert a.to_dict() == b.to_dict()


def test_seeds_vary_the_problem(bank):
    template = bank["fractions.add_subtract.unlike"]
    statements = {instantiate(template, seed, with_solution=False).statement for seed in range(20)}
    assert len(statements) >= 10


def test_instance_carries_template_identity(bank):
    template = bank["linear_equations.two_step.basic"]
    inst = instantiate(template, 3)
    assert (inst.template_id, inst.template_version, inst.seed) == (template.id, template.version, 3)
    assert len(template.version) == 12
    assert inst.skills == ("linear_equations.two_step",) and inst.difficulty == 1
    assert inst.input_kind == "equation" and inst.answer.startswith("x = ")


def test_version_changes_with_the_source():
    a = parse_template(GOOD)
    b = parse_template(GOOD.replace("Add the two numbers.", "Add both numbers."))
    assert a.id == b.id and a.version != b.version


def test_to_dict_is_json_safe_and_round_trips(bank):
    for template in list(bank.values())[::10]:
        inst = instantiate(template, 5)
        data = json.loads(json.dumps(inst.to_dict()))
        assert ProblemInstance.from_dict(data) == inst


def test_worked_solution_ends_with_the_answer(bank):
    inst = instantiate(bank["quadratics.solve_by_factoring.monic"], 2)
    assert inst.solution is not None
    assert inst.solution.steps[-1].latex == inst.solution.final_latex == inst.answer_latex
    assert len(inst.solution.steps) >= 4
    assert "Zero-product" in inst.solution.as_text()


def test_fast_path_skips_the_solution(bank):
    inst = instantiate(bank["integers.add_subtract.sum"], 0, with_solution=False)
    assert inst.solution is None


def test_check_instance_answer_correct_wrong_and_listed_mistake(bank):
    inst = instantiate(bank["fractions.add_subtract.unlike"], 4)
    right = check_instance_answer(inst, inst.answer, isolate=False)
    assert right.valid and right.correct
    mistake = inst.wrong_answers[0]
    res = check_instance_answer(inst, mistake.answer, isolate=False)
    assert res.valid and not res.correct
    assert res.note == mistake.note == "ADDED_DENOMINATORS" and res.feedback == mistake.feedback
    other = check_instance_answer(inst, "1/1000", isolate=False)
    assert other.valid and not other.correct and other.note not in {w.note for w in inst.wrong_answers}
    bad = check_instance_answer(inst, "(1/2", isolate=False)
    assert not bad.valid


def test_check_instance_answer_through_the_isolated_worker(bank):
    inst = instantiate(bank["linear_equations.one_step.add"], 1)
    res = check_instance_answer(inst, inst.answer)
    assert res.correct
    wrong = check_instance_answer(inst, inst.wrong_answers[0].answer)
    assert not wrong.correct and wrong.note == "SAME_OPERATION"


def test_listed_mistake_that_equals_the_answer_is_dropped():
    text = GOOD.replace("answer: a*b", "answer: 2*a if a == b else a*b")
    template = parse_template(text)
    for seed in range(30):
        inst = instantiate(template, seed, with_solution=False)
        for w in inst.wrong_answers:
            assert w.answer != inst.answer


@pytest.mark.parametrize(
    ("checker", "options", "value", "expected"),
    [("NumSigFigs", {"sigfigs": 3}, 192.5, "193"), ("NumSigFigs", {"sigfigs": 3}, 0.012345, "0.0123"),
     ("NumSigFigs", {"sigfigs": 3}, 12, "12.0"), ("NumDecPlaces", {"places": 2}, 2.005, "2.01"),
     ("AlgEquiv", {}, 1.5, "")],
)
def test_rounded_model_entry(checker, options, value, expected):
    import sympy as sp

    assert rounded_entry(checker, options, sp.nsimplify(value)) == expected


def test_sigfig_template_expects_the_rounded_entry(bank):
    inst = instantiate(bank["percent.change.decimal"], 0)
    assert inst.model_entry and inst.model_entry != inst.answer
    assert check_instance_answer(inst, inst.model_entry, isolate=False).correct
    assert inst.solution is not None and inst.model_entry in inst.solution.steps[-1].text
