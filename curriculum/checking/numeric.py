"""Numeric evaluation of SymPy expressions with mpmath, and random-point comparison.

SymPy's own ``subs``/``evalf`` on random rationals can itself trigger huge exact powers
(sympy#21480), so this module walks the expression tree and evaluates it in mpmath
floating point (30 significant digits, complex-valued so that domain problems show up
as differences rather than exceptions). Unknown node types evaluate to ``None``
("undefined at this point").

Random points follow WeBWorK: a fixed, seeded set of points per variable in
[-2.5, 2.5] (or (0.2, 3.2) for positive variables), avoiding integers.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence

import mpmath
import sympy as sp

DPS = 30
REL_TOL = 1e-12
ABS_TOL = 1e-18
N_POINTS = 8
#: the confirmation pass (``precisely_equal``): a rounded decimal such as ``0.3333333333333`` for 1/3,
#: or ``+ 10^-20``, is within REL_TOL/ABS_TOL at 30 digits but not within these at 80.
PRECISE_DPS = 80
PRECISE_REL_TOL = 1e-50
PRECISE_ABS_TOL = 1e-60

_local = threading.local()


def _ctx(dps: int = DPS) -> mpmath.ctx_mp.MPContext:
    """This thread's mpmath context with ``dps`` significant digits."""
    contexts = getattr(_local, "contexts", None)
    if contexts is None:
        contexts = _local.contexts = {}
    ctx = contexts.get(dps)
    if ctx is None:
        ctx = mpmath.MPContext()
        ctx.dps = dps
        contexts[dps] = ctx
    return ctx


class _Undefined(Exception):
    pass


def evaluate(expr: sp.Basic, env: Mapping[sp.Symbol, object], dps: int = DPS) -> complex | None:
    """Value of ``expr`` at ``env`` (symbol -> number) as an mpmath ``mpc`` computed with ``dps``
    significant digits, or ``None`` if undefined."""
    ctx = _ctx(dps)
    try:
        v = _ev(expr, env, ctx)
    except (_Undefined, ZeroDivisionError, ValueError, OverflowError, TypeError):
        return None
    if v is None:
        return None
    v = ctx.mpc(v)
    if ctx.isnan(v.real) or ctx.isnan(v.imag) or ctx.isinf(v.real) or ctx.isinf(v.imag):
        return None
    return v


def _ev(e: sp.Basic, env: Mapping[sp.Symbol, object], ctx: mpmath.ctx_mp.MPContext) -> object:
    if e.is_Symbol:
        if e not in env:
            raise _Undefined
        return env[e]
    if e.is_Integer:
        return ctx.mpf(int(e))
    if e.is_Rational:
        return ctx.mpf(int(e.p)) / int(e.q)
    if e.is_Float:
        return ctx.mpf(str(e))
    if e is sp.pi:
        return ctx.pi
    if e is sp.E:
        return ctx.e
    if e is sp.I:
        return ctx.mpc(0, 1)
    if e.is_Add:
        total = ctx.mpf(0)
        for a in e.args:
            total += _ev(a, env, ctx)
        return total
    if e.is_Mul:
        prod = ctx.mpf(1)
        for a in e.args:
            prod *= _ev(a, env, ctx)
        return prod
    if e.is_Pow:
        b = _ev(e.args[0], env, ctx)
        x = e.args[1]
        if x.is_Integer:
            if b == 0 and x < 0:
                raise _Undefined
            return ctx.power(b, int(x))
        if x.is_Rational and x.q % 2 == 1 and ctx.im(b) == 0 and b < 0:
            # real odd roots of negatives, as in build.py: (-8)^(1/3) = -2, (-8)^(2/3) = 4
            magnitude = ctx.power(-b, ctx.mpf(int(x.p)) / int(x.q))
            return -magnitude if x.p % 2 else magnitude
        xv = _ev(x, env, ctx)
        if b == 0:
            if ctx.re(xv) > 0:
                return ctx.mpf(0)
            raise _Undefined
        return ctx.power(b, xv)
    if isinstance(e, sp.exp):
        return ctx.exp(_ev(e.args[0], env, ctx))
    if isinstance(e, sp.log):
        a = _ev(e.args[0], env, ctx)
        if a == 0:
            raise _Undefined
        return ctx.log(a)
    fn = _FUNCS.get(type(e).__name__)
    if fn is not None:
        args = [_ev(a, env, ctx) for a in e.args]
        return fn(ctx, *args)
    raise _Undefined


def _real(f):  # type: ignore[no-untyped-def]
    def g(ctx, x):  # type: ignore[no-untyped-def]
        if ctx.im(x) != 0:
            raise _Undefined
        return f(ctx, ctx.re(x))
    return g


def _factorial(ctx, x):  # type: ignore[no-untyped-def]
    if ctx.im(x) != 0 or ctx.re(x) < 0 and ctx.re(x) == int(ctx.re(x)):
        raise _Undefined
    if ctx.re(x) > 10_000:
        raise _Undefined
    return ctx.gamma(x + 1)


