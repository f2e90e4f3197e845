"""Calculus step generators: derivatives with named rules, antiderivatives and definite integrals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from curriculum.solutions.arithmetic import LA, L
from curriculum.solutions.steps import SolverError, SolverResult, StepList, solver
from curriculum.templates.expr import reevaluate

ELEMENTARY = {
    sp.sin: r"\frac{d}{du}\sin u = \cos u",
    sp.cos: r"\frac{d}{du}\cos u = -\sin u",
    sp.tan: r"\frac{d}{du}\tan u = \sec^2 u",
    sp.exp: r"\frac{d}{du}e^{u} = e^{u}",
    sp.log: r"\frac{d}{du}\ln u = \frac{1}{u}",
}


def _d(v: sp.Symbol, e: sp.Expr) -> str:
    return rf"\frac{{d}}{{d{L(v)}}}\left[{L(e)}\right]"


def _signed_sum(terms: list[sp.Expr]) -> str:
    """Terms written as a sum with their signs: [4x, -4, -4x, -6] -> ``4 x - 4 - 4 x - 6``."""
    out = L(terms[0])
    for t in terms[1:]:
        out += f" - {L(-t)}" if t.could_extract_minus_sign() else f" + {L(t)}"
    return out


def _quotient_numerator(num: sp.Expr, den: sp.Expr, v: sp.Symbol, sq: str) -> str:
    r"""The quotient rule's numerator ``u'v - uv'`` multiplied out and collected, for polynomial u and v: `` =
    rac{4 x - 4 - \left(4 x + 6
ight)}{...} = rac{4 x - 4 - 4 x - 6}{...} = rac{-10}{...}`` (empty
    otherwise, or when there is nothing to multiply out)."""
    if not (num.is_polynomial(v) and den.is_polynomial(v)):
        return ""
    a, b = sp.expand(sp.diff(num, v) * den), sp.expand(num * sp.diff(den, v))
    if a == 0 or b == 0:
        return ""
    ta, tb = list(sp.Add.make_args(a)), list(sp.Add.make_args(b))
    ta = sp.Add(*ta).as_ordered_terms() if len(ta) > 1 else ta
    tb = sp.Add(*tb).as_ordered_terms() if len(tb) > 1 else tb
    bracketed = len(tb) > 1 or tb[0].could_extract_minus_sign()
    first = _signed_sum(ta) + (rf" - \left({_signed_sum(tb)}\right)" if bracketed else f" - {L(tb[0])}")
    items = [first, _signed_sum(ta + [-t for t in tb]), L(sp.expand(a - b))]
    return "".join(rf" = \frac{{{x}}}{sq}" for x in dict.fromkeys(items))


def _explain(e: sp.Expr, v: sp.Symbol) -> tuple[str, str]:
    """(rule sentence, LaTeX line) for differentiating one term ``e``."""
    d = sp.diff(e, v)
    head = f"{_d(v, e)} = "
    if not e.has(v):
        return "The derivative of a constant is 0.", head + "0"
    coeff, rest = e.as_independent(v, as_Add=False)
    if coeff != 1:
        inner_rule, _ = _explain(rest, v)
        return (f"Constant multiple rule: keep the factor ${L(coeff)}$ and differentiate ${L(rest)}$. "
                + inner_rule, head + rf"{L(coeff)} \cdot \left({L(sp.diff(rest, v))}\right) = {L(d)}")
    if e == v:
        return "The derivative of the variable itself is 1.", head + "1"
    if isinstance(e, sp.Pow) and e.exp.has(v) is False and e.base == v:
        n = e.exp
        return (f"Power rule: $\\frac{{d}}{{dx}} x^n = n x^{{n-1}}$ with $n = {L(n)}$.",
                head + rf"{L(n)} {L(v)}^{{{L(n - 1)}}} = {L(d)}")
    if isinstance(e, sp.Pow) and not e.exp.has(v):
        u = e.base
        return ((f"Chain rule with the power rule: outer $u^{{{L(e.exp)}}}$, inner $u = {L(u)}$, "
                 f"$u' = {L(sp.diff(u, v))}$."),
                head + rf"{L(e.exp)} \left({L(u)}\right)^{{{L(e.exp - 1)}}} \cdot {L(sp.diff(u, v))} = {L(d)}")
    if isinstance(e, sp.Mul):
        num, den = sp.fraction(e)
        if den.has(v):
            sq = rf"{{\left({L(den)}\right)^2}}"
            return (("Quotient rule: $\\left(\\frac{u}{v}\\right)' = \\frac{u'v - uv'}{v^2}$ with "
                     f"$u = {L(num)}$, $v = {L(den)}$."),
                    head + rf"\frac{{({L(sp.diff(num, v))})({L(den)}) - ({L(num)})({L(sp.diff(den, v))})}}{sq}"
                    + _quotient_numerator(num, den, v, sq) + f" = {L(sp.simplify(d))}")
        factors = [f for f in e.args if f.has(v)]
        u, w = factors[0], sp.Mul(*factors[1:])
        return (f"Product rule: $(uv)' = u'v + uv'$ with $u = {L(u)}$, $v = {L(w)}$.",
                head + rf"({L(sp.diff(u, v))})({L(w)}) + ({L(u)})({L(sp.diff(w, v))}) = {L(sp.expand(d))}")
    if isinstance(e, sp.Pow) and e.base.is_number:
        u = e.exp
        return (f"Exponential rule: $\\frac{{d}}{{dx}} a^u = a^u \\ln a \\cdot u'$ with $u = {L(u)}$.",
                head + L(d))
    func = type(e) if isinstance(e, (sp.sin, sp.cos, sp.tan, sp.log)) else (sp.exp if isinstance(e, sp.exp)
                                                                              else None)
    if func is not None:
        u = e.args[0]
        if u == v:
            return f"Standard derivative: ${ELEMENTARY[func].replace('u', L(v))}$.", head + L(d)
        return ((f"Chain rule: outer function with ${ELEMENTARY[func]}$, inner $u = {L(u)}$, "
                 f"multiply by $u' = {L(sp.diff(u, v))}$."), head + L(d))
    return "Differentiate.", head + L(d)


@solver("derivative", required=("expression",), params=("variable",))
def derivative(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Differentiate term by term, naming the rule used for each term (power, product, quotient, chain)."""
    v = sp.Symbol(str(params.get("variable", "x")))
    e = reevaluate(given["expression"])
    s = StepList()
    s.add("Write the function to differentiate.", f"f({L(v)}) = {LA(given['expression'])}")
    terms = list(e.as_ordered_terms()) if isinstance(e, sp.Add) else [e]
    if len(terms) > 1:
        s.add("Sum rule: differentiate each term separately.")
    for t in terms:
        rule, line = _explain(t, v)
        s.add(rule, line)
    result = sp.expand(sp.diff(e, v)) if e.is_polynomial(v) else sp.simplify(sp.diff(e, v))
    s.add("Put the pieces together.", f"f'({L(v)}) = {L(result)}")
    return s.done(result)


