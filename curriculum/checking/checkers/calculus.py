"""Calculus tests: Diff, Int, Antidiff, AddConst.

Antiderivatives are compared through their derivatives (so any constant of integration
and ``ln|x|`` vs ``ln(x)`` are equal, like STACK's Antidiff); Int additionally requires
one additive constant of integration (unless ``noconst``), with feedback when it is
missing or odd. A student who differentiated instead of integrating (or the reverse, in
Diff) is told so.
"""

from __future__ import annotations

import sympy as sp

from ...errors import CheckerOptionsError
from ..build import symbol
from ..equivalence import expr_equiv
from ..results import CheckResult, OptionSpec
from ..tree import free_symbols, kind_of
from ..vocabulary import INTEGRATION_CONSTANT_NAMES
from .common import VAR_OPTION, result, the_variable
from .registry import Context, register


def _exprs(ctx: Context) -> tuple[sp.Expr, sp.Expr] | CheckResult:
    if kind_of(ctx.teacher) != "expr":
        raise CheckerOptionsError(f"{ctx.test}: the teacher answer must be an expression")
    if kind_of(ctx.student) != "expr":
        return result(ctx, False, "WRONG_TYPE", "Your answer should be an expression.")
    return ctx.build(ctx.student), ctx.build(ctx.teacher)


@register(
    "Diff",
    family="calculus",
    doc="Algebraically equivalent derivative; says so when the student seems to have integrated instead; "
        "option var.",
    options=(VAR_OPTION,),
    notes=("TRUE", "FALSE", "INTEGRATED", "WRONG_TYPE"),
)
def diff(ctx: Context) -> CheckResult:
    var = the_variable(ctx)
    pair = _exprs(ctx)
    if isinstance(pair, CheckResult):
        return pair
    s, t = pair
    if expr_equiv(s, t):
        return result(ctx, True, "TRUE")
    if s.has(var) and expr_equiv(d(s, var, 2), t):
        return result(ctx, False, "INTEGRATED", "It looks like you integrated instead of differentiating.")
    return result(ctx, False, "FALSE")


def _constants(ctx: Context, s: sp.Expr, t: sp.Expr, var: sp.Symbol) -> tuple[set[sp.Symbol], set[sp.Symbol]]:
    """(student's integration constants, teacher's parameters that are not constants)."""
    t_names = free_symbols(ctx.teacher) - {var.name}
    t_consts = {n for n in t_names if n in INTEGRATION_CONSTANT_NAMES}
    params = {symbol(n, bool(ctx.options.get("positive"))) for n in t_names - t_consts}
    consts = {c for c in s.free_symbols if c != var and c not in params}
    return consts, params


def d(expr: sp.Expr, var: sp.Symbol, n: int = 1) -> sp.Expr:
    """Derivative for real variables, almost everywhere: ``DiracDelta`` terms (from |x|, sign) are dropped."""
    out = sp.diff(expr, var, n)
    if out.has(sp.DiracDelta):
        out = out.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    return out


def _antidiff_core(ctx: Context, var: sp.Symbol, s: sp.Expr, t: sp.Expr) -> CheckResult | None:
    """None when d/dvar s == d/dvar t; otherwise the negative result (with 'differentiated' feedback)."""
    ds, dt = d(s, var), d(t, var)
    if expr_equiv(ds, dt):
        return None
    if expr_equiv(s, d(t, var, 2)):
        return result(ctx, False, "DIFFERENTIATED", "It looks like you differentiated instead of integrating.")
    return result(ctx, False, "FALSE")


@register(
    "Antidiff",
    family="calculus",
    doc="Same derivative as the teacher's antiderivative with respect to var (any constant, or none, is fine); "
        "says so when the student differentiated instead.",
    options=(VAR_OPTION,),
    notes=("TRUE", "FALSE", "DIFFERENTIATED", "WRONG_TYPE"),
    extra_symbols="constant",
)
def antidiff(ctx: Context) -> CheckResult:
    var = the_variable(ctx)
    pair = _exprs(ctx)
    if isinstance(pair, CheckResult):
        return pair
    bad = _antidiff_core(ctx, var, *pair)
    return bad if bad is not None else result(ctx, True, "TRUE")


