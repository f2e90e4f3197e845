"""Equivalence tests: AlgEquiv, EqualComAss, CasEqual, SameType, SubstEquiv, SysEquiv, Sets."""

from __future__ import annotations

import itertools

import sympy as sp

from ..equivalence import answer_equiv, coerce_student, kind_word, set_equiv
from ..results import CheckResult
from ..tree import (
    BinOp,
    Call,
    Const,
    Factorial,
    Group,
    Logic,
    Neg,
    Node,
    Num,
    Rel,
    Seq,
    Sym,
    Union,
    free_symbols,
    kind_of,
    strip_parens,
)
from .common import rename, result
from .registry import Context, register


@register(
    "AlgEquiv",
    family="equivalence",
    doc="Algebraically equivalent: expressions, equations (up to a constant multiple), inequalities and solution "
        "sets (as real sets), intervals, lists (in order) and sets.",
    notes=("TRUE", "FALSE", "WRONG_TYPE", "LIST_LENGTH", "LIST_ENTRIES", "SET_MISSING", "SET_EXTRA", "SET_WRONG"),
)
def alg_equiv(ctx: Context) -> CheckResult:
    v = answer_equiv(ctx.student, ctx.teacher, ctx.build)
    return result(ctx, v.ok, v.code, v.feedback)


# --------------------------------------------------------------------------- EqualComAss
def comass_key(n: Node) -> object:
    """Canonical form up to commutativity and associativity of + and * (with a - b = a + (-b),
    a / b = a * b^-1). Nothing is evaluated: ``x + x`` differs from ``2x``."""
    n = strip_parens(n)
    if isinstance(n, Num):
        return ("num", n.text)
    if isinstance(n, Sym):
        return ("sym", n.name)
    if isinstance(n, Const):
        return ("const", n.name)
    if isinstance(n, Neg):
        return ("neg", comass_key(n.arg))
    if isinstance(n, BinOp):
        if n.op in "+-":
            return ("+", tuple(sorted(map(repr, _flat_sum(n)))))
        if n.op in "*/":
            return ("*", tuple(sorted(map(repr, _flat_prod(n)))))
        return ("^", comass_key(n.left), comass_key(n.right))
    if isinstance(n, Factorial):
        return ("!", comass_key(n.arg))
    if isinstance(n, Call):
        return ("call", n.func, tuple(comass_key(a) for a in n.args))
    if isinstance(n, Rel):
        if n.op in ("=", "!="):
            return ("rel", n.op, tuple(sorted((repr(comass_key(n.left)), repr(comass_key(n.right))))))
        flip = {">": "<", ">=": "<="}
        if n.op in flip:
            return ("rel", flip[n.op], comass_key(n.right), comass_key(n.left))
        return ("rel", n.op, comass_key(n.left), comass_key(n.right))
    if isinstance(n, Logic):
        return ("logic", n.op, tuple(sorted(repr(comass_key(a)) for a in n.args)))
    if isinstance(n, Group):
        if n.kind == "set":
            return ("set", tuple(sorted(set(repr(comass_key(a)) for a in n.items))))
        return ("group", n.open, n.close, tuple(comass_key(a) for a in n.items))
    if isinstance(n, Seq):
        return ("seq", tuple(comass_key(a) for a in n.items))
    if isinstance(n, Union):
        return ("union", tuple(sorted(repr(comass_key(a)) for a in n.args)))
    return ("?", repr(n))


def _flat_sum(n: Node) -> list[object]:
    n = strip_parens(n)
    if isinstance(n, BinOp) and n.op == "+":
        return _flat_sum(n.left) + _flat_sum(n.right)
    if isinstance(n, BinOp) and n.op == "-":
        return _flat_sum(n.left) + [("neg", comass_key(n.right))]
    return [comass_key(n)]


def _flat_prod(n: Node) -> list[object]:
    n = strip_parens(n)
    if isinstance(n, BinOp) and n.op == "*":
        return _flat_prod(n.left) + _flat_prod(n.right)
    if isinstance(n, BinOp) and n.op == "/":
        return _flat_prod(n.left) + [("inv", comass_key(n.right))]
    return [comass_key(n)]


