"""Exponentials, logarithms and trigonometry step generators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from curriculum.solutions.algebra import linear_steps
from curriculum.solutions.arithmetic import LA, L, as_number
from curriculum.solutions.steps import SolverError, SolverResult, StepList, solver
from curriculum.templates.expr import reevaluate
from curriculum.templates.render import format_float

X = sp.Symbol("x")


def _int_log(value: sp.Expr, base: sp.Expr) -> sp.Expr | None:
    k = sp.simplify(sp.log(value) / sp.log(base))
    return k if k.is_rational else None


@solver("log_eval", required=("base", "value"))
def log_eval(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Evaluate log_b(v) exactly by writing v as a power of b."""
    b, v = as_number(given["base"], "base"), as_number(given["value"], "value")
    if b <= 0 or b == 1 or v <= 0:
        raise SolverError("log needs base > 0, base != 1 and a positive argument")
    k = _int_log(v, b)
    if k is None:
        raise SolverError(f"{v} is not a rational power of {b}")
    s = StepList()
    s.add(f"$\\log_{{{L(b)}}} {L(v)}$ asks: to which power must {L(b)} be raised to give {L(v)}?")
    s.add(f"Write ${L(v)}$ as a power of {L(b)}.", f"{L(v)} = {L(b)}^{{{L(k)}}}")
    s.add("So the logarithm is that exponent.", rf"\log_{{{L(b)}}} {L(v)} = {L(k)}")
    return s.done(k)


