"""Algebraic equivalence of answers: expressions, equations, inequalities, solution sets,
intervals, lists and sets.

Order of work (cheapest first, as WeBWorK and the field survey suggest):
1. structural equality after SymPy's automatic evaluation;
2. random-point numeric comparison (``numeric.numerically_equal``): a clear difference
   is final;
3. exact confirmation where it is cheap and decidable: ``cancel(a - b) == 0`` for
   rational functions, ``(a - b).equals(0)`` for constants;
4. ``simplify(a - b) == 0`` only when numeric evaluation was inconclusive (domain holes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .build import Builder, BuildFailure
from .numeric import (
    close,
    evaluate,
    numerically_equal,
    precise_ratio_is_constant,
    precisely_equal,
    sample_points,
)
from .tree import Group, Logic, Node, Rel, Seq, Union, free_symbols, kind_of, strip_parens

SOLUTION_KINDS = frozenset({"equation", "inequality", "logic", "interval", "union"})

_KIND_WORDS = {
    "expr": "an expression", "equation": "an equation", "inequality": "an inequality",
    "logic": "a list of solutions joined by 'or'", "set": "a set in braces {...}", "list": "a list [...]",
    "tuple": "a tuple (...)", "interval": "an interval", "seq": "a list of values", "union": "a union of intervals",
}


def kind_word(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def expr_equiv(a: sp.Expr, b: sp.Expr) -> bool:
    """Algebraic equivalence of two SymPy expressions (over the reals at random points)."""
    if a == b:
        return True
    num = numerically_equal(a, b)
    if num is False:
        return False
    if num is True:
        free = a.free_symbols | b.free_symbols
        if not free:
            if a.is_Rational and b.is_Rational:
                return False  # unequal exact rationals (a == b failed)
            exact = (a - b).equals(0)
            return exact is not False
        if _is_rational_function(a) and _is_rational_function(b):
            return rational_difference_is_zero(a, b)
        return _confirm_equal(a, b)
    diff = sp.simplify(a - b)
    return bool(diff == 0)


def _confirm_equal(a: sp.Expr, b: sp.Expr) -> bool:
    """Second look at a 30-digit random-point match of non-rational expressions: a difference that SymPy
    reduces to a nonzero constant (``sin(x) + 10^-20`` vs ``sin(x)``) is not equal, nor is one visible
    at 80 digits (``0.3333333333333*sin(x)`` vs ``sin(x)/3``)."""
    d = a - b
    if d == 0:
        return True
    if not d.free_symbols and d.is_Rational:
        return False
    return precisely_equal(a, b)


def rational_difference_is_zero(a: sp.Expr, b: sp.Expr) -> bool:
    """Exact test of ``a == b`` for rational functions with rational coefficients, in the field
    Q(x, y, ...) (sparse polynomial arithmetic; ~5x faster than ``cancel(together(a - b))``)."""
    gens = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    try:
        field = sp.QQ.frac_field(*gens)
        return bool(field.from_sympy(a) - field.from_sympy(b) == field.zero)
    except (sp.polys.polyerrors.CoercionFailed, sp.polys.polyerrors.GeneratorsError, ValueError):
        return sp.cancel(sp.together(a - b)) == 0


def _is_rational_function(e: sp.Expr) -> bool:
    try:
        return bool(e.is_rational_function()) and not e.has(sp.pi, sp.E, sp.I)
    except (TypeError, ValueError):
        return False


def constant_ratio(e1: sp.Expr, e2: sp.Expr, *, positive: bool = False) -> bool:
    """Whether ``e1 = k * e2`` for a constant ``k != 0`` (``k > 0`` if ``positive``)."""
    if e2 == 0 or e1 == 0:
        return expr_equiv(e1, e2)
    syms = sorted(e1.free_symbols | e2.free_symbols, key=lambda s: s.name)
    if not syms:
        v1, v2 = evaluate(e1, {}), evaluate(e2, {})
        if v1 is None or v2 is None or v2 == 0 or v1 == 0:
            return False
        r = v1 / v2
        return abs(r.imag) < 1e-12 and (not positive or r.real > 0)
    ratio = None
    defined = 0
    for env in sample_points(syms, n=16):
        v1, v2 = evaluate(e1, env), evaluate(e2, env)
        if v1 is None or v2 is None:
            continue
        if abs(v2) < 1e-15:
            if abs(v1) < 1e-15:
                continue
            return False
        r = v1 / v2
        if ratio is None:
            if abs(r) < 1e-15:
                return False
            ratio = r
        elif not close(r, ratio, rel_tol=1e-9):
            return False
        defined += 1
        if defined >= 8:
            break
    if ratio is None or defined < 3:
        q = sp.simplify(e1 / e2)
        return bool(q.free_symbols == set() and q != 0 and (not positive or q.is_positive))
    if positive and not (ratio.real > 0 and abs(ratio.imag) < 1e-12):
        return False
    if _is_rational_function(e1) and _is_rational_function(e2):
        r = ratio.real
        k = sp.nsimplify(sp.Float(str(r), 30), rational=True, tolerance=1e-20)
        return rational_difference_is_zero(e1, k * e2) or sp.cancel(sp.together(e1 / e2)).free_symbols == set()
    return precise_ratio_is_constant(e1, e2)


# ------------------------------------------------------------------------------- relations
_STRICT = {"<": True, ">": True, "<=": False, ">=": False}


def _normal_inequality(rel: Rel, b: Builder) -> tuple[sp.Expr, bool]:
    """``a < b`` -> (b - a, strict): the inequality says ``expr > 0`` (or ``>= 0``)."""
    left, right = b(rel.left), b(rel.right)
    e = right - left if rel.op in ("<", "<=") else left - right
    return e, _STRICT[rel.op]


def relation_equiv(s: Rel, t: Rel, b: Builder) -> bool:
    """Equations: equivalent when ``ls - rs = k (lt - rt)``; inequalities: same strictness and
    positive ``k``. (Univariate relations are compared as solution sets first by the caller.)"""
    if (s.op in ("=", "!=")) != (t.op in ("=", "!=")):
        return False
    if s.op in ("=", "!="):
        if s.op != t.op:
            return False
        return constant_ratio(b(s.left) - b(s.right), b(t.left) - b(t.right))
    es, strict_s = _normal_inequality(s, b)
    et, strict_t = _normal_inequality(t, b)
    return strict_s == strict_t and constant_ratio(es, et, positive=True)


# ---------------------------------------------------------------------------- solution sets
class NotASet(Exception):
    """The node cannot be read as a set of real numbers in one variable."""


def real_set(node: Node, var: sp.Symbol | None, b: Builder) -> sp.Set:
    """Read an answer as a subset of the reals: relations in ``var``, or/and, intervals, unions,
    sets and comma lists of values (``x=2 or x=-3`` == ``{2, -3}``; ``x > 2`` == ``(2, oo)``)."""
    node = strip_parens(node)
    if isinstance(node, Rel):
        left, right = b(node.left), b(node.right)
        if var is None:
            raise NotASet
        extra = (left.free_symbols | right.free_symbols) - {var}
        if extra:
            raise NotASet
        return _relation_set(node.op, left - right, var)
    if isinstance(node, Logic):
        parts = [real_set(a, var, b) for a in node.args]
        return sp.Union(*parts) if node.op == "or" else sp.Intersection(*parts)
    if isinstance(node, Union):
        return sp.Union(*[real_set(a, var, b) for a in node.args])
    if isinstance(node, Group) and (node.kind == "interval" or node.could_be_interval and node.open != "{"):
        lo, hi = (b(x) for x in node.items)
        if lo.free_symbols or hi.free_symbols:
            raise NotASet
        return sp.Interval(lo, hi, left_open=node.open == "(", right_open=node.close == ")")
    if isinstance(node, (Group, Seq)):
        items = node.items
        if isinstance(node, Group) and node.kind != "set":
            raise NotASet
        values = []
        for it in items:
            it = strip_parens(it)
            if isinstance(it, Rel) and it.op == "=" or isinstance(it, Logic):
                values.append(real_set(it, var, b))
                continue
            v = b(it)
            if v.free_symbols:
                raise NotASet
            values.append(sp.FiniteSet(v))
        return sp.Union(*values) if values else sp.S.EmptySet
    v = b(node)
    if v.free_symbols:
        raise NotASet
    return sp.FiniteSet(v)


@lru_cache(maxsize=1024)
def _relation_set(op: str, e: sp.Expr, var: sp.Symbol) -> sp.Set:
    """Real solution set of ``e op 0``. Polynomials with rational coefficients are solved from their
    real roots and sign pattern (fast); anything else goes to ``solveset``."""
    fast = _polynomial_relation_set(op, e, var)
    if fast is not None:
        return fast
    rel = {"=": sp.Eq, "!=": sp.Ne, "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}[op](e, 0)
    if rel is sp.true:
        return sp.S.Reals
    if rel is sp.false:
        return sp.S.EmptySet
    result = sp.solveset(rel, var, sp.S.Reals)
    if isinstance(result, sp.ConditionSet):
        raise NotASet
    return result


def _polynomial_relation_set(op: str, e: sp.Expr, var: sp.Symbol) -> sp.Set | None:
    num, den = sp.together(e).as_numer_denom()
    if not (num.is_polynomial(var) and den.is_polynomial(var)):
        return None
    try:
        pn, pd = sp.Poly(num, var), sp.Poly(den, var)
    except sp.PolynomialError:
        return None
    if not (pn.domain.is_QQ or pn.domain.is_ZZ) or not (pd.domain.is_QQ or pd.domain.is_ZZ):
        return None
    if pn.degree() > 12 or pd.degree() > 12:
        return None
    zeros = sorted(set(pn.real_roots()), key=lambda r: float(r))
    poles = sorted(set(pd.real_roots()), key=lambda r: float(r)) if pd.degree() > 0 else []
    points = sorted(set(zeros) | set(poles), key=lambda r: float(r))
    if pn.is_zero:
        zeros, points = [], sorted(set(poles), key=lambda r: float(r))

    def holds(value: sp.Expr) -> bool:
        v = float(sp.sign(pn.eval(value)) * sp.sign(pd.eval(value)))
        return {"=": v == 0, "!=": v != 0, "<": v < 0, "<=": v <= 0, ">": v > 0, ">=": v >= 0}[op]

    pieces: list[sp.Set] = []
    bounds = [sp.S.NegativeInfinity, *points, sp.S.Infinity]
    for lo, hi in zip(bounds, bounds[1:]):
        if lo is sp.S.NegativeInfinity and hi is sp.S.Infinity:
            mid = sp.Integer(0)
        elif lo is sp.S.NegativeInfinity:
            mid = sp.floor(hi) - 1
        elif hi is sp.S.Infinity:
            mid = sp.ceiling(lo) + 1
        else:
            mid = (lo + hi) / 2
        if holds(mid):
            pieces.append(sp.Interval(lo, hi, left_open=True, right_open=True))
    for p in points:
        if p in poles:
            continue
        if holds(p):
            pieces.append(sp.FiniteSet(p))
    return sp.Union(*pieces) if pieces else sp.S.EmptySet


def sets_equal(a: sp.Set, b: sp.Set) -> bool:
    if a == b:
        return True
    d = sp.Union(sp.Complement(a, b), sp.Complement(b, a))
    if d == sp.S.EmptySet:
        return True
    if isinstance(d, sp.FiniteSet) and all(expr_equiv(x, y) for x, y in _pairs(a, b)):
        return True
    return False


def _pairs(a: sp.Set, b: sp.Set) -> list[tuple[sp.Expr, sp.Expr]]:
    if not (isinstance(a, sp.FiniteSet) and isinstance(b, sp.FiniteSet)) or len(a) != len(b):
        return [(sp.Integer(0), sp.Integer(1))]
    remaining = list(b.args)
    pairs = []
    for x in a.args:
        for y in remaining:
            if expr_equiv(x, y):
                pairs.append((x, y))
                remaining.remove(y)
                break
        else:
            return [(sp.Integer(0), sp.Integer(1))]
    return pairs


def single_variable(*nodes: Node, positive: bool = False) -> sp.Symbol | None | str:
    """The one variable used by the nodes, ``None`` if none, ``"many"`` if several."""
    names: set[str] = set()
    for n in nodes:
        names |= free_symbols(n)
    if not names:
        return None
    if len(names) > 1:
        return "many"
    from .build import symbol

    return symbol(next(iter(names)), positive)


# ------------------------------------------------------------------------------- whole answers
@dataclass(frozen=True)
class Verdict:
    """Outcome of comparing two answers: ``ok`` plus a note suffix and optional feedback."""

    ok: bool
    code: str  # "TRUE", "FALSE", "WRONG_TYPE", "LIST_LENGTH", "LIST_ENTRIES", "SET_MISSING", "SET_EXTRA"...
    feedback: str = ""


def coerce_student(s: Node, t: Node) -> Node:
    """Adapt the student's container to the teacher's: ``2, -3`` -> ``{2, -3}`` when a set is expected,
    ``[1, 2]`` -> the interval ``[1, 2]`` when an interval is expected, and so on."""
    s, t = strip_parens(s), strip_parens(t)
    tk, sk = kind_of(t), kind_of(s)
    if isinstance(s, Seq) and tk in ("set", "list", "tuple"):
        opener, closer = {"set": ("{", "}"), "list": ("[", "]"), "tuple": ("(", ")")}[tk]
        return Group(opener, closer, s.items)
    if tk == "interval" and isinstance(s, Group) and s.could_be_interval:
        return s
    if tk == "logic" and isinstance(s, Seq) and all(isinstance(strip_parens(i), Rel) for i in s.items):
        return Logic("or", s.items)
    if sk == "tuple" and tk == "list" or sk == "list" and tk == "tuple":
        assert isinstance(s, Group)
        return Group(t.open, t.close, s.items)  # type: ignore[attr-defined]
    return s


def answer_equiv(s: Node, t: Node, b: Builder) -> Verdict:
    """Compare a student answer with the teacher's (AlgEquiv semantics)."""
    s, t = strip_parens(coerce_student(s, t)), strip_parens(t)
    tk, sk = kind_of(t), kind_of(s)
    if tk in SOLUTION_KINDS or (tk == "set" and sk in SOLUTION_KINDS):
        var = single_variable(s, t, positive=b.positive)
        as_interval = isinstance(s, Group) and s.could_be_interval and s.open != "{"
        if var != "many" and (sk in SOLUTION_KINDS or sk in ("set", "seq") or as_interval):
            try:
                ss, ts = real_set(s, var, b), real_set(t, var, b)  # type: ignore[arg-type]
            except NotASet:
                pass
            else:
                if b.positive and var is not None:
                    ss, ts = (sp.Intersection(x, sp.Interval.open(0, sp.oo)) for x in (ss, ts))
                return Verdict(True, "TRUE") if sets_equal(ss, ts) else Verdict(False, "FALSE")
    if tk in ("interval", "union") and isinstance(s, Group) and s.could_be_interval:
        sk = "interval"
    if tk != sk:
        return Verdict(False, "WRONG_TYPE", f"Your answer should be {kind_word(tk)}, but it is {kind_word(sk)}.")
    if tk == "expr":
        return Verdict(True, "TRUE") if expr_equiv(b(s), b(t)) else Verdict(False, "FALSE")
    if tk in ("equation", "inequality"):
        assert isinstance(s, Rel) and isinstance(t, Rel)
        return Verdict(True, "TRUE") if relation_equiv(s, t, b) else Verdict(False, "FALSE")
    if tk in ("list", "tuple", "seq"):
        s_items, t_items = s.children(), t.children()
        if len(s_items) != len(t_items):
            return Verdict(False, "LIST_LENGTH", f"Your answer should have {len(t_items)} entries, not {len(s_items)}.")
        wrong = [k + 1 for k, (x, y) in enumerate(zip(s_items, t_items)) if not answer_equiv(x, y, b).ok]
        if wrong:
            return Verdict(False, "LIST_ENTRIES", "Entries " + ", ".join(map(str, wrong)) + " are not correct."
                           if len(wrong) > 1 else f"Entry {wrong[0]} is not correct.")
        return Verdict(True, "TRUE")
    if tk == "set":
        return set_equiv(s.children(), t.children(), b)
    if tk == "logic":
        assert isinstance(s, Logic) and isinstance(t, Logic)
        if s.op != t.op:
            return Verdict(False, "FALSE")
        return set_equiv(s.args, t.args, b)
    if tk in ("interval", "union"):
        try:
            same = sets_equal(real_set(s, None, b), real_set(t, None, b))
        except NotASet:
            same = False
        return Verdict(same, "TRUE" if same else "FALSE")
    return Verdict(False, "FALSE")


