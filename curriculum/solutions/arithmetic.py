"""Arithmetic step generators: order of operations, fractions, decimals/percent, ratios, roots, factors."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sympy as sp

from curriculum.solutions.steps import SolverError, SolverResult, StepList, solver
from curriculum.solutions.work import (
    arithmetic_work,
    decimal_division,
    difference_chain,
    division_text,
    multiples_text,
)
from curriculum.templates.expr import rebuild, reevaluate
from curriculum.templates.render import to_latex


def L(value: Any) -> str:
    return to_latex(value)


def LA(value: Any) -> str:
    return to_latex(value, asis=True)


def as_int(value: Any, what: str) -> int:
    value = reevaluate(value)
    if not (isinstance(value, sp.Integer) or (isinstance(value, sp.Basic) and value.is_Integer)):
        raise SolverError(f"{what} must be an integer, got {value}")
    return int(value)


def as_number(value: Any, what: str) -> sp.Expr:
    value = reevaluate(value)
    if not (isinstance(value, sp.Basic) and value.is_number):
        raise SolverError(f"{what} must be a number, got {value}")
    return value


# ---------------------------------------------------------------- order of operations


def _is_atom(e: Any) -> bool:
    return isinstance(e, sp.Number) or (isinstance(e, sp.Basic) and e.is_number and not e.args) or \
        (isinstance(e, sp.Pow) and e.exp == -1 and isinstance(e.base, sp.Number))


def _op_name(e: sp.Basic) -> str:
    if isinstance(e, sp.Add):
        return "Subtract" if any(isinstance(a, sp.Number) and a < 0 for a in e.args[1:]) else "Add"
    if isinstance(e, sp.Mul):
        return "Divide" if any(isinstance(a, sp.Pow) and a.exp == -1 for a in e.args) else "Multiply"
    if isinstance(e, sp.Pow):
        if e.exp == sp.Rational(1, 2):
            return "Take the square root"
        return "Evaluate the power"
    if isinstance(e, sp.Abs):
        return "Take the absolute value"
    return "Evaluate"


def _reducible(e: sp.Basic) -> list[tuple[int, ...]]:
    """Paths (post-order, leftmost first) of nodes whose arguments are all plain numbers."""
    out: list[tuple[int, ...]] = []

    def walk(node: sp.Basic, path: tuple[int, ...]) -> None:
        if _is_atom(node):
            return
        for i, arg in enumerate(node.args):
            walk(arg, (*path, i))
        if all(_is_atom(a) for a in node.args):
            out.append(path)

    walk(e, ())
    return out


def _replace(e: sp.Basic, path: tuple[int, ...], new: sp.Basic) -> sp.Basic:
    if not path:
        return new
    args = list(e.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return rebuild(e.func, args)


def _get(e: sp.Basic, path: tuple[int, ...]) -> sp.Basic:
    for i in path:
        e = e.args[i]
    return e


def _binary_work(node: sp.Basic, value: Any) -> str | None:
    """The written-out arithmetic of one operation on two numbers (``curriculum.solutions.work``)."""
    if len(node.args) != 2:
        return None
    a, b = node.args
    if isinstance(node, sp.Add):
        return arithmetic_work("+", a, b, LA(node), value)
    if isinstance(node, sp.Mul):
        if isinstance(b, sp.Pow) and b.exp == -1:
            return arithmetic_work("/", a, b.base, None, value)
        if isinstance(a, sp.Pow) and a.exp == -1 or sp.Integer(-1) in (a, b):
            return None
        return arithmetic_work("*", a, b, None, value)
    return None


@solver("evaluate", required=("expression",))
def evaluate_steps(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Evaluate a numeric expression one operation at a time, in the order of operations."""
    e = given["expression"]
    if not (isinstance(e, sp.Basic) and e.is_number):
        raise SolverError("evaluate needs a numeric expression")
    s = StepList()
    s.add("Write the expression. Work inside brackets first, then powers and roots, then multiplication "
          "and division from left to right, then addition and subtraction from left to right.", LA(e))
    for _ in range(60):
        paths = _reducible(e)
        if not paths:
            break
        path = paths[0]
        node = _get(e, path)
        if isinstance(node, sp.Add | sp.Mul) and len(node.args) > 2:
            # one operation at a time, left to right: 3 + 4 + 5 -> 7 + 5 -> 12
            sub = rebuild(node.func, list(node.args[:2]))
            value = reevaluate(sub)
            new = rebuild(node.func, [value, *node.args[2:]])
        else:
            sub, value = node, reevaluate(node)
            new = value
        work = _binary_work(sub, value)
        text = f"{_op_name(sub)}: {work}." if work else f"{_op_name(sub)}: ${LA(sub)} = {L(value)}$."
        after = _replace(e, path, new)
        s.add(text, LA(after) if path or new is not value else L(value))
        e = after
    result = reevaluate(e)
    return s.done(result)


