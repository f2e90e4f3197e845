"""Algebra step generators: linear equations/inequalities/systems, polynomials, factoring, quadratics,
rational expressions, functions and lines, exponent laws."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sympy as sp

from curriculum.solutions.arithmetic import LA, L, as_number, evaluate_steps
from curriculum.solutions.steps import SolverError, SolverResult, StepList, solver
from curriculum.solutions.work import arithmetic_work, difference_chain, fraction_chain
from curriculum.templates.expr import rebuild, reevaluate

X = sp.Symbol("x")
Y = sp.Symbol("y")


def _var(params: Mapping[str, Any], default: str = "x") -> sp.Symbol:
    return sp.Symbol(str(params.get("variable", default)))


def _linear_parts(expr: sp.Expr, v: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """expr = a*v + b -> (a, b); raises SolverError if not linear in v."""
    poly = sp.Poly(sp.expand(expr), v)
    if poly.degree() > 1:
        raise SolverError(f"{expr} is not linear in {v}")
    a = poly.coeff_monomial(v)
    b = poly.coeff_monomial(1)
    return a, b


def _side(a: sp.Expr, b: sp.Expr, v: sp.Symbol) -> sp.Expr:
    return a * v + b


def _signed(term: Any) -> str:
    term = sp.sympify(term)
    return f"- {L(-term)}" if term.could_extract_minus_sign() else f"+ {L(term)}"


REL = {sp.Eq: "=", sp.Lt: "<", sp.Le: r"\le", sp.Gt: ">", sp.Ge: r"\ge"}
FLIP = {sp.Eq: sp.Eq, sp.Lt: sp.Gt, sp.Le: sp.Ge, sp.Gt: sp.Lt, sp.Ge: sp.Le}


def _rel_type(rel: Any) -> type:
    for t in REL:
        if isinstance(rel, t):
            return t
    raise SolverError(f"expected an equation or inequality, got {rel}")


def _par(value: Any) -> str:
    value = sp.sympify(value)
    return f"\\left({L(value)}\\right)" if value.could_extract_minus_sign() else L(value)


def _chain(op: str, a: Any, b: Any, result: Any) -> str:
    r"""LaTeX ``a op b = ... = result`` with the written-out arithmetic of ``curriculum.solutions.work`` when
    it is a plain chain (integers), else just ``a op b = result``."""
    work = arithmetic_work(op, a, b, result=result)
    if work and work.count("$") == 2 and work.startswith("$") and work.endswith("$"):
        return work[1:-1]
    frac = fraction_chain(op, a, b)
    if frac is not None and sp.Rational(result) == {"+": sp.Rational(a) + sp.Rational(b),
                                                    "-": sp.Rational(a) - sp.Rational(b),
                                                    "*": sp.Rational(a) * sp.Rational(b),
                                                    "/": sp.Rational(a) / sp.Rational(b)}[op]:
        return frac
    sym = {"+": "+", "-": "-", "*": r"\cdot", "/": r"\div"}[op]
    return f"{L(a)} {sym} {_par(b)} = {L(result)}"


def _work_text(op: str, a: Any, b: Any, result: Any) -> str:
    """Markdown working for a op b (a sentence for decimals), or ``$a op b = result$``."""
    work = arithmetic_work(op, a, b, result=result)
    return work or f"${_chain(op, a, b, result)}$"


def _show(lhs: Any, rel: type, rhs: Any) -> str:
    return f"{L(lhs)} {REL[rel]} {L(rhs)}"


def _needs_simplify(asis: Any, expanded: sp.Expr) -> bool:
    """True when a side has brackets or like terms to combine (not merely a different term order)."""
    brackets = any(isinstance(node, (sp.Mul, sp.Pow)) and any(isinstance(a, sp.Add) for a in node.args)
                   for node in sp.preorder_traversal(asis))
    return brackets or len(sp.Add.make_args(asis)) != len(sp.Add.make_args(expanded))


def linear_steps(s: StepList, rel_expr: Any, v: sp.Symbol) -> tuple[type, sp.Expr]:
    """Shared by equations and inequalities: returns (relation after solving, value) for ``v rel value``."""
    rel = _rel_type(rel_expr)
    lhs, rhs = rel_expr.lhs, rel_expr.rhs
    s.add("Write the " + ("equation." if rel is sp.Eq else "inequality."),
          f"{LA(lhs)} {REL[rel]} {LA(rhs)}")
    lhs_e, rhs_e = sp.expand(reevaluate(lhs)), sp.expand(reevaluate(rhs))
    if _needs_simplify(lhs, lhs_e) or _needs_simplify(rhs, rhs_e):
        s.add("Simplify each side (expand brackets, combine like terms).", _show(lhs_e, rel, rhs_e))
    dens = [sp.fraction(sp.nsimplify(c))[1] for side in (lhs_e, rhs_e) for c in sp.Poly(side, v).coeffs()]
    m = sp.ilcm(*dens) if dens else 1
    if m != 1:
        lhs_e, rhs_e = sp.expand(lhs_e * m), sp.expand(rhs_e * m)
        s.add(f"Multiply both sides by {m} to clear the fractions.", _show(lhs_e, rel, rhs_e))
    a1, b1 = _linear_parts(lhs_e, v)
    a2, b2 = _linear_parts(rhs_e, v)
    if a2 != 0:
        word = "Subtract" if a2 > 0 else "Add"
        s.add(f"{word} ${L(abs(a2) * v)}$ {'from' if a2 > 0 else 'to'} both sides to collect the "
              f"${L(v)}$-terms on the left: ${L(a1 * v)} {_signed(-a2 * v)} = {L((a1 - a2) * v)}$.",
              _show(_side(a1 - a2, b1, v), rel, b2))
        a1, a2 = a1 - a2, 0
    if a1 == 0:
        raise SolverError("the variable cancels out: no unique solution")
    if b1 != 0:
        word = "Subtract" if b1 > 0 else "Add"
        s.add(f"{word} ${L(abs(b1))}$ {'from' if b1 > 0 else 'to'} both sides: "
              f"{_work_text('-', b2, b1, b2 - b1)}.", _show(a1 * v, rel, b2 - b1))
        b2, b1 = b2 - b1, 0
    value = sp.nsimplify(b2 / a1)
    if a1 != 1:
        if a1 < 0 and rel is not sp.Eq:
            rel = FLIP[rel]
            s.add(f"Divide both sides by ${L(a1)}$: {_work_text('/', b2, a1, value)}. Dividing by a negative "
                  "number reverses the inequality sign.", _show(v, rel, value))
        else:
            s.add(f"Divide both sides by ${L(a1)}$: {_work_text('/', b2, a1, value)}.", _show(v, rel, value))
    return rel, value


@solver("linear_equation", required=("equation",), params=("variable",))
def linear_equation(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Solve a linear equation in one variable by inverse operations on both sides."""
    v = _var(params)
    s = StepList()
    _, value = linear_steps(s, given["equation"], v)
    s.add(f"Check: substituting ${L(v)} = {L(value)}$ makes both sides equal.")
    return s.done(sp.Eq(v, value))


