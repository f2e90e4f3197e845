"""Worked-solution generators: right results, clear steps, errors for arguments they cannot handle."""

from __future__ import annotations

import pytest
import sympy as sp

from curriculum.solutions import SOLVERS, SolverError, solve
from curriculum.templates.expr import evaluate

X, Y = sp.symbols("x y")


def g(src: str, **names):
    return evaluate(src, {"x": X, "y": Y, **{k: sp.Integer(v) for k, v in names.items()}}, evaluate=False)


CASES = [
    ("evaluate", {"expression": g("2 + 3*(4 - 6)^2/2")}, {}, 8, ["Subtract", "Evaluate the power", "Multiply"]),
    ("fraction_op", {"n1": g("1"), "d1": g("4"), "n2": g("5"), "d2": g("6")}, {"op": "+"}, sp.Rational(13, 12),
     ["least common multiple of 4 and 6 is 12"]),
    ("fraction_op", {"n1": g("2"), "d1": g("3"), "n2": g("4"), "d2": g("9")}, {"op": "/"}, sp.Rational(3, 2),
     ["reciprocal"]),
    ("simplify_fraction", {"n": g("18"), "d": g("24")}, {}, sp.Rational(3, 4), ["divide the numerator"]),
    ("linear_equation", {"equation": g("3*(x - 2) = x + 4")}, {}, sp.Eq(X, 5), ["Subtract $x$", "Divide"]),
    ("linear_inequality", {"inequality": g("-2*x + 3 < 7")}, {}, X > -2, ["reverses the inequality"]),
    ("linear_system", {"eq1": g("2*x + 3*y = 12"), "eq2": g("x - y = 1")}, {},
     sp.And(sp.Eq(X, 3), sp.Eq(Y, 2)), ["eliminate $y$"]),
    ("expand", {"expression": g("(x + 2)*(x - 5)")}, {}, X**2 - 3 * X - 10, ["Distribute"]),
    ("factor", {"expression": g("2*x^2 + 7*x + 3")}, {}, (X + 3) * (2 * X + 1), ["Split the middle term"]),
    ("factor", {"expression": g("3*x^2 - 12")}, {}, 3 * (X - 2) * (X + 2), ["difference of squares"]),
    ("quadratic", {"equation": g("x^2 - x = 6")}, {"method": "formula"}, sp.FiniteSet(-2, 3), ["discriminant"]),
    ("quadratic", {"equation": g("x^2 + 4*x = 5")}, {"method": "complete_square"}, sp.FiniteSet(-5, 1),
     ["perfect square"]),
    ("rational_simplify", {"expression": g("(x^2 - 9)/(x^2 + x - 6)")}, {}, (X - 3) / (X - 2), ["Cancel"]),
    ("derivative", {"expression": g("3*x^2*sin(x) + exp(2*x)")}, {},
     3 * X**2 * sp.cos(X) + 6 * X * sp.sin(X) + 2 * sp.exp(2 * X), ["Product rule", "Chain rule", "Sum rule"]),
    ("derivative", {"expression": g("x/(x + 1)")}, {}, 1 / (X + 1) ** 2, ["Quotient rule"]),
    ("integral", {"expression": g("3*x^2 + 2"), "lower": g("0"), "upper": g("2")}, {}, 12,
     ["Fundamental theorem"]),
    ("trig_exact", {"angle": g("150")}, {"function": "cos"}, -sp.sqrt(3) / 2, ["quadrant 2"]),
    ("exp_equation", {"base": g("2"), "exponent": g("x + 1"), "value": g("16")}, {}, sp.Eq(X, 3),
     ["same base"]),
    ("log_eval", {"base": g("2"), "value": g("1/8")}, {}, -3, ["power"]),
    ("line_through", {"x1": g("1"), "y1": g("2"), "x2": g("3"), "y2": g("8")}, {}, sp.Eq(Y, 3 * X - 1),
     ["slope formula"]),
    ("gcd_lcm", {"a": g("12"), "b": g("18")}, {"kind": "lcm"}, 36, ["highest power"]),
    ("sqrt_simplify", {"n": g("72")}, {}, 6 * sp.sqrt(2), ["perfect square"]),
]


@pytest.mark.parametrize(("method", "given", "params", "expected", "phrases"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_solver(method, given, params, expected, phrases):
    result = solve(method, given, params)
    if isinstance(expected, sp.Basic) and not isinstance(expected, (sp.Set, sp.Rel, sp.And)):
        assert sp.simplify(result.result - expected) == 0
    else:
        assert result.result == expected
    text = " ".join(s.text for s in result.steps)
    for phrase in phrases:
        assert phrase.lower() in text.lower(), (phrase, text)
    assert all(step.text for step in result.steps)


def test_every_solver_has_a_docstring_and_a_family():
    assert len(SOLVERS) >= 25
    for spec in SOLVERS.values():
        assert spec.doc and spec.family in ("arithmetic", "algebra", "functions", "calculus")


@pytest.mark.parametrize(
    ("method", "given", "message"),
    [("linear_equation", {"equation": g("x^2 = 4")}, "not linear"),
     ("linear_equation", {"equation": g("x + 1 = x + 2")}, "cancels"),
     ("quadratic", {"equation": g("x^2 + x + 1 = 0")}, "does not factor"),
     ("fraction_op", {"n1": g("1"), "d1": g("0"), "n2": g("1"), "d2": g("2")}, "division by zero"),
     ("no_such_method", {}, "unknown solution method"),
     ("evaluate", {}, "needs given: expression")],
)
def test_solver_errors(method, given, message):
    with pytest.raises(SolverError, match=message):
        solve(method, given, {})
