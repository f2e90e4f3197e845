"""Red-team regressions for the template format and expression language (docs/security.md).

Teachers author templates in the browser, and the editor preview evaluates them in the web process, so
template text is treated as hostile: no code execution, bounded work, a clear error for every bad input.
"""

from __future__ import annotations

import time

import pytest
import sympy as sp

from curriculum.templates import TemplateError, parse_template
from curriculum.templates.expr import ExprError, evaluate
from curriculum.templates.yamlsource import YamlSourceError, load_with_lines

X = sp.Symbol("x")

BILLION_LAUGHS = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


@pytest.mark.parametrize(("text", "message"), [
    (BILLION_LAUGHS, "aliases"),  # 9**9 list items if expanded: used to hang
    ("a: &a [*a]\n", "aliases"),  # a recursive alias: used to raise RecursionError
    ("[" * 3000 + "]" * 3000, "nested too deeply"),
    ("{a: " * 3000 + "1" + "}" * 3000, "nested too deeply"),
    ("a: !!python/object/apply:os.system ['true']\n", "not supported"),  # was silently read as a list
    ("a: !!python/name:os.system\n", "not supported"),
    ("a: !!binary aGVsbG8=\n", "not supported"),
    ("a: " + "9" * 5000 + "\n", "invalid YAML value"),  # was an uncaught ValueError (int->str limit)
    ("? [a, b]\n: 1\n", "plain value"),
])
def test_hostile_yaml_is_refused_quickly(text: str, message: str) -> None:
    start = time.monotonic()
    with pytest.raises(YamlSourceError) as info:
        load_with_lines(text)
    assert message in str(info.value)
    assert time.monotonic() - start < 5.0
    with pytest.raises(TemplateError):
        parse_template(text)


@pytest.mark.parametrize(("src", "message"), [
    ("((10**40)**(399/2))**(399/2)", "too large"),  # reassociated tower: was an uncaught ValueError
    ("(((10**40)**(399/2))**(399/2))**(399/2)", "too large"),  # was a multi-GB computation
    ("(2**(1/3))**(10**3)", "too large"),
    ("round(1, 10**40)", "places"),  # 10**(10**40)
    ("round(1, -5)", "places"),
    ("root(8, 1/10**40)", "root"),  # 8**(10**40)
    ("root(8, 0)", "root"),
    ("subs(2**x, x, 10**40)", "too large"),  # plain subs evaluated 2**(10**40) eagerly
    ("subs(x**3, x, 10**300)", "too large"),
    ("diff(sin(x), x, 10**6)", "order"),
    ("floor(exp(10**40))", "too large"),  # needs 10**40 digits of precision
    ("ceiling(exp(exp(100)))", "too large"),
    ("expand((x + 2*x**2 + 3*x**3 + 4*x**4)**200)", "terms"),
    ("2**1300*2**1300*2**1300*2**1300", "too large"),  # 1566 digits: over MAX_RESULT_DIGITS
    ("lcm(" + ", ".join(f"{p}**100" for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) + ")", "too large"),
])
def test_resource_bombs_are_refused_before_evaluation(src: str, message: str) -> None:
    start = time.monotonic()
    with pytest.raises(ExprError) as info:
        evaluate(src, {"x": X})
    assert message in str(info.value)
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize("src", [
    "__import__('os')", "x.__class__", "x.func", "().__class__", "[c for c in x]", "lambda: 1", "f'{x}'",
    "'a'", "b'a'", "x[0]", "sin(x=1)", "(lambda: 1)()", "globals()", "eval('1')", "getattr(x, 'func')",
    "sympify('x')", "x if 1 else __builtins__", "{**{}}", "print(1)", "open('/etc/passwd')",
])
def test_code_execution_attempts_are_refused(src: str) -> None:
    with pytest.raises(ExprError):
        evaluate(src, {"x": X})


@pytest.mark.parametrize(("src", "expected"), [
    ("subs(x**2 + 1, x, 3)", sp.Integer(10)),
    ("subs(2**x, x, 10)", sp.Integer(1024)),
    ("root(8, 3)", sp.Integer(2)),
    ("round(2.345, 2)", sp.Float("2.35", 15)),
    ("floor(7/2)", sp.Integer(3)),
    ("diff(x**3, x, 2)", 6 * X),
    ("expand((x + 1)**3)", X**3 + 3 * X**2 + 3 * X + 1),
    ("2**200", sp.Integer(2) ** 200),
    ("(10**40)**(1/2)", sp.Integer(10) ** 20),
])
def test_ordinary_uses_still_work(src: str, expected: sp.Basic) -> None:
    assert evaluate(src, {"x": X}) == expected
