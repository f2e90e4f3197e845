"""Form tests: FacForm, Expanded, LowestTerms, SingleFrac, PartFrac, CompSquare.

Form is judged on the tree the student typed (nothing simplified away), with SymPy's
polynomial tools answering "is this factor irreducible over Q?". Each test also checks
algebraic equivalence with the teacher's answer first (STACK's Expanded and LowestTerms
ignore the teacher answer; pass ``form_only: true`` for that behaviour).
"""

from __future__ import annotations

from math import gcd

import sympy as sp

from ..equivalence import expr_equiv
from ..render import to_text as render_text
from ..results import CheckResult, OptionSpec
from ..tree import BinOp, Call, Neg, Node, Num, Sym, kind_of, strip_parens, walk
from .common import VAR_OPTION, product_factors, result, sum_terms, the_variable
from .registry import Context, register

FORM_ONLY = OptionSpec("form_only", (bool,), False, "only check the form, not equivalence (STACK behaviour)")


def _equiv(ctx: Context) -> bool | CheckResult:
    if kind_of(ctx.student) != "expr" or kind_of(ctx.teacher) != "expr":
        return result(ctx, False, "WRONG_TYPE", "Your answer should be an expression.")
    return expr_equiv(ctx.build(ctx.student), ctx.build(ctx.teacher))


def _has_var(node: Node, var: sp.Symbol) -> bool:
    return any(isinstance(n, Sym) and n.name == var.name for n in walk(node))


# -------------------------------------------------------------------------------- FacForm
def _power_parts(node: Node) -> tuple[Node, int] | None:
    """``(base, k)`` for ``base^k`` with a positive integer literal k, else ``(node, 1)``; None if k is bad."""
    n = strip_parens(node)
    if isinstance(n, BinOp) and n.op == "^":
        e = strip_parens(n.right)
        if isinstance(e, Num) and e.text.isdigit() and int(e.text) >= 1:
            return strip_parens(n.left), int(e.text)
        return None
    return n, 1


def factored_problem(ctx: Context, node: Node, var: sp.Symbol) -> str | None:
    """Why ``node`` is not factored over Q (a feedback sentence), or ``None`` if it is."""
    for factor, sign in product_factors(node):
        if not _has_var(factor, var):
            continue
        if sign == 0:
            return "A factored polynomial has no variable in a denominator."
        parts = _power_parts(factor)
        if parts is None:
            return "Powers in a factored form must be whole numbers."
        base_node, _k = parts
        base = ctx.build(base_node)
        if not base.is_polynomial(var):
            return "Each factor should be a polynomial."
        _coeff, factors = sp.factor_list(base, var)
        nonconst = [(f, m) for f, m in factors if f.has(var)]
        if len(nonconst) != 1 or nonconst[0][1] != 1:
            from ..render import to_text

            return f"The factor {to_text(base_node)} can be factored further."
        poly = sp.Poly(base, var)
        if poly.domain.is_ZZ and abs(poly.content()) != 1 and poly.degree() >= 1:
            from ..render import to_text

            return f"You can take a common factor out of {to_text(base_node)}."
    return None


@register(
    "FacForm",
    family="form",
    doc="Equivalent to the teacher's answer and written as a product of powers of factors that are irreducible "
        "over the rationals (no common factor left inside a bracket); option var.",
    options=(VAR_OPTION,),
    notes=("TRUE", "NOT_FACTORED", "NOT_EQUIV", "NOT_POLYNOMIAL", "WRONG_TYPE"),
)
def fac_form(ctx: Context) -> CheckResult:
    var = the_variable(ctx)
    eq = _equiv(ctx)
    if isinstance(eq, CheckResult):
        return eq
    s = ctx.build(ctx.student)
    if not s.is_polynomial(var):
        return result(ctx, False, "NOT_POLYNOMIAL", "Your answer should be a polynomial written in factored form.")
    if not eq:
        return result(ctx, False, "NOT_EQUIV", "Your answer is not equal to the expression you were asked to "
                                                "factor.")
    problem = factored_problem(ctx, ctx.student, var)
    if problem:
        return result(ctx, False, "NOT_FACTORED", problem)
    return result(ctx, True, "TRUE")


