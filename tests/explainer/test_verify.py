import random
from dataclasses import replace

import pytest

from curriculum.explain import ExplainError, Verdict, render_reasoning, verify_explanation
from curriculum.templates import instantiate


@pytest.fixture(scope="module")
def instance(fraction_templates):
    return instantiate(fraction_templates["fractions.add_subtract.subtract-lowest"], 4)


def test_rendered_reasoning_verifies(instance):
    verdict = verify_explanation(instance, render_reasoning(instance, random.Random(1)), isolate=False)
    assert verdict == Verdict(instance.solution.final_latex, True, "LOWESTTERMS_TRUE")


def test_wrong_and_missing_answers(instance):
    wrong = verify_explanation(instance, r"so the answer is $\boxed{\frac{1}{1000}}$", isolate=False)
    assert (wrong.final_answer, wrong.correct) == (r"\frac{1}{1000}", False)
    assert verify_explanation(instance, "I think it is 3", isolate=False) == Verdict(None, False, "NO_BOXED_ANSWER")
    assert verify_explanation(instance, r"\boxed{ }", isolate=False) == Verdict("", False, "EMPTY_BOXED_ANSWER")


def test_listed_mistake_gets_its_note(instance):
    wrong = instance.wrong_answers[0]
    from curriculum.checking import teacher_to_latex

    verdict = verify_explanation(instance, f"\\boxed{{{teacher_to_latex(wrong.answer)}}}", isolate=False)
    assert not verdict.correct and verdict.note == wrong.note


def test_hostile_boxed_text_is_an_invalid_answer_not_an_error(instance):
    verdict = verify_explanation(instance, r"\boxed{__import__('os').system('x')}", isolate=False)
    assert not verdict.correct and verdict.note.startswith("PARSE")


def test_unreadable_latex_equal_to_the_teacher_latex_is_accepted(instance):
    odd = replace(instance, answer_latex=r"\unknowncommand{7}")
    assert verify_explanation(odd, r"\boxed{\unknowncommand{ 7 }}", isolate=False) == \
        Verdict(r"\unknowncommand{ 7 }", True, "LATEX_EXACT_MATCH")
    assert not verify_explanation(odd, r"\boxed{\unknowncommand{8}}", isolate=False).correct


def test_verify_rejects_bad_arguments(instance):
    with pytest.raises(ExplainError):
        verify_explanation(instance, None)  # type: ignore[arg-type]
    with pytest.raises(ExplainError):
        verify_explanation("instance", "x")  # type: ignore[arg-type]