def _integrate_term(t: sp.Expr, v: sp.Symbol) -> tuple[str, sp.Expr]:
    coeff, rest = t.as_independent(v, as_Add=False)
    anti = sp.integrate(t, v)
    if not t.has(v):
        return f"The antiderivative of the constant ${L(t)}$ is ${L(anti)}$.", anti
    pre = f"Keep the constant factor ${L(coeff)}$. " if coeff != 1 else ""
    if rest == v or (isinstance(rest, sp.Pow) and rest.base == v and not rest.exp.has(v)):
        n = 1 if rest == v else rest.exp
        if n == -1:
            return pre + "Use $\\int \\frac{1}{x}\\,dx = \\ln|x|$.", coeff * sp.log(sp.Abs(v))
        return (pre + f"Power rule: $\\int x^n\\,dx = \\frac{{x^{{n+1}}}}{{n+1}}$ with $n = {L(n)}$.", anti)
    if isinstance(rest, sp.exp):
        return pre + "Use $\\int e^{kx}\\,dx = \\frac{1}{k}e^{kx}$.", anti
    if isinstance(rest, (sp.sin, sp.cos)):
        return pre + "Use $\\int \\cos(kx)\\,dx = \\frac{1}{k}\\sin(kx)$ and $\\int \\sin(kx)\\,dx = " \
                     "-\\frac{1}{k}\\cos(kx)$.", anti
    if anti.has(sp.Integral):
        raise SolverError(f"no elementary antiderivative rule for {t}")
    return pre + "Integrate.", anti


@solver("integral", required=("expression",), optional=("lower", "upper"), params=("variable",))
def integral(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Integrate term by term (linearity, power rule, exponential, trig); with bounds, apply F(b) - F(a)."""
    v = sp.Symbol(str(params.get("variable", "x")))
    e = sp.expand(reevaluate(given["expression"]))
    definite = "lower" in given and "upper" in given
    s = StepList()
    if definite:
        a, b = reevaluate(given["lower"]), reevaluate(given["upper"])
        s.add("Write the integral.", rf"\int_{{{L(a)}}}^{{{L(b)}}} {LA(given['expression'])}\,d{L(v)}")
    else:
        s.add("Write the integral.", rf"\int {LA(given['expression'])}\,d{L(v)}")
    terms = list(e.as_ordered_terms()) if isinstance(e, sp.Add) else [e]
    if len(terms) > 1:
        s.add("Linearity: integrate each term separately.")
    total = sp.Integer(0)
    for t in terms:
        rule, anti = _integrate_term(t, v)
        s.add(rule, rf"\int {L(t)}\,d{L(v)} = {L(anti)}")
        total += anti
    if not definite:
        s.add("Add the constant of integration $C$.", f"{L(total)} + C")
        return s.done(total)
    fa, fb = total.subs(v, a), total.subs(v, b)
    s.add("Fundamental theorem of calculus: evaluate the antiderivative $F$ at the bounds, $F(b) - F(a)$.",
          rf"F({L(v)}) = {L(total)}")
    s.add("Substitute the bounds.", rf"F({L(b)}) - F({L(a)}) = {L(fb)} - \left({L(fa)}\right) = {L(sp.simplify(fb - fa))}")
    return s.done(sp.simplify(fb - fa))
