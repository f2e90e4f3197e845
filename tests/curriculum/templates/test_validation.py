"""Authoring errors are found, with the line of the field responsible (STACK "question tests" style)."""

from __future__ import annotations

import textwrap

import pytest

from curriculum.templates import TemplateError, parse_template, validate_template_source

GOOD = textwrap.dedent("""\
    id: test.add
    title: Add two numbers
    skills: [integers.add_subtract]
    difficulty: 1
    variables:
      a: {int: [1, 9]}
      b: {int: [1, 9]}
      s: a + b
    statement: |
      Compute ${{a}} + {{b}}$.
    answer: s
    checker: AlgEquiv
    hints:
      - Add the two numbers.
      - Count on from {{a}}.
    wrong_answers:
      - answer: a*b
        feedback: You multiplied.
    solution:
      method: evaluate
      given: {expression: a + b}
    """)


def issues_for(text: str, **kw):
    return validate_template_source(text, seeds=5, isolate=False, **kw)


def lines(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_good_template_has_no_issues():
    assert issues_for(GOOD) == []


def test_unknown_variable_in_statement_points_at_statement():
    text = GOOD.replace("Compute ${{a}} + {{b}}$.", "Compute ${{a}} + {{c}}$.")
    issues = issues_for(text)
    assert [(i.line, i.field) for i in issues] == [(lines(text, "statement:"), "statement")]
    assert "unknown variable 'c'" in issues[0].message


def test_unknown_variable_in_answer_and_hint():
    text = GOOD.replace("answer: s", "answer: s + q").replace("Count on from {{a}}.", "Count on from {{z}}.")
    found = {(i.line, i.field) for i in issues_for(text)}
    assert (lines(text, "answer: s + q"), "answer") in found
    assert (lines(text, "Count on from {{z}}"), "hints.1") in found


def test_answer_that_fails_its_own_checker_is_reported_on_the_answer_line():
    text = GOOD.replace("checker: AlgEquiv", "checker: LowestTerms").replace("answer: s", "answer: 2*s/2 | asis")
    issues = issues_for(text)
    assert any(i.field == "answer" and i.line == lines(text, "answer: 2*s/2") and "fails its own checker"
               in i.message for i in issues), issues


def test_wrong_answer_equal_to_the_answer_is_dropped_not_listed():
    text = GOOD.replace("answer: a*b", "answer: b + a")
    assert issues_for(text) == []  # for AlgEquiv an equal "mistake" is left out of the instance


def test_wrong_answer_accepted_by_the_checker_is_reported_on_its_line():
    text = GOOD.replace("checker: AlgEquiv", "checker: LowestTerms").replace("answer: a*b", "answer: b + a | asis")
    issues = issues_for(text)
    assert issues and all(i.field == "wrong_answers.0" for i in issues), issues
    assert issues[0].line == lines(text, "answer: b + a")
    assert "accepted as correct" in issues[0].message


def test_unsatisfiable_constraints():
    text = GOOD.replace("statement: |", "constraints:\n  - a > 9\nstatement: |")
    issues = issues_for(text)
    assert issues and issues[0].field == "constraints"
    assert issues[0].line == lines(text, "constraints:")
    assert "unsatisfiable" in issues[0].message


def test_bad_yaml_reports_its_line():
    text = GOOD.replace("  b: {int: [1, 9]}", "  b: {int: [1, 9]")
    issues = issues_for(text)
    assert len(issues) == 1 and "YAML" in issues[0].message
    assert issues[0].line in (lines(text, "b: {int"), lines(text, "b: {int") + 1)


def test_colon_in_a_hint_is_reported_on_that_hint():
    text = GOOD.replace("  - Add the two numbers.", "  - Add: the two numbers.")
    issues = issues_for(text)
    assert [(i.field, i.line) for i in issues] == [("hints.0", lines(text, "Add: the two"))]


def test_duplicate_key_and_unknown_field():
    text = GOOD + "hint: one hint\n"
    issues = issues_for(text)
    assert any(i.field == "hint" and "did you mean 'hints'" in i.message for i in issues)
    text = GOOD.replace("title: Add two numbers\n", "title: Add two numbers\ntitle: again\n")
    issues = issues_for(text)
    assert issues[0].line == 3 and "duplicate key 'title'" in issues[0].message


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("checker: AlgEquiv", "checker: AlgEquivalent", "checker", "unknown checker"),
        ("method: evaluate", "method: magic", "solution.method", "unknown solution method"),
        ("given: {expression: a + b}", "given: {expr: a + b}", "solution.given", "needs given 'expression'"),
        ("difficulty: 1", "difficulty: 4", "difficulty", "must be 1, 2 or 3"),
        ("a: {int: [1, 9]}", "a: {int: [1]}", "variables.a.int", "must be [low, high]"),
        ("a: {int: [1, 9]}", "a: {integer: [1, 9]}", "variables.a", "needs exactly one of"),
        ("s: a + b", "s: a + b + t", "variables.s", "unknown variable 't'"),
        ("s: a + b", "s: a.real", "variables.s", "not allowed"),
        ("skills: [integers.add_subtract]", "skills: [no.such_skill]", "skills.0", "unknown skill"),
    ],
)
def test_static_errors(old, new, field, message):
    text = GOOD.replace(old, new)
    issues = issues_for(text)
    assert any(i.field == field and message in i.message for i in issues), issues
    hit = next(i for i in issues if i.field == field)
    assert hit.line == lines(text, new.split(":")[0].strip() + ":") or hit.line == lines(text, new)


def test_parse_template_raises_with_all_issues():
    text = GOOD.replace("answer: s", "answer: s + q").replace("checker: AlgEquiv", "checker: Nope")
    with pytest.raises(TemplateError) as info:
        parse_template(text)
    assert {i.field for i in info.value.issues} == {"answer", "checker"}


def test_first_line_offset_for_multi_document_files():
    issues = validate_template_source(GOOD.replace("answer: s", "answer: q"), seeds=1, first_line=41,
                                      isolate=False)
    assert issues[0].line == 40 + lines(GOOD, "answer: s")


def test_worked_solution_disagreeing_with_answer_is_reported():
    text = GOOD.replace("given: {expression: a + b}", "given: {expression: a - b}")
    issues = issues_for(text)
    assert any(i.field == "solution" and "worked solution ends with" in i.message for i in issues)


def test_worked_solution_that_cannot_run_is_reported():
    text = GOOD.replace("method: evaluate", "method: linear_equation").replace(
        "given: {expression: a + b}", "given: {equation: x^2 = a}")
    issues = issues_for(text)
    assert any(i.field == "solution" and "not linear" in i.message for i in issues), issues