@solver("log_combine", required=("base", "m", "n"), params=("op",))
def log_combine(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """log_b m + log_b n = log_b(mn) (op +) or log_b m - log_b n = log_b(m/n) (op -), then evaluate."""
    b, m, n = (as_number(given[k], k) for k in ("base", "m", "n"))
    op = str(params.get("op", "+"))
    arg = m * n if op == "+" else m / n
    s = StepList()
    rule = r"\log_b m + \log_b n = \log_b(mn)" if op == "+" else r"\log_b m - \log_b n = \log_b \frac{m}{n}"
    s.add(f"Use the {'product' if op == '+' else 'quotient'} rule ${rule}$.",
          rf"\log_{{{L(b)}}} {L(m)} {op} \log_{{{L(b)}}} {L(n)} = \log_{{{L(b)}}} {L(arg)}")
    k = _int_log(arg, b)
    if k is None:
        raise SolverError("the combined argument is not a rational power of the base")
    s.add(f"Write {L(arg)} as a power of {L(b)}: ${L(arg)} = {L(b)}^{{{L(k)}}}$.", rf"\log_{{{L(b)}}} {L(arg)} = {L(k)}")
    return s.done(k)


@solver("exp_equation", required=("base", "exponent", "value"), params=("method",))
def exp_equation(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Solve base^(exponent) = value: same base (method same_base) or logarithms (method logs)."""
    b, value = as_number(given["base"], "base"), as_number(given["value"], "value")
    expo = given["exponent"]
    s = StepList()
    s.add("Write the equation.", f"{L(b)}^{{{LA(expo)}}} = {L(value)}")
    if value <= 0:
        raise SolverError("a positive base to any power is positive: no solution")
    k = _int_log(value, b)
    if str(params.get("method", "same_base")) == "same_base" and k is not None:
        s.add(f"Write {L(value)} as a power of {L(b)}.", f"{L(b)}^{{{LA(expo)}}} = {L(b)}^{{{L(k)}}}")
        s.add("Equal powers of the same base have equal exponents.", f"{LA(expo)} = {L(k)}")
        rhs = k
    else:
        rhs = sp.log(value) / sp.log(b)
        s.add("Take the natural logarithm of both sides and use $\\ln(a^u) = u \\ln a$.",
              rf"{LA(expo)} \cdot \ln {L(b)} = \ln {L(value)}")
        s.add(f"Divide by $\\ln {L(b)}$.", f"{LA(expo)} = {L(rhs)}")
    e = reevaluate(expo)
    if e == X:
        result = rhs
    else:
        _, result = linear_steps(StepList(), sp.Eq(e, rhs), X)
        s.add("Solve the linear equation for $x$.", f"x = {L(result)}")
    if not (isinstance(result, sp.Rational)):
        s.add("As a decimal:", rf"x \approx {sp.N(result, 6)}")
    return s.done(sp.Eq(X, result))


@solver("log_equation", required=("base", "argument", "value"))
def log_equation(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Solve log_b(argument) = value by rewriting in exponential form."""
    b, value = as_number(given["base"], "base"), as_number(given["value"], "value")
    arg = given["argument"]
    s = StepList()
    s.add("Write the equation.", rf"\log_{{{L(b)}}}\left({LA(arg)}\right) = {L(value)}")
    power = b**value
    s.add("Rewrite in exponential form: $\\log_b u = k$ means $u = b^k$.",
          f"{LA(arg)} = {L(b)}^{{{L(value)}}} = {L(power)}")
    e = reevaluate(arg)
    if e == X:
        result = power
    else:
        _, result = linear_steps(StepList(), sp.Eq(e, power), X)
        s.add("Solve the linear equation.", f"x = {L(result)}")
    s.add(f"Check: the argument ${L(e.subs(X, result))}$ is positive, so the solution is valid.")
    return s.done(sp.Eq(X, result))


TRIG = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan}


@solver("trig_exact", required=("angle",), params=("function", "unit"))
def trig_exact(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Exact value of sin/cos/tan at a special angle, via the reference angle and the quadrant sign."""
    fname = str(params.get("function", "sin"))
    if fname not in TRIG:
        raise SolverError(f"unknown function '{fname}'")
    angle = as_number(given["angle"], "angle")
    degrees = str(params.get("unit", "degrees")) == "degrees"
    deg = angle if degrees else angle * 180 / sp.pi
    deg = sp.nsimplify(deg)
    rad = deg * sp.pi / 180
    s = StepList()
    shown = f"{L(deg)}^\\circ" if degrees else L(angle)
    if not degrees:
        s.add("Convert to degrees (multiply by $\\frac{180^\\circ}{\\pi}$).", f"{L(angle)} = {L(deg)}^\\circ")
    d = deg % 360
    quadrant = 1 + int(d // 90) if d % 90 else None
    ref = {1: d, 2: 180 - d, 3: d - 180, 4: 360 - d}.get(quadrant, d) if quadrant else d
    value = TRIG[fname](rad)
    if value.has(sp.zoo) or value == sp.zoo:
        raise SolverError("undefined at this angle")
    triangle = {30: "30-60-90", 60: "30-60-90", 45: "45-45-90"}.get(int(ref)) if ref.is_Integer else None
    if triangle == "30-60-90":
        s.add("Use the 30-60-90 triangle with sides $1$, $\\sqrt{3}$ and hypotenuse $2$ "
              "(the side $1$ is opposite the $30^\\circ$ angle).")
    elif triangle == "45-45-90":
        s.add("Use the 45-45-90 triangle with legs $1$, $1$ and hypotenuse $\\sqrt{2}$.")
    elif d % 90 == 0:
        s.add(f"On the unit circle the point at ${L(d)}^\\circ$ is "
              f"$({L(sp.cos(d * sp.pi / 180))}, {L(sp.sin(d * sp.pi / 180))})$: cosine is its $x$-coordinate, "
              "sine its $y$-coordinate, tangent $y/x$.")
    if quadrant and ref != d:
        s.add(f"The angle ${L(d)}^\\circ$ is in quadrant {quadrant}; its reference angle is ${L(ref)}^\\circ$.")
        base = TRIG[fname](ref * sp.pi / 180)
        s.add(f"Value at the reference angle: $\\{fname} {L(ref)}^\\circ = {L(base)}$.")
        sign = "positive" if value > 0 else "negative"
        s.add(f"In quadrant {quadrant}, {fname} is {sign}.", rf"\{fname}\left({shown}\right) = {L(value)}")
    else:
        s.add("Use the special-angle values (unit circle / special triangles).",
              rf"\{fname}\left({shown}\right) = {L(value)}")
    return s.done(value)


@solver("right_triangle", required=("angle", "known"), params=("known_side", "find"))
def right_triangle(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Find a side of a right triangle from an acute angle (degrees) and one side, with SOH-CAH-TOA.

    ``known_side``/``find`` are ``opposite``, ``adjacent`` or ``hypotenuse`` (relative to the angle).
    """
    angle, known = as_number(given["angle"], "angle"), as_number(given["known"], "known")
    ks, fs = str(params.get("known_side", "hypotenuse")), str(params.get("find", "opposite"))
    pair = frozenset((ks, fs))
    table = {frozenset(("opposite", "hypotenuse")): ("sin", "opposite", "hypotenuse"),
             frozenset(("adjacent", "hypotenuse")): ("cos", "adjacent", "hypotenuse"),
             frozenset(("opposite", "adjacent")): ("tan", "opposite", "adjacent")}
    if pair not in table:
        raise SolverError("known_side and find must be two different sides")
    fn, top, bottom = table[pair]
    t = TRIG[fn](angle * sp.pi / 180)
    s = StepList()
    s.add(f"The {ks} is known and the {fs} is wanted: $\\{fn}$ links them "
          f"($\\{fn}\\theta = \\frac{{\\text{{{top}}}}}{{\\text{{{bottom}}}}}$).")
    if fs == top:
        result = known * t
        s.add(f"Multiply both sides by the {bottom}.",
              rf"\text{{{top}}} = {L(known)} \cdot \{fn} {L(angle)}^\circ")
    else:
        result = known / t
        s.add(f"Solve for the {bottom}.", rf"\text{{{bottom}}} = \frac{{{L(known)}}}{{\{fn} {L(angle)}^\circ}}")
    approx = sp.Float(sp.N(result, 15), 15)
    s.add("Evaluate with a calculator (degree mode).", rf"\approx {format_float(round(float(approx), 4))}")
    return s.done(approx)


@solver("pythagoras", required=("a", "b"), params=("find",))
def pythagoras(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Pythagoras: find=hypotenuse uses legs a, b; find=leg uses hypotenuse a and leg b."""
    a, b = as_number(given["a"], "a"), as_number(given["b"], "b")
    s = StepList()
    if str(params.get("find", "hypotenuse")) == "hypotenuse":
        s.add("Use $c^2 = a^2 + b^2$ for the hypotenuse $c$.",
              f"c^2 = {L(a)}^2 + {L(b)}^2 = {L(a**2)} + {L(b**2)} = {L(a**2 + b**2)}")
        result = sp.sqrt(a**2 + b**2)
    else:
        if a <= b:
            raise SolverError("the hypotenuse must be the longest side")
        s.add("Use $a^2 + b^2 = c^2$, solved for the missing leg: $b^2 = c^2 - a^2$.",
              f"b^2 = {L(a)}^2 - {L(b)}^2 = {L(a**2)} - {L(b**2)} = {L(a**2 - b**2)}")
        result = sp.sqrt(a**2 - b**2)
    s.add("Take the positive square root.", f"= {L(result)}")
    return s.done(result)