# ---------------------------------------------------------------- fractions


def _frac(n: int, d: int) -> str:
    if d < 0:
        n, d = -n, -d
    return rf"\frac{{{n}}}{{{d}}}" if d != 1 else str(n)


def _simplify_steps(s: StepList, n: int, d: int) -> sp.Rational:
    g = math.gcd(n, d)
    value = sp.Rational(n, d)
    if g > 1:
        s.add(f"Simplify: the greatest common divisor of {abs(n)} and {abs(d)} is {g}; divide the numerator "
              f"and the denominator by {g}.", rf"{_frac(n, d)} = \frac{{{n} \div {g}}}{{{d} \div {g}}} = {L(value)}")
    else:
        s.add(f"The fraction is already in lowest terms: {abs(n)} and {abs(d)} have no common factor.",
              L(value))
    return value


@solver("simplify_fraction", required=("n", "d"))
def simplify_fraction(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Reduce n/d to lowest terms by dividing by the greatest common divisor."""
    n, d = as_int(given["n"], "n"), as_int(given["d"], "d")
    if d == 0:
        raise SolverError("denominator is zero")
    s = StepList()
    s.add("Find the greatest common divisor of the numerator and the denominator.",
          rf"\gcd({abs(n)}, {abs(d)}) = {math.gcd(n, d)}")
    return s.done(_simplify_steps(s, n, d))


@solver("fraction_op", required=("n1", "d1", "n2", "d2"), params=("op",))
def fraction_op(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Add, subtract, multiply or divide two fractions n1/d1 (op) n2/d2; ``params.op`` is + - * /."""
    n1, d1, n2, d2 = (as_int(given[k], k) for k in ("n1", "d1", "n2", "d2"))
    op = str(params.get("op", "+"))
    if 0 in (d1, d2) or (op == "/" and n2 == 0):
        raise SolverError("division by zero")
    sym = {"+": "+", "-": "-", "*": r"\times", "/": r"\div"}.get(op)
    if sym is None:
        raise SolverError(f"unknown op '{op}' (use + - * /)")
    s = StepList()
    s.add("Write the problem.", f"{_frac(n1, d1)} {sym} {_frac(n2, d2)}")
    if op in "+-":
        m = math.lcm(d1, d2)
        k1, k2 = m // d1, m // d2
        if d1 != d2:
            s.add(f"Find a common denominator: the least common multiple of {d1} and {d2} is {m}.",
                  rf"\operatorname{{lcm}}({d1}, {d2}) = {m}")
            s.add(f"Rewrite each fraction with denominator {m}: multiply the first by "
                  f"$\\frac{{{k1}}}{{{k1}}}$ and the second by $\\frac{{{k2}}}{{{k2}}}$.",
                  f"{_frac(n1 * k1, m)} {sym} {_frac(n2 * k2, m)}")
        else:
            s.add(f"The denominators are already equal ({m}).", f"{_frac(n1, m)} {sym} {_frac(n2, m)}")
        num = n1 * k1 + n2 * k2 if op == "+" else n1 * k1 - n2 * k2
        word = "Add" if op == "+" else "Subtract"
        s.add(f"{word} the numerators and keep the denominator.",
              rf"\frac{{{n1 * k1} {sym} {'(' + str(n2 * k2) + ')' if n2 * k2 < 0 else n2 * k2}}}{{{m}}} = {_frac(num, m)}")
        return s.done(_simplify_steps(s, num, m))
    if op == "/":
        s.add("Dividing by a fraction is multiplying by its reciprocal: flip the second fraction.",
              rf"{_frac(n1, d1)} \times {_frac(d2, n2)}")
        n2, d2 = d2, n2
    num, den = n1 * n2, d1 * d2
    s.add("Multiply the numerators together and the denominators together.",
          rf"\frac{{{n1} \times {n2}}}{{{d1} \times {d2}}} = {_frac(num, den)}")
    return s.done(_simplify_steps(s, num, den))


@solver("mixed_to_improper", required=("whole", "n", "d"))
def mixed_to_improper(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Convert a mixed number whole n/d to an improper fraction."""
    w, n, d = as_int(given["whole"], "whole"), as_int(given["n"], "n"), as_int(given["d"], "d")
    s = StepList()
    s.add("Multiply the whole number by the denominator and add the numerator; keep the denominator.",
          rf"{w}\tfrac{{{n}}}{{{d}}} = \frac{{{w} \times {d} + {n}}}{{{d}}} = \frac{{{w * d + n}}}{{{d}}}")
    return s.done(sp.Rational(w * d + n, d))


# ---------------------------------------------------------------- decimals, percent, ratios


def _dec(value: Any) -> str:
    return L(sp.Float(value, 15)) if not (isinstance(value, sp.Basic) and value.is_Integer) else L(value)


def _short_decimal(r: sp.Rational, places: int = 4) -> bool:
    """True when r is a decimal with at most ``places`` digits after the point."""
    q = int(r.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1 and (r * 10**places).is_Integer


def _difference(b: Any, a: Any, diff: Any) -> str | None:
    """``b - a = ... = diff`` written out by the signed-sum rules (``32 - 57 = -(57 - 32) = -25``) when both
    numbers are terminating decimals and the chain ends in the solver's own difference; else None."""
    def num(v: Any) -> Any:
        return sp.Float(_dec(v), 15) if isinstance(v, sp.Rational) and not v.is_Integer \
            and _short_decimal(v) else v
    chain = difference_chain(num(b), num(a))
    if chain is None or chain.rsplit(" = ", 1)[-1] != _dec(diff):
        return None
    return chain


@solver("percent", required=("a", "b"), params=("kind",))
def percent(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Percent problems. kind=of: a% of b. kind=change: percent change from a to b.
    kind=what_percent: a is what percent of b. kind=to_decimal / to_percent: convert a (b unused)."""
    a, b = as_number(given["a"], "a"), as_number(given["b"], "b")
    kind = str(params.get("kind", "of"))
    s = StepList()
    if kind == "of":
        r = sp.Rational(sp.nsimplify(a)) / 100
        s.add(f"Write the percent as a fraction of 100: ${_dec(a)}\\% = \\frac{{{_dec(a)}}}{{100}} = {_dec(r)}$.")
        result = reevaluate(r * b)
        work = arithmetic_work("*", sp.Float(_dec(r), 15), b) if _short_decimal(r) else None
        if work and not work.startswith(f"${_dec(r)}"):
            work = None
        s.add(f"Multiply by the quantity: {work}." if work else "Multiply by the quantity.",
              rf"{_dec(r)} \times {_dec(b)} = {_dec(result)}")
        return s.done(result)
    if kind == "what_percent":
        result = reevaluate(a / b * 100)
        s.add("Divide the part by the whole.", rf"\frac{{{_dec(a)}}}{{{_dec(b)}}} = {_dec(a / b)}")
        s.add("Multiply by 100 to get a percent.", rf"{_dec(a / b)} \times 100 = {_dec(result)}\%")
        return s.done(result)
    if kind == "change":
        if a == 0:
            raise SolverError("percent change from zero is undefined")
        diff = b - a
        result = reevaluate(diff / a * 100)
        chain = _difference(b, a, diff)
        s.add("Find the change: new value minus original value.", chain or f"{_dec(b)} - {_dec(a)} = {_dec(diff)}")
        exact = sp.Rational(result) if isinstance(result, sp.Rational) else None
        if a.is_Integer and b.is_Integer and exact is not None and a > 0 \
                and not _short_decimal(exact):
            num, den = int(abs(diff)) * 100, int(a)
            whole, after, approx = decimal_division(num, den, 5)
            sign = "-" if diff < 0 else ""
            s.add("Divide the change by the original value and multiply by 100.",
                  rf"\frac{{{_dec(diff)}}}{{{_dec(a)}}} \times 100 = {sign}\frac{{{num}}}{{{den}}}")
            text = division_text(whole, den) or f"${num} < {den}$, so the whole part is 0"
            text += "; after the decimal point: " + division_text(after, den, continued=True)
            if den >= 10:
                text = multiples_text(den) + "; " + text
            s.add(f"Long division {num} ÷ {den}: {text}.", rf"\frac{{{num}}}{{{den}}} = {approx}")
            word = "an increase" if diff > 0 else "a decrease"
            s.add(rf"The percent change is ${sign}{approx}\%$ ({word}).")
            return s.done(result)
        s.add("Divide the change by the original value.", rf"\frac{{{_dec(diff)}}}{{{_dec(a)}}} = {_dec(diff / a)}")
        word = "an increase" if diff > 0 else "a decrease"
        s.add(f"Multiply by 100: the percent change is {_dec(result)}% ({word}).",
              rf"{_dec(diff / a)} \times 100 = {_dec(result)}\%")
        return s.done(result)
    if kind == "to_decimal":
        r = sp.Rational(sp.nsimplify(a))
        n, d = r.p, r.q
        s.add("A fraction means division: divide the numerator by the denominator.",
              rf"\frac{{{n}}}{{{d}}} = {n} \div {d}")
        s.add("Carry out the division.", rf"{n} \div {d} = {_dec(r)}")
        return s.done(sp.Float(r, 15))
    if kind == "to_percent":
        result = reevaluate(a * 100)
        s.add("To write a number as a percent, multiply it by 100.", rf"{_dec(a)} \times 100 = {_dec(result)}")
        s.add(f"So the number is {_dec(result)}%.")
        return s.done(result)
    raise SolverError(f"unknown percent kind '{kind}'")


@solver("ratio_simplify", required=("a", "b"))
def ratio_simplify(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Write the ratio a:b in simplest form."""
    a, b = as_int(given["a"], "a"), as_int(given["b"], "b")
    g = math.gcd(a, b)
    s = StepList()
    s.add("Find the greatest common divisor of both parts.", rf"\gcd({a}, {b}) = {g}")
    s.add(f"Divide both parts by {g}.", rf"{a} : {b} = {a // g} : {b // g}")
    return s.done(sp.Rational(a // g, b // g))


@solver("proportion", required=("a", "b", "c"), params=("unknown",))
def proportion(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Solve a/b = c/x (unknown=denominator, default) or a/b = x/c (unknown=numerator) by cross-multiplying."""
    a, b, c = (as_number(given[k], k) for k in ("a", "b", "c"))
    x = sp.Symbol("x")
    numer = str(params.get("unknown", "denominator")) == "numerator"
    s = StepList()
    if numer:
        s.add("Write the proportion.", rf"\frac{{{L(a)}}}{{{L(b)}}} = \frac{{x}}{{{L(c)}}}")
        s.add("Cross-multiply.", rf"{L(b)} \cdot x = {L(a)} \cdot {L(c)}")
        result = reevaluate(a * c / b)
        s.add(f"Divide both sides by {L(b)}.", rf"x = \frac{{{L(a * c)}}}{{{L(b)}}} = {L(result)}")
    else:
        s.add("Write the proportion.", rf"\frac{{{L(a)}}}{{{L(b)}}} = \frac{{{L(c)}}}{{x}}")
        s.add("Cross-multiply.", rf"{L(a)} \cdot x = {L(b)} \cdot {L(c)}")
        result = reevaluate(b * c / a)
        s.add(f"Divide both sides by {L(a)}.", rf"x = \frac{{{L(b * c)}}}{{{L(a)}}} = {L(result)}")
    del x
    return s.done(result)


@solver("gcd_lcm", required=("a", "b"), params=("kind",))
def gcd_lcm(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Greatest common divisor (kind=gcd) or least common multiple (kind=lcm) via prime factorisations."""
    a, b = as_int(given["a"], "a"), as_int(given["b"], "b")
    if a <= 0 or b <= 0:
        raise SolverError("gcd/lcm need positive integers")
    fa, fb = sp.factorint(a), sp.factorint(b)

    def show(f: dict[int, int]) -> str:
        return r" \cdot ".join(f"{p}^{{{k}}}" if k > 1 else str(p) for p, k in sorted(f.items())) or "1"

    s = StepList()
    s.add("Write both numbers as products of primes.", rf"{a} = {show(fa)}, \quad {b} = {show(fb)}")
    if str(params.get("kind", "gcd")) == "lcm":
        f = {p: max(fa.get(p, 0), fb.get(p, 0)) for p in set(fa) | set(fb)}
        s.add("The LCM takes every prime to the highest power that appears.",
              rf"\operatorname{{lcm}}({a}, {b}) = {show(f)} = {math.lcm(a, b)}")
        return s.done(sp.Integer(math.lcm(a, b)))
    f = {p: min(fa[p], fb[p]) for p in set(fa) & set(fb)}
    s.add("The GCD takes only the primes both share, to the lower power.",
          rf"\gcd({a}, {b}) = {show(f)} = {math.gcd(a, b)}")
    return s.done(sp.Integer(math.gcd(a, b)))


@solver("sqrt_simplify", required=("n",), optional=("k",))
def sqrt_simplify(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Simplify k*sqrt(n) by taking out the largest square factor of n."""
    n = as_int(given["n"], "n")
    k = as_int(given.get("k", sp.Integer(1)), "k")
    if n < 0:
        raise SolverError("negative radicand")
    sq = max(d for d in range(1, math.isqrt(n) + 1) if n % (d * d) == 0)
    rest = n // (sq * sq)
    pre = "" if k == 1 else str(k)
    s = StepList()
    s.add(f"Find the largest perfect square that divides {n}: it is {sq * sq} = {sq}^2.",
          rf"{pre}\sqrt{{{n}}} = {pre}\sqrt{{{sq * sq} \cdot {rest}}}")
    s.add("Use $\\sqrt{ab} = \\sqrt{a}\\,\\sqrt{b}$ and take the square root of the perfect square.",
          rf"{pre}\sqrt{{{sq * sq}}}\,\sqrt{{{rest}}} = {L(k * sq * sp.sqrt(rest))}")
    return s.done(k * sq * sp.sqrt(rest))