@register(
    "EqualComAss",
    family="equivalence",
    doc="Equal up to commutativity and associativity of + and * only (no other simplification): "
        "x+2 = 2+x, but x+x != 2x and 2/4 != 1/2.",
    notes=("TRUE", "FALSE", "NOT_EQUIV"),
)
def equal_com_ass(ctx: Context) -> CheckResult:
    s = coerce_student(ctx.student, ctx.teacher)
    if comass_key(s) == comass_key(ctx.teacher):
        return result(ctx, True, "TRUE")
    equiv = answer_equiv(s, ctx.teacher, ctx.build).ok
    if equiv:
        return result(ctx, False, "FALSE", "Your answer is equivalent, but not written in the expected form.")
    return result(ctx, False, "NOT_EQUIV")


# ------------------------------------------------------------------------------ CasEqual
def _cas_key(n: Node, ctx: Context) -> object:
    n = strip_parens(n)
    if isinstance(n, Rel):
        return ("rel", n.op, ctx.build(n.left), ctx.build(n.right))
    if isinstance(n, (Logic, Group, Seq, Union)):
        tag = n.kind if isinstance(n, Group) else type(n).__name__
        return (tag, getattr(n, "op", ""), tuple(_cas_key(c, ctx) for c in n.children()))
    return ctx.build(n)


@register(
    "CasEqual",
    family="equivalence",
    doc="Identical after SymPy's automatic evaluation (x+x = 2x, but (x+1)^2 != x^2+2x+1).",
    notes=("TRUE", "FALSE"),
)
def cas_equal(ctx: Context) -> CheckResult:
    same = _cas_key(coerce_student(ctx.student, ctx.teacher), ctx) == _cas_key(ctx.teacher, ctx)
    return result(ctx, same, "TRUE" if same else "FALSE")


# ------------------------------------------------------------------------------ SameType
def type_signature(n: Node) -> object:
    """Recursive type: kind of node, and for containers their length and item types."""
    n = strip_parens(n)
    k = kind_of(n)
    if k in ("list", "tuple", "seq"):
        return (k, tuple(type_signature(c) for c in n.children()))
    if k == "set":
        return (k,)
    if k == "inequality":
        return (k,)
    return (k,)


@register(
    "SameType",
    family="equivalence",
    doc="Same type of object (expression, equation, inequality, set, list of the same length, interval...), "
        "checked recursively; values are not compared.",
    notes=("TRUE", "FALSE"),
)
def same_type(ctx: Context) -> CheckResult:
    s_sig, t_sig = type_signature(ctx.student), type_signature(ctx.teacher)
    if s_sig == t_sig:
        return result(ctx, True, "TRUE")
    if kind_of(ctx.student) == kind_of(ctx.teacher):
        return result(ctx, False, "FALSE", "Your answer has the wrong number of entries.")
    return result(ctx, False, "FALSE",
                  f"Your answer should be {kind_word(kind_of(ctx.teacher))}, not {kind_word(kind_of(ctx.student))}.")


# ----------------------------------------------------------------------------- SubstEquiv
@register(
    "SubstEquiv",
    family="equivalence",
    doc="Algebraically equivalent after renaming the student's variables (any names; at most 6 variables).",
    notes=("TRUE", "FALSE"),
    extra_symbols="any",
)
def subst_equiv(ctx: Context) -> CheckResult:
    s_names = sorted(free_symbols(ctx.student))
    t_names = sorted(free_symbols(ctx.teacher))
    if len(s_names) != len(t_names) or len(s_names) > 6:
        return result(ctx, False, "FALSE",
                      f"Your answer uses {len(s_names)} variable(s); the answer needs {len(t_names)}.")
    for perm in itertools.permutations(t_names):
        mapping = dict(zip(s_names, perm))
        if answer_equiv(rename(ctx.student, mapping), ctx.teacher, ctx.build).ok:
            renamed = {a: b for a, b in mapping.items() if a != b}
            fb = ("Correct, with " + ", ".join(f"{a} for {b}" for a, b in renamed.items()) + ".") if renamed else ""
            return result(ctx, True, "TRUE", fb)
    return result(ctx, False, "FALSE")


# ------------------------------------------------------------------------------- SysEquiv
def _equations(n: Node) -> list[Rel] | None:
    n = strip_parens(n)
    if isinstance(n, Rel):
        return [n] if n.op == "=" else None
    if isinstance(n, (Group, Seq)) or isinstance(n, Logic) and n.op == "and":
        out: list[Rel] = []
        for c in n.children():
            eqs = _equations(c)
            if eqs is None:
                return None
            out.extend(eqs)
        return out
    return None


