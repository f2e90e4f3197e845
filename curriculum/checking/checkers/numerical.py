"""Numerical tests: NumRelative, NumAbsolute, NumSigFigs, NumDecPlaces, GT, GTE.

NumSigFigs and NumDecPlaces read the digits the student *typed* (so ``2.50`` keeps its
trailing zero) from the parse tree's numeric literal; the teacher answer is evaluated to
30 significant digits with mpmath and rounded half-up with ``decimal``.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ...errors import CheckerOptionsError
from ..results import CheckResult, OptionSpec
from ..tree import BinOp, Neg, Node, Num, strip_parens
from .common import as_number, result
from .registry import Context, register


def _numbers(ctx: Context) -> tuple[object, object] | CheckResult:
    """(student value, teacher value) as mpmath reals, or a NOT_NUMBER result."""
    t_val = as_number(ctx.build(ctx.teacher)) if _is_expr(ctx.teacher) else None
    if t_val is None:
        raise CheckerOptionsError(f"{ctx.test}: the teacher answer must be a real number")
    if not _is_expr(ctx.student):
        return result(ctx, False, "NOT_NUMBER", "Your answer should be a single number.")
    s_val = as_number(ctx.build(ctx.student))
    if s_val is None:
        return result(ctx, False, "NOT_NUMBER", "Your answer should be a single real number.")
    return s_val, t_val


def _is_expr(n: Node) -> bool:
    from ..tree import kind_of

    return kind_of(n) == "expr"


def _tolerance(ctx: Context) -> float:
    tol = ctx.options["tolerance"]
    if isinstance(tol, str):
        try:
            tol = float(tol)
        except ValueError as exc:
            raise CheckerOptionsError(f"{ctx.test}: tolerance must be a number, not {tol!r}") from exc
    if not tol >= 0 or tol != tol or tol == float("inf"):
        raise CheckerOptionsError(f"{ctx.test}: tolerance must be a non-negative number")
    return float(tol)


_TOL = OptionSpec("tolerance", (int, float, str), 0.05, "the tolerance (STACK default 0.05)")


@register(
    "NumRelative",
    family="numerical",
    doc="|s - t| <= tolerance * |t| (relative error; default 0.05 = 5 %).",
    options=(_TOL,),
    notes=("TRUE", "FALSE", "NOT_NUMBER"),
)
def num_relative(ctx: Context) -> CheckResult:
    vals = _numbers(ctx)
    if isinstance(vals, CheckResult):
        return vals
    s, t = vals
    ok = abs(s - t) <= _tolerance(ctx) * abs(t)  # type: ignore[operator]
    return result(ctx, bool(ok), "TRUE" if ok else "FALSE")


@register(
    "NumAbsolute",
    family="numerical",
    doc="|s - t| <= tolerance (absolute error; default 0.05).",
    options=(_TOL,),
    notes=("TRUE", "FALSE", "NOT_NUMBER"),
)
def num_absolute(ctx: Context) -> CheckResult:
    vals = _numbers(ctx)
    if isinstance(vals, CheckResult):
        return vals
    s, t = vals
    ok = abs(s - t) <= _tolerance(ctx)  # type: ignore[operator]
    return result(ctx, bool(ok), "TRUE" if ok else "FALSE")


@register("GT", family="numerical", doc="The student's number is strictly greater than the teacher's.",
          notes=("TRUE", "FALSE", "NOT_NUMBER"))
def gt(ctx: Context) -> CheckResult:
    vals = _numbers(ctx)
    if isinstance(vals, CheckResult):
        return vals
    ok = vals[0] > vals[1]  # type: ignore[operator]
    return result(ctx, bool(ok), "TRUE" if ok else "FALSE")


@register("GTE", family="numerical", doc="The student's number is greater than or equal to the teacher's.",
          notes=("TRUE", "FALSE", "NOT_NUMBER"))
def gte(ctx: Context) -> CheckResult:
    vals = _numbers(ctx)
    if isinstance(vals, CheckResult):
        return vals
    ok = vals[0] >= vals[1] or abs(vals[0] - vals[1]) <= 1e-25 * abs(vals[1])  # type: ignore[operator]
    return result(ctx, bool(ok), "TRUE" if ok else "FALSE")


# ------------------------------------------------------------------------ typed decimals
def typed_number(node: Node) -> tuple[int, str, int] | None:
    """Read a typed literal ``[-]digits[.digits][*10^[-]k]`` as (sign, mantissa text, power of ten);
    ``None`` for anything else (an expression is not a typed number)."""
    n = strip_parens(node)
    sign = 1
    if isinstance(n, Neg):
        sign, n = -1, strip_parens(n.arg)
    if isinstance(n, Num):
        return sign, n.text, 0
    if isinstance(n, BinOp) and n.op == "*" and isinstance(strip_parens(n.left), Num):
        p = strip_parens(n.right)
        if isinstance(p, BinOp) and p.op == "^" and isinstance(p.left, Num) and p.left.text == "10":
            e = strip_parens(p.right)
            esign = 1
            if isinstance(e, Neg):
                esign, e = -1, strip_parens(e.arg)
            if isinstance(e, Num) and e.text.isdigit() and len(e.text) <= 4:
                mant = strip_parens(n.left)
                assert isinstance(mant, Num)
                return sign, mant.text, esign * int(e.text)
    return None


def sig_fig_range(mantissa: str) -> tuple[int, int]:
    """(fewest, most) significant figures of a typed mantissa: "0.0250" -> (3, 3); "1200" -> (2, 4)."""
    digits = mantissa.replace(".", "")
    stripped = digits.lstrip("0")
    if not stripped:  # zero: "0", "0.00"
        frac = mantissa.split(".")[1] if "." in mantissa else ""
        return (max(1, len(frac)), max(1, len(frac)))
    if "." in mantissa:
        return len(stripped), len(stripped)
    return len(stripped.rstrip("0")), len(stripped)


def round_sig(value: Decimal, figs: int) -> Decimal:
    if value == 0:
        return Decimal(0)
    with localcontext() as c:
        c.prec = 60
        exp = value.adjusted() - figs + 1
        return value.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP)


def _decimal(v: object) -> Decimal:
    import mpmath

    return Decimal(mpmath.nstr(v, 40, strip_zeros=False, min_fixed=-50, max_fixed=50))


def _sigfig_option(ctx: Context) -> tuple[int, int]:
    raw = ctx.options["sigfigs"]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise CheckerOptionsError(f"NumSigFigs: sigfigs must be like 3 or [3, 2], not {raw!r}") from exc
    if isinstance(raw, bool):
        raise CheckerOptionsError("NumSigFigs: sigfigs must be an integer")
    if isinstance(raw, int):
        n, m = raw, raw
    elif isinstance(raw, (list, tuple)) and len(raw) == 2 and all(isinstance(x, int) for x in raw):
        n, m = raw
    else:
        raise CheckerOptionsError(f"NumSigFigs: sigfigs must be like 3 or [3, 2], not {raw!r}")
    if not 1 <= n <= 30 or not (m == -1 or 1 <= m <= 30):
        raise CheckerOptionsError("NumSigFigs: significant figures must be between 1 and 30 (accuracy -1 = unchecked)")
    return n, m


@register(
    "NumSigFigs",
    family="numerical",
    doc="Typed with exactly n significant figures and correct to m (default n) figures; sigfigs: 3 or [3, 2] "
        "([n, -1] checks only the count). Ambiguous trailing zeros (1200) are accepted.",
    options=(OptionSpec("sigfigs", (int, str, list, tuple), None, "n or [n, m]", required=True),),
    notes=("TRUE", "WRONG_DIGITS", "INACCURATE", "FALSE", "NOT_NUMBER"),
)
def num_sig_figs(ctx: Context) -> CheckResult:
    n, m = _sigfig_option(ctx)
    typed = typed_number(ctx.student)
    if typed is None:
        return result(ctx, False, "NOT_NUMBER", "Write your answer as a decimal number, e.g. 2.50.")
    sign, mant, power = typed
    lo, hi = sig_fig_range(mant)
    count_ok = lo <= n <= hi
    t_val = as_number(ctx.build(ctx.teacher))
    if t_val is None:
        raise CheckerOptionsError("NumSigFigs: the teacher answer must be a real number")
    s_dec = Decimal(sign) * Decimal(mant).scaleb(power)
    t_dec = _decimal(t_val)
    accurate = True if m == -1 else round_sig(s_dec, m) == round_sig(t_dec, m)
    if count_ok and accurate:
        return result(ctx, True, "TRUE")
    if accurate:
        return result(ctx, False, "WRONG_DIGITS", f"Give your answer to {n} significant figures.")
    if count_ok:
        return result(ctx, False, "INACCURATE", "Your answer has the right number of significant figures "
                                                "but the wrong value.")
    return result(ctx, False, "FALSE", f"Give your answer to {n} significant figures.")


@register(
    "NumDecPlaces",
    family="numerical",
    doc="Typed with exactly n decimal places and equal to the teacher's value rounded to n places.",
    options=(OptionSpec("places", (int,), None, "number of decimal places", required=True),),
    notes=("TRUE", "WRONG_PLACES", "INACCURATE", "FALSE", "NOT_NUMBER"),
)
def num_dec_places(ctx: Context) -> CheckResult:
    n = ctx.options["places"]
    if not 0 <= n <= 30:
        raise CheckerOptionsError("NumDecPlaces: places must be between 0 and 30")
    typed = typed_number(ctx.student)
    if typed is None or typed[2] != 0:
        return result(ctx, False, "NOT_NUMBER", "Write your answer as a decimal number, e.g. 3.14.")
    sign, mant, _ = typed
    places = len(mant.split(".")[1]) if "." in mant else 0
    t_val = as_number(ctx.build(ctx.teacher))
    if t_val is None:
        raise CheckerOptionsError("NumDecPlaces: the teacher answer must be a real number")
    q = Decimal(1).scaleb(-n)
    with localcontext() as c:
        c.prec = 80
        target = _decimal(t_val).quantize(q, rounding=ROUND_HALF_UP)
        s_dec = (Decimal(sign) * Decimal(mant)).quantize(q, rounding=ROUND_HALF_UP)
    accurate = s_dec == target
    if places == n and accurate:
        return result(ctx, True, "TRUE")
    if accurate:
        return result(ctx, False, "WRONG_PLACES", f"Give your answer to {n} decimal place(s).")
    if places == n:
        return result(ctx, False, "INACCURATE", "Your answer has the right number of decimal places "
                                                "but the wrong value.")
    return result(ctx, False, "FALSE", f"Give your answer to {n} decimal place(s).")