_FUNCS = {
    "sin": lambda c, x: c.sin(x), "cos": lambda c, x: c.cos(x), "tan": lambda c, x: c.tan(x),
    "cot": lambda c, x: c.cot(x), "sec": lambda c, x: c.sec(x), "csc": lambda c, x: c.csc(x),
    "asin": lambda c, x: c.asin(x), "acos": lambda c, x: c.acos(x), "atan": lambda c, x: c.atan(x),
    "acot": lambda c, x: c.acot(x), "asec": lambda c, x: c.asec(x), "acsc": lambda c, x: c.acsc(x),
    "sinh": lambda c, x: c.sinh(x), "cosh": lambda c, x: c.cosh(x), "tanh": lambda c, x: c.tanh(x),
    "asinh": lambda c, x: c.asinh(x), "acosh": lambda c, x: c.acosh(x), "atanh": lambda c, x: c.atanh(x),
    "Abs": lambda c, x: abs(x),
    "sign": _real(lambda c, x: c.sign(x)),
    "floor": _real(lambda c, x: c.floor(x)),
    "ceiling": _real(lambda c, x: c.ceil(x)),
    "factorial": _factorial,
    "re": lambda c, x: c.re(x), "im": lambda c, x: c.im(x),
}


def sample_points(symbols: Sequence[sp.Symbol], n: int = N_POINTS, seed: int = 20240611,
                  dps: int = DPS) -> list[dict[sp.Symbol, object]]:
    """``n`` deterministic random assignments for ``symbols`` (sorted by name for reproducibility),
    as mpmath numbers of ``dps`` digits."""
    ctx = _ctx(dps)
    rng = random.Random(seed)
    syms = sorted(symbols, key=lambda s: s.name)
    points = []
    for _ in range(n):
        env: dict[sp.Symbol, object] = {}
        for s in syms:
            if s.is_positive:
                v = rng.uniform(0.2, 3.2)
            else:
                v = rng.uniform(-2.5, 2.5)
                if abs(v) < 0.05:
                    v += 0.3
            env[s] = ctx.mpf(repr(round(v, 6)))
        points.append(env)
    return points


def close(a: object, b: object, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    """Fuzzy equality of two mpmath numbers (WeBWorK-style relative tolerance, absolute near 0)."""
    diff = abs(a - b)  # type: ignore[operator]
    return bool(diff <= abs_tol or diff <= rel_tol * max(abs(a), abs(b)))  # type: ignore[arg-type]


def numerically_equal(a: sp.Expr, b: sp.Expr, n: int = N_POINTS) -> bool | None:
    """Random-point comparison: ``False`` on a clear difference, ``True`` if equal at enough points,
    ``None`` if too few points were defined for both (domain problems)."""
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)  # type: ignore[union-attr]
    if not syms:
        va, vb = evaluate(a, {}), evaluate(b, {})
        if va is None or vb is None:
            return None if (va is None) == (vb is None) else False
        return close(va, vb)
    defined = 0
    mismatched_domain = 0
    for env in sample_points(syms, n=n * 2):
        va, vb = evaluate(a, env), evaluate(b, env)
        if va is None and vb is None:
            continue
        if va is None or vb is None:
            mismatched_domain += 1
            continue
        if not close(va, vb):
            return False
        defined += 1
        if defined >= n:
            break
    if defined >= max(3, n // 2):
        return True
    return None


def precisely_equal(a: sp.Expr, b: sp.Expr, n: int = N_POINTS) -> bool:
    """Confirmation after ``numerically_equal`` said True: ``False`` if the two differ at any sample point
    by more than ``PRECISE_REL_TOL`` (relative) / ``PRECISE_ABS_TOL`` (absolute) at ``PRECISE_DPS`` digits.

    Equal expressions agree to ~75 digits here (catastrophic cancellation of up to ~25 digits is
    tolerated); a perturbation larger than 1e-50 relative is caught. Points where either side is
    undefined are skipped (the first pass already judged the domains)."""
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)  # type: ignore[union-attr]
    checked = 0
    for env in sample_points(syms, n=n * 2, dps=PRECISE_DPS) if syms else [{}]:
        va, vb = evaluate(a, env, PRECISE_DPS), evaluate(b, env, PRECISE_DPS)
        if va is None or vb is None:
            continue
        if not close(va, vb, rel_tol=PRECISE_REL_TOL, abs_tol=PRECISE_ABS_TOL):
            return False
        checked += 1
        if checked >= n:
            break
    return True


def precise_ratio_is_constant(e1: sp.Expr, e2: sp.Expr, n: int = N_POINTS) -> bool:
    """Confirmation for ``e1 = k * e2``: the ratio ``e1/e2`` at the sample points agrees to
    ``PRECISE_REL_TOL`` at ``PRECISE_DPS`` digits (points where ``e2`` vanishes are skipped)."""
    syms = sorted(e1.free_symbols | e2.free_symbols, key=lambda s: s.name)  # type: ignore[union-attr]
    ratio = None
    checked = 0
    for env in sample_points(syms, n=n * 2, dps=PRECISE_DPS):
        v1, v2 = evaluate(e1, env, PRECISE_DPS), evaluate(e2, env, PRECISE_DPS)
        if v1 is None or v2 is None or abs(v2) < 1e-40:
            continue
        r = v1 / v2
        if ratio is None:
            ratio = r
        elif not close(r, ratio, rel_tol=PRECISE_REL_TOL, abs_tol=PRECISE_ABS_TOL):
            return False
        checked += 1
        if checked >= n:
            break
    return True