def _additive_constant_problem(s: sp.Expr, c: sp.Symbol, variables: set[sp.Symbol], strict: bool) -> str | None:
    ds = sp.simplify(sp.diff(s, c))
    if ds == 0:
        return "NO_CONST"
    if ds.free_symbols & variables:
        return "NOT_ADDITIVE"
    if strict and not (ds == 1 or sp.simplify(ds * c) == 1):
        return "NOT_STRICT"
    return None


@register(
    "Int",
    family="calculus",
    doc="Indefinite integral: same derivative as the teacher's answer w.r.t. var and exactly one additive "
        "constant of integration (c, C, k...); noconst: a missing constant is condoned.",
    options=(VAR_OPTION,
             OptionSpec("noconst", (bool,), False, "condone a missing constant of integration (STACK NOCONST)")),
    notes=("TRUE", "FALSE", "MISSING_CONST", "WEIRD_CONST", "TOO_MANY_CONSTS", "DIFFERENTIATED", "WRONG_TYPE"),
    extra_symbols="constant",
)
def integral(ctx: Context) -> CheckResult:
    var = the_variable(ctx)
    pair = _exprs(ctx)
    if isinstance(pair, CheckResult):
        return pair
    s, t = pair
    bad = _antidiff_core(ctx, var, s, t)
    if bad is not None:
        return bad
    consts, params = _constants(ctx, s, t, var)
    if len(consts) > 1:
        return result(ctx, False, "TOO_MANY_CONSTS", "Use just one constant of integration.")
    if not consts:
        if ctx.options["noconst"]:
            return result(ctx, True, "TRUE")
        return result(ctx, False, "MISSING_CONST", "Don't forget the constant of integration (+ c).")
    (c,) = consts
    problem = _additive_constant_problem(s, c, {var} | params, strict=False)
    ds = sp.simplify(sp.diff(s, c))
    if problem is None and not (ds.is_number and ds != 0 or sp.simplify(ds * c).is_number):
        problem = "WEIRD_CONST"
    if problem is not None:
        return result(ctx, False, "WEIRD_CONST", f"Your constant of integration {c} should simply be added: + {c}.")
    return result(ctx, True, "TRUE")


@register(
    "AddConst",
    family="calculus",
    doc="The answer contains exactly one additive constant besides the listed variables (vars, default the "
        "teacher's); strict: it must appear as + c (nonstrict: any function of c). The teacher answer is "
        "otherwise ignored.",
    options=(OptionSpec("vars", (list, tuple), None, "variables that are not the constant (default: the "
                        "teacher answer's)"),
             OptionSpec("nonstrict", (bool,), False, "accept any additive term in the constant, e.g. + c^3")),
    notes=("TRUE", "NO_CONST", "TOO_MANY_CONSTS", "NOT_ADDITIVE", "NOT_STRICT", "WRONG_TYPE"),
    extra_symbols="constant",
)
def add_const(ctx: Context) -> CheckResult:
    names = ctx.options["vars"]
    if names is None:
        names = sorted(free_symbols(ctx.teacher) - set(INTEGRATION_CONSTANT_NAMES))
    if not all(isinstance(n, str) for n in names):
        raise CheckerOptionsError("AddConst: vars must be a list of variable names")
    if kind_of(ctx.student) != "expr":
        return result(ctx, False, "WRONG_TYPE", "Your answer should be an expression.")
    pos = bool(ctx.options.get("positive"))
    variables = {symbol(n, pos) for n in names}
    s = ctx.build(ctx.student)
    consts = s.free_symbols - variables
    if not consts:
        return result(ctx, False, "NO_CONST", "Your answer needs a constant, e.g. + c.")
    if len(consts) > 1:
        return result(ctx, False, "TOO_MANY_CONSTS", "Use just one constant.")
    (c,) = consts
    problem = _additive_constant_problem(s, c, variables, strict=not ctx.options["nonstrict"])
    if problem == "NOT_ADDITIVE":
        return result(ctx, False, "NOT_ADDITIVE", f"The constant {c} should be added, not mixed with the variable.")
    if problem == "NOT_STRICT":
        return result(ctx, False, "NOT_STRICT", f"Write the constant simply as + {c}.")
    if problem == "NO_CONST":
        return result(ctx, False, "NO_CONST", "Your answer needs a constant, e.g. + c.")
    return result(ctx, True, "TRUE")