# ------------------------------------------------------------------------------- Expanded
@register(
    "Expanded",
    family="form",
    doc="Equal to expand() of itself (no brackets left to multiply out), and equivalent to the teacher's answer "
        "unless form_only.",
    options=(FORM_ONLY,),
    notes=("TRUE", "NOT_EXPANDED", "NOT_EQUIV", "WRONG_TYPE"),
)
def expanded(ctx: Context) -> CheckResult:
    if not ctx.options["form_only"]:
        eq = _equiv(ctx)
        if isinstance(eq, CheckResult):
            return eq
        if not eq:
            return result(ctx, False, "NOT_EQUIV", "Your answer is not equal to the expected expression.")
    s = ctx.build(ctx.student)
    if sp.expand(s) != s:
        return result(ctx, False, "NOT_EXPANDED", "Multiply out all the brackets.")
    if any(isinstance(strip_parens(t), BinOp) and strip_parens(t).op == "^" and
           isinstance(strip_parens(strip_parens(t).left), BinOp) for t in walk(ctx.student)):
        return result(ctx, False, "NOT_EXPANDED", "Multiply out all the brackets.")
    return result(ctx, True, "TRUE")


# ---------------------------------------------------------------------------- LowestTerms
def lowest_terms_problem(node: Node) -> str | None:
    for n in walk(node):
        if isinstance(n, BinOp) and n.op == "/":
            num, den = strip_parens(n.left), strip_parens(n.right)
            if isinstance(num, Neg):
                num = strip_parens(num.arg)
            if isinstance(den, Neg):
                return "Write the minus sign in the numerator, not the denominator."
            a, b = _integer_coefficient(num), _integer_coefficient(den)
            if a is not None and b is not None and (b == 1 and isinstance(den, Num) or gcd(a, b) > 1):
                return f"The fraction {render_text(n)} can be simplified."
            if any(isinstance(m, Call) and m.func in ("sqrt", "cbrt", "root") for m in walk(den)) or any(
                isinstance(m, BinOp) and m.op == "^" and isinstance(strip_parens(m.right), BinOp)
                and strip_parens(m.right).op == "/" for m in walk(den)
            ):
                return "Rationalise the denominator: it should not contain a root."
    return None


def _integer_coefficient(node: Node) -> int | None:
    """Product of the integer literals multiplied at the top of ``node`` (``6x`` -> 6), or None."""
    coeff = None
    for f, sign in product_factors(node):
        f = strip_parens(f)
        if sign != 0 and isinstance(f, Num) and not f.is_decimal:
            coeff = (coeff or 1) * int(f.text)
    return coeff


@register(
    "LowestTerms",
    family="form",
    doc="Every fraction of integers typed is in lowest terms and no denominator contains a root; also "
        "equivalent to the teacher's answer unless form_only.",
    options=(FORM_ONLY,),
    notes=("TRUE", "NOT_LOWEST", "NOT_EQUIV", "WRONG_TYPE"),
)
def lowest_terms(ctx: Context) -> CheckResult:
    if not ctx.options["form_only"]:
        eq = _equiv(ctx)
        if isinstance(eq, CheckResult):
            return eq
        if not eq:
            return result(ctx, False, "NOT_EQUIV", "Your answer is not equal to the expected value.")
    problem = lowest_terms_problem(ctx.student)
    if problem:
        return result(ctx, False, "NOT_LOWEST", problem)
    return result(ctx, True, "TRUE")


# ----------------------------------------------------------------------------- SingleFrac
def _has_division(node: Node) -> bool:
    for n in walk(node):
        if isinstance(n, BinOp) and n.op == "/":
            return True
        if isinstance(n, BinOp) and n.op == "^":
            e = strip_parens(n.right)
            if isinstance(e, Neg):
                return True
    return False


def is_single_fraction(node: Node) -> bool:
    n = strip_parens(node)
    while isinstance(n, Neg):
        n = strip_parens(n.arg)
    if isinstance(n, BinOp) and n.op == "/":
        return not _has_division(n.left) and not _has_division(n.right)
    return not _has_division(n)


@register(
    "SingleFrac",
    family="form",
    doc="Equivalent to the teacher's answer and written as one fraction p/q with no fractions inside p or q.",
    notes=("TRUE", "NOT_SINGLE", "NOT_EQUIV", "WRONG_TYPE"),
)
def single_frac(ctx: Context) -> CheckResult:
    eq = _equiv(ctx)
    if isinstance(eq, CheckResult):
        return eq
    if not eq:
        return result(ctx, False, "NOT_EQUIV", "Your answer is not equal to the expected expression.")
    if not is_single_fraction(ctx.student):
        return result(ctx, False, "NOT_SINGLE", "Write your answer as a single fraction.")
    return result(ctx, True, "TRUE")


