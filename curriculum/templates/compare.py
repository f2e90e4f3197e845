"""Cheap mathematical comparison of template values (trusted SymPy objects, not student input).

Used to drop a listed wrong answer that happens to equal the right one for some seed, and by validation
to compare a worked solution's result with the template's answer. Equations ``x = 2``, solution lists
``x = 2 or x = -3`` and sets ``{2, -3}`` compare as the same solution set; inequalities compare as sets.
"""

from __future__ import annotations

import random
from typing import Any

import sympy as sp

from curriculum.templates.expr import reevaluate

#: checkers for which two equal values in different forms are NOT interchangeable.
FORM_CHECKERS = frozenset({"FacForm", "Expanded", "LowestTerms", "SingleFrac", "PartFrac", "CompSquare",
                           "CasEqual", "EqualComAss", "NumSigFigs", "NumDecPlaces", "SameType"})


def canonical(value: Any, *, evaluated: bool = False) -> Any:
    """Normal form: solution statements become sets, systems become dicts, inequalities intervals.

    ``evaluated=True`` skips rebuilding an ``evaluate=False`` tree (the value is already evaluated)."""
    if not evaluated:
        value = reevaluate(value)
    if isinstance(value, tuple):
        return tuple(canonical(v) for v in value)
    if isinstance(value, sp.Or) and all(isinstance(a, sp.Eq) and a.lhs.is_Symbol for a in value.args):
        return sp.FiniteSet(*(a.rhs for a in value.args))
    if isinstance(value, sp.And) and all(isinstance(a, sp.Eq) and a.lhs.is_Symbol for a in value.args):
        return {a.lhs: a.rhs for a in value.args}
    if isinstance(value, sp.Eq) and value.lhs.is_Symbol and not value.rhs.has(value.lhs):
        return sp.FiniteSet(value.rhs)
    if isinstance(value, sp.Rel) and not isinstance(value, (sp.Eq, sp.Ne)) and len(value.free_symbols) == 1:
        return _interval(value)
    return value


def _interval(rel: Any) -> Any:
    """``x < 3`` -> ``(-oo, 3)`` without SymPy's general (slow) solver when one side is the bare symbol."""
    lhs, rhs, kind = rel.lhs, rel.rhs, type(rel)
    if rhs.is_Symbol and not lhs.free_symbols:
        lhs, rhs = rhs, lhs
        kind = {sp.Lt: sp.Gt, sp.Le: sp.Ge, sp.Gt: sp.Lt, sp.Ge: sp.Le}[kind]
    if not (lhs.is_Symbol and not rhs.free_symbols):
        return rel.as_set()
    return {sp.Lt: sp.Interval.open(-sp.oo, rhs), sp.Le: sp.Interval(-sp.oo, rhs),
            sp.Gt: sp.Interval.open(rhs, sp.oo), sp.Ge: sp.Interval(rhs, sp.oo)}[kind]


def _num_equal(a: Any, b: Any) -> bool:
    a, b = sp.sympify(a), sp.sympify(b)
    if isinstance(a, sp.Rational) and isinstance(b, sp.Rational):
        return bool(a == b)
    syms = sorted(a.free_symbols | b.free_symbols, key=str)
    rng = random.Random(7)
    points = [{s: sp.Rational(rng.randint(5, 95), 37) for s in syms} for _ in range(3 if syms else 1)]
    for pt in points:
        try:
            va, vb = complex(sp.N(a.subs(pt), 20)), complex(sp.N(b.subs(pt), 20))
        except (TypeError, ValueError):
            return bool(sp.simplify(a - b) == 0)
        if abs(va - vb) > 1e-9 * max(1.0, abs(va), abs(vb)):
            return False
    return True


def same_value(a: Any, b: Any, *, evaluated: bool = False) -> bool:
    """True when two template values are mathematically the same answer."""
    if isinstance(a, sp.Number) and isinstance(b, sp.Number):
        return _num_equal(a, b)
    a, b = canonical(a, evaluated=evaluated), canonical(b, evaluated=evaluated)
    for x, y in ((a, b), (b, a)):  # "x = 3" / {3} against a bare 3
        if isinstance(x, sp.FiniteSet) and len(x) == 1 and isinstance(y, sp.Expr):
            return _num_equal(x.args[0], y)
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and \
            all(_num_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and \
            all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, sp.Set) or isinstance(b, sp.Set):
        if not (isinstance(a, sp.Set) and isinstance(b, sp.Set)):
            return False
        if isinstance(a, sp.FiniteSet) and isinstance(b, sp.FiniteSet):
            left = list(b.args)
            for x in a.args:
                match = next((y for y in left if _num_equal(x, y)), None)
                if match is None:
                    return False
                left.remove(match)
            return not left
        if isinstance(a, sp.Interval) and isinstance(b, sp.Interval):
            return (a.left_open, a.right_open) == (b.left_open, b.right_open) and \
                _inf_equal(a.start, b.start) and _inf_equal(a.end, b.end)
        return bool(a == b)
    if isinstance(a, sp.Rel) or isinstance(b, sp.Rel):
        return isinstance(a, sp.Rel) and isinstance(b, sp.Rel) and type(a) is type(b) and \
            _num_equal(a.lhs - a.rhs, b.lhs - b.rhs)
    if isinstance(a, sp.Basic) and isinstance(b, sp.Basic) and (a.is_Boolean or b.is_Boolean):
        return bool(a == b)
    try:
        return _num_equal(a, b)
    except (TypeError, sp.SympifyError):
        return bool(a == b)


def _inf_equal(a: Any, b: Any) -> bool:
    if a.is_infinite or b.is_infinite:
        return bool(a == b)
    return _num_equal(a, b)


def coincide(wrong: Any, right: Any, checker: str, *, evaluated: bool = False) -> bool:
    """Would a listed wrong answer be accepted as right? (form checkers: only if literally identical)."""
    if checker in FORM_CHECKERS:
        return False
    try:
        return same_value(wrong, right, evaluated=evaluated)
    except (TypeError, ValueError, AttributeError):
        return False