@register(
    "SysEquiv",
    family="equivalence",
    doc="Two systems of polynomial equations (lists [eq1, eq2] or 'eq1 and eq2') have the same solutions "
        "(reduced Gröbner bases compared); does not check that the system is 'solved'.",
    notes=("TRUE", "FALSE", "WRONG_TYPE", "EXTRA_SOLUTIONS", "MISSING_SOLUTIONS", "NOT_POLYNOMIAL"),
)
def sys_equiv(ctx: Context) -> CheckResult:
    s_eqs, t_eqs = _equations(ctx.student), _equations(ctx.teacher)
    if t_eqs is None:
        from ...errors import CheckerOptionsError

        raise CheckerOptionsError("SysEquiv: the teacher answer must be a list of equations")
    if s_eqs is None:
        return result(ctx, False, "WRONG_TYPE", "Your answer should be a list of equations, e.g. [x = 1, y = 2].")
    b = ctx.build
    polys_s = [sp.together(b(e.left) - b(e.right)).as_numer_denom()[0] for e in s_eqs]
    polys_t = [sp.together(b(e.left) - b(e.right)).as_numer_denom()[0] for e in t_eqs]
    gens = sorted(set().union(*(p.free_symbols for p in polys_s + polys_t)), key=lambda s: s.name)
    if not gens or not all(p.is_polynomial(*gens) for p in polys_s + polys_t):
        return result(ctx, False, "NOT_POLYNOMIAL", "This test only handles systems of polynomial equations.")
    gs = sp.groebner(polys_s, *gens, order="grevlex")
    gt = sp.groebner(polys_t, *gens, order="grevlex")
    if list(gs.exprs) == list(gt.exprs):
        return result(ctx, True, "TRUE")
    s_in_t = all(gt.reduce(p)[1] == 0 for p in polys_s)  # ideal(S) ⊆ ideal(T): S has at least T's solutions
    t_in_s = all(gs.reduce(p)[1] == 0 for p in polys_t)
    if s_in_t and not t_in_s:
        return result(ctx, False, "EXTRA_SOLUTIONS", "Your system has solutions that the original does not.")
    if t_in_s and not s_in_t:
        return result(ctx, False, "MISSING_SOLUTIONS", "Your system has lost some solutions of the original.")
    return result(ctx, False, "FALSE")


# ------------------------------------------------------------------------------------ Sets
def _set_items(n: Node) -> tuple[Node, ...] | None:
    """Elements of a set-like answer: ``{a, b}``, ``a, b``, ``x = a or x = b``, a single value."""
    n = strip_parens(n)
    if isinstance(n, Group) and n.kind == "set" or isinstance(n, Seq):
        return n.children()
    if isinstance(n, Logic) and n.op == "or":
        out: list[Node] = []
        for a in n.args:
            items = _set_items(a)
            if items is None:
                return None
            out.extend(items)
        return tuple(out)
    if isinstance(n, Rel):
        if n.op == "=" and isinstance(strip_parens(n.left), Sym):
            return (n.right,)
        return None
    if isinstance(n, (Group, Union)):
        return None
    return (n,)


@register(
    "Sets",
    family="equivalence",
    doc="Sets of values, order and repeats ignored; accepts {2, -3}, '2, -3' and 'x = 2 or x = -3'; "
        "feedback says how many elements are missing or extra.",
    notes=("TRUE", "MISSING", "EXTRA", "WRONG", "WRONG_TYPE"),
)
def sets(ctx: Context) -> CheckResult:
    t_items = _set_items(ctx.teacher)
    if t_items is None:
        from ...errors import CheckerOptionsError

        raise CheckerOptionsError("Sets: the teacher answer must be a set, e.g. {2, -3}")
    s_items = _set_items(ctx.student)
    if s_items is None:
        return result(ctx, False, "WRONG_TYPE", "Your answer should be a set of values, e.g. {2, -3}.")
    v = set_equiv(s_items, t_items, ctx.build)
    return result(ctx, v.ok, v.code.replace("SET_", ""), v.feedback)