# ------------------------------------------------------------------------------- PartFrac
def partfrac_problem(ctx: Context, node: Node, var: sp.Symbol) -> str | None:
    seen: set[tuple[str, int]] = set()
    for term in sum_terms(node):
        num_nodes, den_nodes = [], []
        for f, sign in product_factors(term):
            (den_nodes if sign == 0 else num_nodes).append(f)
        den_nodes += [strip_parens(_power_inverse(f)) for f in num_nodes if _power_inverse(f) is not None]
        num_nodes = [f for f in num_nodes if _power_inverse(f) is None]
        den = sp.Mul(*[ctx.build(d) for d in den_nodes]) if den_nodes else sp.Integer(1)
        num = sp.Mul(*[ctx.build(n) for n in num_nodes]) if num_nodes else sp.Integer(1)
        if not den.has(var):
            if not (num / den).is_polynomial(var):
                return "Each term should be a polynomial or a fraction with a power of one factor below."
            continue
        if not num.is_polynomial(var) or not den.is_polynomial(var):
            return "Each term should be a polynomial or a fraction with a power of one factor below."
        _c, factors = sp.factor_list(den, var)
        nonconst = [(f, m) for f, m in factors if f.has(var)]
        if len(nonconst) != 1:
            return "Each fraction should have a single (repeated) factor in its denominator."
        base, mult = nonconst[0]
        if sp.degree(num, var) >= sp.degree(base, var):
            return "Each numerator should have a lower degree than the factor in its denominator."
        key = (str(sp.Poly(base, var).monic().as_expr()), mult)
        if key in seen:
            return "Two of your fractions have the same denominator: combine them."
        seen.add(key)
    return None


def _power_inverse(node: Node) -> Node | None:
    n = strip_parens(node)
    if isinstance(n, BinOp) and n.op == "^" and isinstance(strip_parens(n.right), Neg):
        return BinOp("^", n.left, strip_parens(n.right).arg)  # type: ignore[attr-defined]
    return None


@register(
    "PartFrac",
    family="form",
    doc="Equivalent to the teacher's answer and in partial-fraction form: a polynomial plus terms "
        "p/q^k with q irreducible, deg p < deg q and no two terms over the same q^k; option var.",
    options=(VAR_OPTION,),
    notes=("TRUE", "NOT_PARTFRAC", "NOT_EQUIV", "WRONG_TYPE"),
)
def part_frac(ctx: Context) -> CheckResult:
    var = the_variable(ctx)
    eq = _equiv(ctx)
    if isinstance(eq, CheckResult):
        return eq
    if not eq:
        return result(ctx, False, "NOT_EQUIV", "Your answer is not equal to the expected expression.")
    problem = partfrac_problem(ctx, ctx.student, var)
    if problem:
        return result(ctx, False, "NOT_PARTFRAC", problem)
    return result(ctx, True, "TRUE")


# ----------------------------------------------------------------------------- CompSquare
@register(
    "CompSquare",
    family="form",
    doc="Equivalent to the teacher's answer and in completed-square form a(x - h)^2 + k: the variable occurs "
        "only inside one squared linear bracket; option var.",
    options=(VAR_OPTION,),
    notes=("TRUE", "NOT_COMPSQUARE", "NOT_EQUIV", "WRONG_TYPE"),
)
def comp_square(ctx: Context) -> CheckResult:
    var = the_variable(ctx)
    eq = _equiv(ctx)
    if isinstance(eq, CheckResult):
        return eq
    if not eq:
        return result(ctx, False, "NOT_EQUIV", "Your answer is not equal to the expected expression.")
    with_var = [t for t in sum_terms(ctx.student) if _has_var(t, var)]
    ok = False
    if len(with_var) == 1:
        factors = [(f, s) for f, s in product_factors(with_var[0]) if _has_var(f, var)]
        if len(factors) == 1 and factors[0][1] != 0:
            f = strip_parens(factors[0][0])
            if isinstance(f, BinOp) and f.op == "^" and isinstance(strip_parens(f.right), Num) \
                    and strip_parens(f.right).text == "2":  # type: ignore[attr-defined]
                base = ctx.build(f.left)
                ok = base.is_polynomial(var) and sp.degree(base, var) == 1
    if not ok:
        return result(ctx, False, "NOT_COMPSQUARE", "Write your answer as a(x - h)^2 + k.")
    return result(ctx, True, "TRUE")