def set_equiv(s_items: Sequence[Node], t_items: Sequence[Node], b: Builder) -> Verdict:
    """Unordered comparison with duplicates ignored: reports missing and extra elements."""
    remaining = list(t_items)
    extra = 0
    matched_t: list[Node] = []
    for x in s_items:
        hit = next((y for y in remaining if answer_equiv(x, y, b).ok), None)
        if hit is None:
            if any(answer_equiv(x, y, b).ok for y in matched_t):
                continue  # duplicate of an element already matched
            extra += 1
        else:
            remaining.remove(hit)
            matched_t.append(hit)
    missing = len(remaining)
    if not missing and not extra:
        return Verdict(True, "TRUE")
    if missing and not extra:
        return Verdict(False, "SET_MISSING", f"Your answer is missing {missing} element(s).")
    if extra and not missing:
        return Verdict(False, "SET_EXTRA", f"Your answer has {extra} element(s) that should not be there.")
    return Verdict(False, "SET_WRONG", f"{extra} of your elements are wrong and {missing} are missing.")


__all__ = [
    "BuildFailure", "NotASet", "Verdict", "answer_equiv", "coerce_student", "constant_ratio", "expr_equiv",
    "kind_word", "real_set", "relation_equiv", "set_equiv", "sets_equal", "single_variable",
]