@solver("linear_inequality", required=("inequality",), params=("variable",))
def linear_inequality(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Solve a linear inequality; flips the sign when dividing by a negative number."""
    v = _var(params)
    s = StepList()
    rel, value = linear_steps(s, given["inequality"], v)
    result = rel(v, value)
    s.add("Write the solution set in interval notation.", L(result.as_set()))
    return s.done(result)


@solver("linear_system", required=("eq1", "eq2"))
def linear_system(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Solve two linear equations in x and y by elimination, then back-substitution."""
    rows = []
    for key in ("eq1", "eq2"):
        eq = given[key]
        if not isinstance(eq, sp.Eq):
            raise SolverError(f"{key} must be an equation")
        e = sp.expand(reevaluate(eq.lhs) - reevaluate(eq.rhs))
        a, b, c = e.coeff(X), e.coeff(Y), -e.subs({X: 0, Y: 0})
        if sp.expand(a * X + b * Y - c - e) != 0:
            raise SolverError(f"{key} is not linear in x and y")
        rows.append((a, b, c))
    (a1, b1, c1), (a2, b2, c2) = rows
    det = a1 * b2 - a2 * b1
    if det == 0:
        raise SolverError("the system has no unique solution")
    s = StepList()
    s.add("Write both equations in the form $ax + by = c$.",
          rf"\begin{{cases}} {L(a1 * X + b1 * Y)} = {L(c1)} \\ {L(a2 * X + b2 * Y)} = {L(c2)} \end{{cases}}")
    if b1 == 0 or b2 == 0:
        k1, k2 = 1, 1
    else:
        m = sp.ilcm(abs(b1), abs(b2))
        k1, k2 = m / abs(b1), m / abs(b2)
    if b1 != 0 and b2 != 0:
        if k1 != 1 or k2 != 1:
            s.add(f"Make the $y$-coefficients match in size: multiply the first equation by {L(k1)} and the "
                  f"second by {L(k2)}.",
                  rf"\begin{{cases}} {L(k1 * a1 * X + k1 * b1 * Y)} = {L(k1 * c1)} \\ "
                  rf"{L(k2 * a2 * X + k2 * b2 * Y)} = {L(k2 * c2)} \end{{cases}}")
        same = sp.sign(b1) == sp.sign(b2)
        op = "-" if same else "+"
        ea = k1 * a1 - k2 * a2 if same else k1 * a1 + k2 * a2
        ec = k1 * c1 - k2 * c2 if same else k1 * c1 + k2 * c2
        s.add(f"{'Subtract' if same else 'Add'} the equations to eliminate $y$: for the $x$-terms "
              f"${_chain(op, k1 * a1, k2 * a2, ea)}$, on the right ${_chain(op, k1 * c1, k2 * c2, ec)}$.",
              f"{L(ea * X)} = {L(ec)}")
    else:
        ea, ec = (a1, c1) if b1 == 0 else (a2, c2)
        s.add("One equation has no $y$-term; use it directly.", f"{L(ea * X)} = {L(ec)}")
    xv = sp.nsimplify(ec / ea)
    s.add(f"Divide by {L(ea)}: {_work_text('/', ec, ea, xv)}." if ea != 1 else "This gives $x$.", f"x = {L(xv)}")
    a, b, c = (a1, b1, c1) if b1 != 0 else (a2, b2, c2)
    yv = sp.nsimplify((c - a * xv) / b)
    p = a * xv
    then = r" \;\Rightarrow\; "
    chain = [rf"{L(a)} \cdot {_par(xv)} {_signed(b * Y)} = {L(c)}"]
    if a != 0:
        chain.append(f"{L(p)} {_signed(b * Y)} = {L(c)}")
        chain.append(f"{L(b * Y)} = {_chain('-', c, p, c - p)}")
    if b != 1:
        chain.append(f"y = {_chain('/', c - p, b, yv)}")
    first = ""
    if a not in (0, 1, -1) and isinstance(xv, sp.Rational) and not xv.is_Integer:
        first = f" First the product: ${fraction_chain('*', a, xv)}$."
    s.add(f"Substitute $x = {L(xv)}$ into an equation with a $y$-term and solve for $y$.{first}",
          then.join(chain))
    s.add(f"Check in the other equation; the solution is the point $({L(xv)}, {L(yv)})$.")
    return s.done(sp.And(sp.Eq(X, xv), sp.Eq(Y, yv)))


def _terms(e: Any) -> list[Any]:
    e = reevaluate(e)
    return list(sp.Add.make_args(sp.expand(e))) if not isinstance(e, sp.Add) else list(e.args)


def _ordered(e: Any) -> list[Any]:
    return list(e.as_ordered_terms()) if isinstance(e, sp.Add) else [e]


def _factors(e: Any) -> list[Any]:
    out: list[Any] = []
    for f in (e.args if isinstance(e, sp.Mul) else (e,)):
        if isinstance(f, sp.Pow) and f.exp.is_Integer and 1 < f.exp <= 4 and isinstance(f.base, sp.Add):
            out.extend([f.base] * int(f.exp))
        else:
            out.append(f)
    return out


def _raw_terms(e: Any) -> list[Any]:
    """The terms of ``e`` multiplied out term by term, before like terms are collected (``2(3x - 5) + 9`` ->
    ``[6x, -10, 9]``; ``(x + 1)^2`` -> ``[x^2, x, x, 1]``)."""
    if isinstance(e, sp.Add):
        return [t for a in _ordered(e) if isinstance(e, sp.Add) for t in _raw_terms(a)] \
            if not e.is_number else [reevaluate(e)]
    if isinstance(e, sp.Mul) or isinstance(e, sp.Pow) and isinstance(e.base, sp.Add):
        terms: list[Any] = [sp.Integer(1)]
        for f in _factors(e):
            f = reevaluate(f)
            terms = [a * b for a in terms for b in _ordered(f)]
        return terms
    return [reevaluate(e)]


def _product_tex(e: Any) -> str:
    """A product or power of brackets as written (``2 \\left(x + 3\\right)``), sums in their usual order."""
    def one(f: Any) -> str:
        if isinstance(f, sp.Add):
            return rf"\left({L(reevaluate(f))}\right)"
        if isinstance(f, sp.Pow) and isinstance(f.base, sp.Add):
            return rf"\left({L(reevaluate(f.base))}\right)^{{{L(f.exp)}}}"
        return L(reevaluate(f))
    if isinstance(e, sp.Mul):
        return " ".join(one(f) for f in e.args)
    return one(e)


def _like_terms(terms: list[Any]) -> dict[Any, list[Any]]:
    """{monomial: [its coefficients in order]} (like terms grouped, first appearance first)."""
    groups: dict[Any, list[Any]] = {}
    for t in terms:
        coeff, mono = t.as_coeff_Mul()
        groups.setdefault(mono, []).append(coeff)
    return groups


def _collect_tex(terms: list[Any]) -> tuple[str, str, Any]:
    """(the terms written in a row, the like-term groups with their coefficient sums, the collected sum)."""
    shown = " ".join((_signed(t) if i else L(t)) for i, t in enumerate(terms))
    groups = _like_terms(terms)
    parts = []
    for mono, coeffs in groups.items():
        if len(coeffs) > 1:
            total = sum(coeffs)
            inner = (L(coeffs[0]) + " " + " ".join(_signed(c) for c in coeffs[1:]))
            parts.append(rf"({inner}){'' if mono == 1 else ' ' + L(mono)} = {L(total * mono)}")
    return shown, r",\quad ".join(parts), sp.expand(sum(terms))


def _multiply_out(s: StepList, pieces: list[tuple[int, Any]], what: str) -> bool:
    """Steps that multiply out ``sum(sign * piece)`` term by term and collect like terms; False (no steps) when
    there is nothing to multiply out or the terms do not add up to the expansion."""
    terms: list[Any] = []
    shown_products = []
    for sign, piece in pieces:
        raw = _raw_terms(piece)
        if not isinstance(reevaluate(piece), sp.Add) or isinstance(piece, sp.Mul | sp.Pow):
            row = " ".join((_signed(t) if i else L(t)) for i, t in enumerate(raw))
            if len(raw) > 1 or L(raw[0]) != LA(piece):
                shown_products.append(f"${_product_tex(piece)} = {row}$")
        terms.extend(raw if sign > 0 else [-t for t in raw])
    total = sp.expand(sum(sign * reevaluate(piece) for sign, piece in pieces))
    if not shown_products or sp.expand(sum(terms) - total) != 0:
        return False
    shown, groups, result = _collect_tex(terms)
    minus = " (the minus sign changes the sign of every term of the second product)" \
        if any(sign < 0 for sign, _ in pieces) else ""
    s.add(f"Multiply out {what} term by term: " + ", ".join(shown_products) + f"{minus}.", shown)
    if groups:
        s.add("Collect like terms (add the coefficients of the same power).", rf"{groups}\quad\Rightarrow\quad "
              + L(result))
    return True


@solver("expand", required=("expression",))
def expand_steps(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Multiply out a product of polynomials by distributing term by term, then combine like terms."""
    e = given["expression"]
    s = StepList()
    s.add("Write the product.", LA(e))
    factors = _factors(e)
    if isinstance(e, sp.Pow) and isinstance(e.base, sp.Add) and e.exp == 2:
        s.add("A square means the bracket times itself.", "".join(rf"\left({L(f)}\right)" for f in factors))
    current = reevaluate(factors[0])
    for f in factors[1:]:
        f = reevaluate(f)
        t1, t2 = _ordered(current), _ordered(f)
        products = [a * b for a in t1 for b in t2]
        shown = " ".join((_signed(p) if i else L(p)) for i, p in enumerate(products))
        s.add("Distribute: multiply every term of the first bracket by every term of the second.",
              shown)
        current = sp.expand(current * f)
        if len(products) != len(sp.Add.make_args(current)):
            s.add("Combine like terms.", L(current))
    result = sp.expand(reevaluate(e))
    if len(factors) == 1:
        s.add("Expand.", L(result))
    return s.done(result)


@solver("combine_like_terms", required=("expression",))
def combine_like_terms(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Remove brackets (minding the signs in front of them) and collect like terms."""
    e = given["expression"]
    s = StepList()
    s.add("Write the expression.", LA(e))
    top = e.args if isinstance(e, sp.Add) else (e,)
    terms = [t for a in top for t in _ordered(sp.expand(reevaluate(a)))]
    shown = " ".join((_signed(t) if i else L(t)) for i, t in enumerate(terms))
    if shown != LA(e):
        s.add("Remove the brackets; a minus sign in front of a bracket changes the sign of every term inside.",
              shown)
    result = sp.expand(reevaluate(e))
    groups = _like_terms(terms)
    parts = []
    for mono, coeffs in groups.items():
        if len(coeffs) > 1:
            total = sum(coeffs)
            parts.append(rf"({' + '.join(L(c) for c in coeffs)}){'' if mono == 1 else L(mono)}".replace("+ -", "- ")
                         + f" = {L(total * mono)}")
    if parts:
        s.add("Group like terms (same variables with the same powers) and add their coefficients.",
              r",\quad ".join(parts))
    s.add("Write the simplified expression.", L(result))
    return s.done(result)


def _pair(product: int, total: int) -> tuple[int, int] | None:
    for p in range(-abs(product) - 1, abs(product) + 2):
        if p != 0 and product % p == 0 and p + product // p == total:
            return p, product // p
    if product == 0:
        return 0, total
    return None


def _factor_steps(s: StepList, e: sp.Expr, v: sp.Symbol, method: str) -> sp.Expr:
    e = sp.expand(e)
    poly = sp.Poly(e, v)
    content, _ = poly.primitive()
    lead_sign = -1 if poly.LC() < 0 and method != "common" else 1
    g = content * lead_sign
    low = min(m[0] for m in poly.monoms())
    if method == "common" or g != 1 or low > 0:
        gf = g * v**low
        if gf != 1:
            inner = sp.expand(e / gf)
            s.add(f"Take out the greatest common factor ${L(gf)}$ of all terms.",
                  rf"{L(e)} = {L(gf)}\left({L(inner)}\right)")
            e = inner
        else:
            gf = sp.Integer(1)
    else:
        gf = sp.Integer(1)
    poly = sp.Poly(e, v)
    if poly.degree() == 2:
        a, b, c = (int(poly.coeff_monomial(v**k)) for k in (2, 1, 0))
        if b == 0 and c < 0 and math.isqrt(a) ** 2 == a and math.isqrt(-c) ** 2 == -c:
            r, t = math.isqrt(a), math.isqrt(-c)
            s.add(f"This is a difference of squares: ${L(e)} = ({L(r * v)})^2 - {t}^2$. "
                  "Use $A^2 - B^2 = (A - B)(A + B)$.", L(sp.Mul(r * v - t, r * v + t, evaluate=False)))
        elif a == 1:
            pq = _pair(c, b)
            if pq is None:
                s.add("No two integers multiply to the constant term and add to the middle coefficient: "
                      "the quadratic does not factor over the integers.")
            else:
                p, q = pq
                s.add(f"Find two numbers that multiply to {c} and add to {b}: they are {p} and {q}.",
                      rf"{p} \cdot {q} = {c}, \quad {p} + {q} = {b}".replace("+ -", "- "))
                s.add("Write the factors.", L(sp.Mul(v + p, v + q, evaluate=False)))
        else:
            pq = _pair(a * c, b)
            if pq is not None:
                p, q = pq
                s.add(f"Multiply $a \\cdot c = {a} \\cdot {c} = {a * c}$; find two numbers that multiply to "
                      f"{a * c} and add to {b}: {p} and {q}.")
                s.add("Split the middle term.", f"{L(a * v**2)} {_signed(p * v)} {_signed(q * v)} {_signed(c)}")
                s.add("Factor each pair of terms (grouping), then take out the common bracket.",
                      L(sp.factor(e)))
    elif poly.degree() > 2:
        s.add("Factor what remains.", L(sp.factor(e)))
    result = sp.factor(gf * e)
    s.add("The fully factored form:", L(result))
    return result


@solver("factor", required=("expression",), params=("variable", "method"))
def factor_steps(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Factor a polynomial: greatest common factor, then trinomial / difference of squares methods."""
    v = _var(params)
    e = reevaluate(given["expression"])
    s = StepList()
    s.add("Write the polynomial in standard form.", L(sp.expand(e)))
    result = _factor_steps(s, e, v, str(params.get("method", "auto")))
    return s.done(result)


def _ipar(n: int) -> str:
    return f"({n})" if n < 0 else str(n)


def _discriminant_work(a: Any, b: Any, c: Any) -> tuple[str, str] | None:
    r"""For integer coefficients: (Markdown with ``b^2`` and ``4ac`` written as products, the difference
    chain ``b^2 - 4ac = ... = Δ``), e.g. ``$b^2 = 3 \cdot 3 = 9$, $4ac = 4 \cdot 1 \cdot (-8) = 4 \cdot (-8) =
    -(4 \cdot 8) = -32$`` and ``9 - (-32) = 9 + 32 = 41``. None when a coefficient is not an integer."""
    if not all(isinstance(v, sp.Basic) and v.is_Integer for v in (a, b, c)):
        return None
    ia, ib, ic = int(a), int(b), int(c)
    sq = arithmetic_work("*", sp.Integer(ib), sp.Integer(ib))
    prod = arithmetic_work("*", sp.Integer(4 * ia), sp.Integer(ic))
    diff = difference_chain(ib * ib, 4 * ia * ic)
    if not (sq and prod and diff) or sq.count("$") != 2 or prod.count("$") != 2:
        return None
    four = rf"4 \cdot {_ipar(ia)} \cdot {_ipar(ic)} = "
    text = rf"$b^2 = {_ipar(ib)}^2 = {sq[1:-1]}$, $4ac = {four}{prod[1:-1]}$"
    return text, diff


def _frac_reduce(n: int, d: int) -> str:
    r"""``\frac{n}{d}`` reduced with the common factor shown: ``\frac{-4}{6} = \frac{-4 \div 2}{6 \div 2} =
    -\frac{2}{3}``; just ``\frac{n}{d}`` when it is already in lowest terms."""
    g = math.gcd(n, d)
    head = rf"\frac{{{n}}}{{{d}}}"
    if g == 1:
        return head
    return rf"{head} = \frac{{{n} \div {g}}}{{{d} \div {g}}} = {L(sp.Rational(n, d))}"


def _roots_work(a: Any, b: Any, d: Any, v: sp.Symbol) -> tuple[str, str] | None:
    r"""Text and display line that simplify both roots of the formula for integer a, b and Δ > 0: whether Δ
    is a perfect square; if so, each numerator ``-b ∓ √Δ`` as a signed sum and its division by 2a; if not,
    √Δ with its square factor taken out and the fraction split into ``-b/(2a) ± k√m/(2a)``, each part
    reduced. None for non-integer coefficients."""
    if not all(isinstance(x, sp.Basic) and x.is_Integer for x in (a, b, d)) or d <= 0:
        return None
    ia, ib, idd = int(a), int(b), int(d)
    den, r = 2 * ia, math.isqrt(idd)
    if den <= 0:
        return None
    if r * r == idd:
        parts, shown = [], []
        for sign, num in (("-", -ib - r), ("+", -ib + r)):
            chain = difference_chain(-ib, r) if sign == "-" else arithmetic_work("+", sp.Integer(-ib),
                                                                                 sp.Integer(r))
            if chain is None:
                return None
            chain = chain if chain.startswith("$") else f"${chain}$"
            root = sp.Rational(num, den)
            if num % den == 0:
                div = arithmetic_work("/", sp.Integer(num), sp.Integer(den))
            else:
                div = f"${fraction_chain('/', num, den)}$"
            if div is None:
                return None
            parts.append(f"with ${sign}$: {chain}, then {div}")
            shown.append((root, rf"{L(v)} = \frac{{{L(-b)} {sign} {r}}}{{{den}}} = \frac{{{num}}}{{{den}}}" +
                           ("" if L(root) == rf"\frac{{{num}}}{{{den}}}" else f" = {L(root)}")))
        text = (rf"Simplify both roots: ${r} \cdot {r} = {idd}$, so ${idd}$ is a perfect square and "
                rf"$\sqrt{{{idd}}} = {r}$; " + "; ".join(parts) + ".")
        return text, r",\quad ".join(x for _, x in sorted(shown, key=lambda t: t[0]))
    k = max(j for j in range(1, r + 1) if idd % (j * j) == 0)
    m = idd // (k * k)
    text = (rf"Simplify both roots: ${r}^2 = {r * r} < {idd} < {(r + 1) ** 2} = {r + 1}^2$, so ${idd}$ is not "
            rf"a perfect square and the roots keep a square root")
    root = rf"\sqrt{{{m}}}" if k == 1 else rf"{k}\sqrt{{{m}}}"
    if k > 1:
        text += rf"; take out the square factor, $\sqrt{{{idd}}} = \sqrt{{{k * k} \cdot {m}}} = {root}$"
    p, q = sp.Rational(-ib, den), sp.Rational(k, den)
    part = rf"\frac{{{root}}}{{{den}}}"
    reduce = [f"${_frac_reduce(-ib, den)}$"] if ib and math.gcd(ib, den) > 1 else []
    if math.gcd(k, den) > 1:
        reduce.append(f"in front of the root ${_frac_reduce(k, den)}$")
    if ib:
        text += (rf"; split the fraction, $\frac{{{-ib} \pm {root}}}{{{den}}} = \frac{{{-ib}}}{{{den}}} \pm "
                 rf"{part}$")
    if reduce:
        text += ", and reduce: " + " and ".join(reduce)
    text += "."
    sq = rf"\sqrt{{{m}}}" if q == 1 else (rf"{q}\sqrt{{{m}}}" if q.q == 1 else
                                         rf"\frac{{{'' if q.p == 1 else q.p}\sqrt{{{m}}}}}{{{q.q}}}")
    lines = []
    for sign in ("-", "+") if ia > 0 else ("+", "-"):
        lines.append(f"{L(v)} = " + (f"{L(p)} {sign} {sq}" if p != 0 else (sq if sign == "+" else f"-{sq}")))
    return text, r",\quad ".join(lines)


@solver("quadratic", required=("equation",), params=("variable", "method"))
def quadratic(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Solve a quadratic equation by factoring, the quadratic formula, or completing the square."""
    v = _var(params)
    eq = given["equation"]
    if not isinstance(eq, sp.Eq):
        raise SolverError("quadratic needs an equation")
    method = str(params.get("method", "factoring"))
    s = StepList()
    s.add("Write the equation.", f"{LA(eq.lhs)} = {LA(eq.rhs)}")
    e = sp.expand(reevaluate(eq.lhs) - reevaluate(eq.rhs))
    poly = sp.Poly(e, v)
    if poly.degree() != 2:
        raise SolverError("not a quadratic equation")
    if reevaluate(eq.rhs) != 0:
        s.add("Move every term to one side so the equation equals zero.", f"{L(e)} = 0")
    a, b, c = (poly.coeff_monomial(v**k) for k in (2, 1, 0))
    roots = sorted(set(sp.solve(e, v)), key=lambda r: float(sp.re(r)))
    real = [r for r in roots if r.is_real]
    if method == "formula":
        d = b**2 - 4 * a * c
        dwork = _discriminant_work(a, b, c)
        if dwork:
            s.add(f"Read off $a = {L(a)}$, $b = {L(b)}$, $c = {L(c)}$ and compute the discriminant: {dwork[0]}.",
                  rf"\Delta = b^2 - 4ac = ({L(b)})^2 - 4 \cdot ({L(a)}) \cdot ({L(c)}) = {dwork[1]}")
        else:
            s.add(f"Read off $a = {L(a)}$, $b = {L(b)}$, $c = {L(c)}$ and compute the discriminant.",
                  rf"\Delta = b^2 - 4ac = ({L(b)})^2 - 4 \cdot ({L(a)}) \cdot ({L(c)}) = {L(d)}")
        if d < 0:
            s.add("The discriminant is negative, so there are no real solutions.")
            return s.done(sp.EmptySet)
        s.add("Apply the quadratic formula.",
              rf"{L(v)} = \frac{{-b \pm \sqrt{{\Delta}}}}{{2a}} = \frac{{{L(-b)} \pm \sqrt{{{L(d)}}}}}{{{L(2 * a)}}}")
        if d == 0:
            s.add("The discriminant is zero: there is one (double) root.", f"{L(v)} = {L(real[0])}")
        else:
            rwork = _roots_work(a, b, d, v)
            if rwork:
                s.add(*rwork)
            else:
                s.add("Simplify both roots.", ",\\quad ".join(f"{L(v)} = {L(r)}" for r in real))
    elif method == "complete_square":
        if a != 1:
            e = sp.expand(e / a)
            s.add(f"Divide every term by {L(a)}.", f"{L(e)} = 0")
            b, c = b / a, c / a
        h = b / 2
        s.add(f"Move the constant to the right and add $\\left(\\tfrac{{b}}{{2}}\\right)^2 = {L(h**2)}$ to both "
              "sides.", f"{L(v**2 + b * v + h**2)} = {L(-c + h**2)}")
        s.add("The left side is a perfect square.", rf"\left({L(v + h)}\right)^2 = {L(-c + h**2)}")
        rhs = -c + h**2
        if rhs < 0:
            s.add("A square cannot be negative, so there are no real solutions.")
            return s.done(sp.EmptySet)
        s.add("Take the square root of both sides (both signs).", rf"{L(v + h)} = \pm {L(sp.sqrt(rhs))}")
        s.add(f"Subtract {L(h)} from both sides." if h > 0 else f"Add {L(-h)} to both sides.",
              ",\\quad ".join(f"{L(v)} = {L(r)}" for r in real))
    else:
        fs = StepList()
        result = _factor_steps(fs, e, v, "auto")
        s.items.extend(fs.items[:])
        if not isinstance(result, sp.Mul) and not isinstance(result, sp.Pow):
            raise SolverError("the quadratic does not factor over the integers; use method: formula")
        s.add("Zero-product property: a product is zero exactly when one factor is zero.",
              r" \text{ or } ".join(f"{L(f)} = 0" for f in sp.Mul.make_args(result)
                                    if f.has(v) for f in [f.base if isinstance(f, sp.Pow) else f]))
        s.add("Solve each linear equation.", r",\quad ".join(f"{L(v)} = {L(r)}" for r in real))
    return s.done(sp.FiniteSet(*real))


@solver("rational_simplify", required=("expression",), params=("variable",))
def rational_simplify(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Simplify a rational expression: factor numerator and denominator, cancel common factors."""
    v = _var(params)
    e = reevaluate(given["expression"])
    n, d = sp.fraction(sp.together(e))
    s = StepList()
    s.add("Write the expression as one fraction.", rf"\frac{{{L(sp.expand(n))}}}{{{L(sp.expand(d))}}}")
    fn, fd = sp.factor(n), sp.factor(d)
    s.add("Factor the numerator and the denominator.", rf"\frac{{{L(fn)}}}{{{L(fd)}}}")
    common = sp.gcd(fn, fd)
    result = sp.factor(sp.cancel(e))
    if common.has(v):
        s.add(f"Cancel the common factor ${L(common)}$ (allowed where it is not zero).", L(result))
    excluded = sorted(set(sp.solve(fd, v)), key=lambda r: float(r))
    if excluded:
        s.add("The original expression is undefined where the denominator is zero: "
              + ", ".join(f"${L(v)} \\ne {L(r)}$" for r in excluded) + ".")
    return s.done(result)


@solver("rational_op", required=("left", "right"), params=("op", "variable"))
def rational_op(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Add or subtract rational expressions over a common denominator (op + or -), or multiply (*)."""
    op = str(params.get("op", "+"))
    p, q = reevaluate(given["left"]), reevaluate(given["right"])
    n1, d1 = (sp.factor(t) for t in sp.fraction(sp.together(p)))
    n2, d2 = (sp.factor(t) for t in sp.fraction(sp.together(q)))
    s = StepList()
    sym = {"+": "+", "-": "-", "*": r"\cdot"}[op]
    s.add("Factor the denominators.", rf"\frac{{{L(n1)}}}{{{L(d1)}}} {sym} \frac{{{L(n2)}}}{{{L(d2)}}}")
    if op == "*":
        total = sp.factor(sp.cancel(p * q))
        s.add("Multiply numerators and denominators, then cancel common factors.", L(total))
        return s.done(total)
    lcd = sp.factor(sp.lcm(d1, d2))
    k1, k2 = sp.factor(sp.cancel(lcd / d1)), sp.factor(sp.cancel(lcd / d2))
    s.add(f"The least common denominator is ${L(lcd)}$.")
    s.add("Rewrite both fractions over the common denominator.",
          rf"\frac{{{L(sp.Mul(n1, k1, evaluate=False))}}}{{{L(lcd)}}} {sym} "
          rf"\frac{{{L(sp.Mul(n2, k2, evaluate=False))}}}{{{L(lcd)}}}")
    num = sp.expand(n1 * k1 + n2 * k2) if op == "+" else sp.expand(n1 * k1 - n2 * k2)
    _multiply_out(s, [(1, sp.Mul(n1, k1, evaluate=False) if k1 != 1 else n1),
                      (1 if op == "+" else -1, sp.Mul(n2, k2, evaluate=False) if k2 != 1 else n2)], "the numerators")
    s.add("Combine the numerators" + (" (the minus sign applies to the whole second numerator)." if op == "-"
                                      else "."), rf"\frac{{{L(num)}}}{{{L(lcd)}}}")
    result = sp.factor(sp.cancel(num / lcd))
    if sp.cancel(num / lcd) != sp.cancel(result) or L(result) != rf"\frac{{{L(num)}}}{{{L(lcd)}}}":
        s.add("Factor and cancel if possible.", L(result))
    return s.done(result)


def _subst_asis(e: Any, v: sp.Symbol, value: Any) -> Any:
    if e == v:
        return value
    if not isinstance(e, sp.Basic) or not e.args:
        return e
    return rebuild(e.func, [_subst_asis(a, v, value) for a in e.args])


@solver("function_eval", required=("f", "at"), params=("name", "variable"))
def function_eval(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Evaluate f at a number: substitute (in brackets), then use the order of operations."""
    v = _var(params)
    name = str(params.get("name", "f"))
    f, at = given["f"], as_number(given["at"], "at")
    s = StepList()
    shown = f"{name}({L(v)}) = {LA(f)}" if name else LA(f)
    s.add(f"Replace every ${L(v)}$ in ${shown}$ by ${L(at)}$ (in brackets if it is negative).")
    sub = _subst_asis(f, v, at)
    inner = evaluate_steps({"expression": sub}, {})
    s.items.extend(inner.steps[1:] if len(inner.steps) > 1 else inner.steps)
    s.add(f"So ${name}({L(at)}) = {L(inner.result)}$." if name else f"The value is ${L(inner.result)}$.")
    return s.done(inner.result)


@solver("composition", required=("outer", "inner"), params=("outer_name", "inner_name", "variable"))
def composition(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Compose two functions: substitute the inner function into the outer one and simplify."""
    v = _var(params)
    fo, fi = str(params.get("outer_name", "f")), str(params.get("inner_name", "g"))
    outer, inner = reevaluate(given["outer"]), reevaluate(given["inner"])
    s = StepList()
    s.add(f"${fo}({fi}({L(v)}))$ means: put ${fi}({L(v)}) = {L(inner)}$ in place of ${L(v)}$ in "
          f"${fo}({L(v)}) = {L(outer)}$.")
    shown = _subst_asis(outer, v, sp.Symbol("\\left(" + L(inner) + "\\right)"))
    s.add("Substitute.", LA(shown))
    result = sp.expand(outer.subs(v, inner))
    sub = _subst_asis(outer, v, inner)
    pieces = [(1, a) for a in _ordered(sub)] if isinstance(sub, sp.Add) else [(1, sub)]
    _multiply_out(s, pieces, "the brackets")
    s.add("Expand and simplify.", f"{fo}({fi}({L(v)})) = {L(result)}")
    return s.done(result)


@solver("inverse", required=("f",), params=("variable",))
def inverse(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Find the inverse of a one-to-one function: write y = f(x), swap x and y, solve for y."""
    v = _var(params)
    f = reevaluate(given["f"])
    s = StepList()
    s.add("Write $y = f(x)$.", f"y = {L(f)}")
    swapped = f.subs(v, Y)
    s.add("Swap $x$ and $y$.", f"x = {L(swapped)}")
    sols = sp.solve(sp.Eq(v, swapped), Y)
    if len(sols) != 1:
        raise SolverError("the function is not invertible in one piece")
    result = sp.simplify(sols[0])
    if sp.Poly(swapped, Y).degree() == 1 if swapped.is_polynomial(Y) else False:
        a, b = _linear_parts(swapped, Y)
        if b != 0:
            s.add(f"{'Subtract' if b > 0 else 'Add'} ${L(abs(b))}$ on both sides.", f"{L(v - b)} = {L(a * Y)}")
        if a != 1:
            s.add(f"Divide both sides by ${L(a)}$.", f"y = {L(result)}")
    else:
        s.add("Solve for $y$.", f"y = {L(result)}")
    s.add("So the inverse function is", f"f^{{-1}}(x) = {L(result)}")
    return s.done(result)


@solver("slope", required=("x1", "y1", "x2", "y2"))
def slope(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Slope of the line through (x1, y1) and (x2, y2): rise over run."""
    x1, y1, x2, y2 = (as_number(given[k], k) for k in ("x1", "y1", "x2", "y2"))
    if x1 == x2:
        raise SolverError("vertical line: slope undefined")
    m = (y2 - y1) / (x2 - x1)
    s = StepList()
    s.add("Use the slope formula $m = \\frac{y_2 - y_1}{x_2 - x_1}$.",
          rf"m = \frac{{{L(y2)} - {'(' + L(y1) + ')' if y1 < 0 else L(y1)}}}"
          rf"{{{L(x2)} - {'(' + L(x1) + ')' if x1 < 0 else L(x1)}}} = \frac{{{L(y2 - y1)}}}{{{L(x2 - x1)}}}")
    s.add("Simplify.", f"m = {L(m)}")
    return s.done(m)


@solver("line_through", required=("x1", "y1", "x2", "y2"))
def line_through(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Equation y = m x + b of the line through two points: slope, then intercept from one point."""
    inner = slope(given, params)
    x1, y1 = as_number(given["x1"], "x1"), as_number(given["y1"], "y1")
    m = inner.result
    s = StepList(list(inner.steps))
    b = y1 - m * x1
    p = m * x1
    product = _chain("*", m, x1, p)
    work = f"; multiply first, ${product}$" if product.count(" = ") > 1 else ""
    s.add(f"Find the intercept $b$ from $y = mx + b$ with the point $({L(x1)}, {L(y1)})${work}.",
          rf"{L(y1)} = {L(m)} \cdot {_par(x1)} + b \;\Rightarrow\; {L(y1)} = {L(p)} + b \;\Rightarrow\; "
          rf"b = {_chain('-', y1, p, b)}")
    s.add("Write the equation of the line.", f"y = {L(m * X + b)}")
    return s.done(sp.Eq(Y, m * X + b))


def _denest(e: Any) -> Any:
    if not isinstance(e, sp.Basic) or not e.args:
        return e
    args = [_denest(a) for a in e.args]
    if isinstance(e, sp.Pow) and e.exp != -1:
        base, exp = args
        if isinstance(base, sp.Pow):
            return sp.Pow(base.base, reevaluate(base.exp * exp), evaluate=False)
        if isinstance(base, sp.Mul):
            return sp.Mul(*[_denest(sp.Pow(f, exp, evaluate=False)) for f in base.args], evaluate=False)
    return e.func(*args, evaluate=False)


@solver("exponent_laws", required=("expression",))
def exponent_laws(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Simplify a product/quotient of powers with the laws of exponents."""
    e = given["expression"]
    s = StepList()
    s.add("Write the expression.", LA(e))
    denested = _denest(e)
    if denested != e:
        s.add("Power of a power (or of a product): multiply the exponents, $(a^m)^n = a^{mn}$, "
              "$(ab)^n = a^n b^n$.", LA(denested))
    result = sp.powsimp(reevaluate(e))
    s.add("Same base: add exponents when multiplying ($a^m a^n = a^{m+n}$), subtract when dividing "
          "($a^m / a^n = a^{m-n}$).", L(result))
    if any(isinstance(p, sp.Pow) and p.exp.is_negative for p in sp.preorder_traversal(result)):
        s.add("A negative exponent means a reciprocal: $a^{-n} = \\frac{1}{a^n}$.", L(result))
    return s.done(result)


@solver("discriminant", required=("a", "b", "c"))
def discriminant(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Discriminant b^2 - 4ac of ax^2 + bx + c and what its sign says about the roots."""
    a, b, c = (as_number(given[k], k) for k in ("a", "b", "c"))
    d = b**2 - 4 * a * c
    s = StepList()
    s.add(f"Read off the coefficients: $a = {L(a)}$, $b = {L(b)}$, $c = {L(c)}$.")
    dwork = _discriminant_work(a, b, c)
    if dwork:
        s.add(f"Substitute into $\\Delta = b^2 - 4ac$: {dwork[0]}.",
              rf"\Delta = ({L(b)})^2 - 4 \cdot ({L(a)}) \cdot ({L(c)}) = {dwork[1]}")
    else:
        s.add("Substitute into $\\Delta = b^2 - 4ac$.",
              rf"\Delta = ({L(b)})^2 - 4 \cdot ({L(a)}) \cdot ({L(c)}) = {L(b**2)} - ({L(4 * a * c)}) = {L(d)}")
    meaning = ("two different real solutions" if d > 0 else "one repeated real solution" if d == 0
               else "no real solutions")
    s.add(f"Since $\\Delta {'>' if d > 0 else '=' if d == 0 else '<'} 0$, the equation has {meaning}.")
    return s.done(d)


@solver("complete_square_form", required=("expression",), params=("variable",))
def complete_square_form(given: Mapping[str, Any], params: Mapping[str, Any]) -> SolverResult:
    """Rewrite x^2 + bx + c as (x + h)^2 + k with h = b/2 and k = c - h^2."""
    v = _var(params)
    e = sp.expand(reevaluate(given["expression"]))
    poly = sp.Poly(e, v)
    if poly.degree() != 2 or poly.LC() != 1:
        raise SolverError("complete_square_form needs a monic quadratic")
    b, c = poly.coeff_monomial(v), poly.coeff_monomial(1)
    h = b / 2
    k = c - h**2
    s = StepList()
    s.add("Write the quadratic.", L(e))
    s.add(f"Halve the $x$-coefficient: $h = \\frac{{{L(b)}}}{{2}} = {L(h)}$, and $h^2 = {L(h**2)}$.")
    s.add("Add and subtract $h^2$, then group the perfect square.",
          rf"{L(v**2 + b * v)} + {L(h**2)} - {L(h**2)} {_signed(c)} = \left({L(v + h)}\right)^2 {_signed(k) if k else ''}")
    return s.done(sp.Pow(v + h, 2) + k)
