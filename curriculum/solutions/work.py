r"""Written-out arithmetic for worked solutions: the sub-steps a student (or a small model) needs to get
one sum, difference, product or quotient right, instead of the result in one jump.

``arithmetic_work(op, a, b)`` returns Markdown with ``$...$`` math such as ``$-14 + 24 = 24 - 14 = 10$``,
``$47 + 38 = (40 + 30) + (7 + 8) = 70 + 15 = 85$``, ``$23 \cdot 4 = 20 \cdot 4 + 3 \cdot 4 = 80 + 12 = 92$``,
a decimal product through the whole-number product and the count of decimal places, or a quotient by
short long division. It works with exact :class:`~decimal.Decimal` values and returns ``None`` (the caller
then states the result as before) when an operand is not a terminating decimal, the quotient is not exact,
or the exact result does not print as the solver's own result. Every chain is an equality of exact values;
the tests check each one with :class:`fractions.Fraction`.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

import sympy as sp

from curriculum.templates.render import to_latex

OPS = ("+", "-", "*", "/")


def as_decimal(value: Any) -> Decimal | None:
    """The exact decimal a SymPy number prints as (``22.31``), or None (a fraction such as 1/3, a symbol)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, sp.Basic) or not value.is_number:
        return None
    if value.is_Integer:
        return Decimal(int(value))
    if not value.is_Float:
        return None
    try:
        d = Decimal(to_latex(value))
    except InvalidOperation:
        return None
    if abs(float(value) - float(d)) > 1e-9 * max(1.0, abs(float(d))):
        return None
    return d


def fmt(d: Decimal) -> str:
    """``Decimal`` as plain decimal LaTeX without trailing zeros (``23.18``, ``-90``, ``0.5``)."""
    d = d.normalize()
    if d == 0:
        return "0"
    return format(d, "f")


def _places(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _padded(d: Decimal, places: int) -> str:
    return format(d.quantize(Decimal(1).scaleb(-places)), "f") if places else fmt(d)


def _par(d: Decimal) -> str:
    return f"({fmt(d)})" if d < 0 else fmt(d)


def _is_int(d: Decimal) -> bool:
    return d == d.to_integral_value()


# ---------------------------------------------------------------- sums and differences


def _carries(a: int, b: int) -> bool:
    """True when column addition of a + b carries in some column."""
    while a or b:
        if a % 10 + b % 10 >= 10:
            return True
        a, b = a // 10, b // 10
    return False


def _borrows(p: int, n: int) -> bool:
    """True when column subtraction of p - n (p >= n) borrows in some column."""
    while n:
        if p % 10 < n % 10:
            return True
        p, n = p // 10, n // 10
    return False


def _place_parts(n: int) -> list[int]:
    """The non-zero place values of n > 0, largest first: 511 -> [500, 10, 1]."""
    digits = str(n)
    return [int(ch) * 10 ** (len(digits) - 1 - i) for i, ch in enumerate(digits) if ch != "0"]


def _pos_add(a: Decimal, b: Decimal) -> list[str]:
    """Chain for a + b with a, b > 0 (expressions after ``a + b``, without the final value).

    Whole numbers with a carry: two 2-digit numbers by tens and units (``(40 + 30) + (7 + 8)``); a larger sum
    adds the smaller number one place value at a time (``6570 + 511 = 6570 + 500 + 10 + 1 = 7070 + 10 + 1 =
    7080 + 1``), so every step adds a single digit at one place."""
    if _is_int(a) and _is_int(b):
        ai, bi = int(a), int(b)
        if max(ai, bi) >= 100 and min(ai, bi) >= 10 and _carries(ai, bi):
            big, parts = max(ai, bi), _place_parts(min(ai, bi))
            if len(parts) < 2:
                return [f"{big} + {min(ai, bi)}"] if ai < bi else []
            out = []
            for i in range(len(parts)):
                out.append(" + ".join(str(x) for x in [big + sum(parts[:i]), *parts[i:]]))
            return out
        if ai >= 10 and bi >= 10 and _carries(ai, bi):
            at, au, bt, bu = ai - ai % 10, ai % 10, bi - bi % 10, bi % 10
            return [f"({at} + {bt}) + ({au} + {bu})", f"{at + bt} + {au + bu}"]
        return []
    k = max(_places(a), _places(b))
    ai, bi = int(a), int(b)
    af, bf = a - ai, b - bi
    if ai == 0 and bi == 0:
        shown = f"{_padded(a, k)} + {_padded(b, k)}"
        return [shown] if shown != f"{fmt(a)} + {fmt(b)}" else []
    out = [f"({ai} + {bi}) + ({_padded(af, k)} + {_padded(bf, k)})", f"{ai + bi} + {fmt(af + bf)}"]
    return out


def _pos_sub(p: Decimal, n: Decimal) -> list[str]:
    """Chain for p - n with p >= n > 0."""
    if _is_int(p) and _is_int(n):
        pi, ni = int(p), int(n)
        if ni >= 10 and ni % 10 and _borrows(pi, ni):
            nt, nu = ni - ni % 10, ni % 10
            return [f"{pi} - {nt} - {nu}", f"{pi - nt} - {nu}"]
        return []
    k = max(_places(p), _places(n))
    shown = f"{_padded(p, k)} - {_padded(n, k)}"
    return [shown] if shown != f"{fmt(p)} - {fmt(n)}" else []


def _neg(chain: list[str]) -> list[str]:
    return [f"-({x})" for x in chain]


def add_chain(a: Decimal, b: Decimal) -> list[str]:
    """Expressions equal to a + b, from the first rewriting to just before the result."""
    if a == 0 or b == 0:
        return []
    if a > 0 and b > 0:
        return _pos_add(a, b)
    if a < 0 and b < 0:
        return [f"-({fmt(-a)} + {fmt(-b)})", *_neg(_pos_add(-a, -b))]
    p, n = (a, -b) if a > 0 else (b, -a)
    if p >= n:
        return [f"{fmt(p)} - {fmt(n)}", *_pos_sub(p, n)]
    return [f"-({fmt(n)} - {fmt(p)})", *_neg(_pos_sub(n, p))]


def sum_latex(a: Decimal, b: Decimal) -> str:
    """``a + b`` as written with signs merged: ``-73 - 17`` for a = -73, b = -17."""
    return f"{fmt(a)} - {fmt(-b)}" if b < 0 else f"{fmt(a)} + {fmt(b)}"


def difference_chain(a: Any, b: Any) -> str | None:
    r"""LaTeX chain for ``a - b`` through the signed-sum rules, from the difference as written to its value:
    ``32 - 57 = -(57 - 32) = -25``, ``9 - (-32) = 9 + 32 = 41``. None when either number is not a
    terminating decimal."""
    da, db = as_decimal(a), as_decimal(b)
    if da is None or db is None:
        return None
    start = f"{fmt(da)} - {_par(db)}"
    items = [start, fmt(da)] if db == 0 else [start, sum_latex(da, -db), *add_chain(da, -db), fmt(da - db)]
    out = [items[0]]
    for x in items[1:]:
        if x != out[-1]:
            out.append(x)
    return " = ".join(out)


# ---------------------------------------------------------------- products


def _pos_mul_int(a: int, b: int) -> list[str]:
    """Chain for a · b with positive integers, by place value of one factor; the partial products' sum through
    :func:`_pos_add` (see :func:`partial_products` for the partial products' own working)."""
    if a >= 10 and b >= 10:
        bt, bu = b - b % 10, b % 10
        if bu == 0:
            return []
        return [rf"{a} \cdot {bt} + {a} \cdot {bu}", f"{a * bt} + {a * bu}",
                *_pos_add(Decimal(a * bt), Decimal(a * bu))]
    if 2 <= b <= 9 and a >= 10 and a % 10:
        at, au = a - a % 10, a % 10
        return [rf"{at} \cdot {b} + {au} \cdot {b}", f"{at * b} + {au * b}",
                *_pos_add(Decimal(at * b), Decimal(au * b))]
    if 2 <= a <= 9 and b >= 10 and b % 10:
        bt, bu = b - b % 10, b % 10
        return [rf"{a} \cdot {bt} + {a} \cdot {bu}", f"{a * bt} + {a * bu}",
                *_pos_add(Decimal(a * bt), Decimal(a * bu))]
    return []


def _small_product(a: int, k: int) -> str:
    r"""``a \cdot k`` for a >= 10 and a one-digit k >= 2, by place value of a, the sum through
    :func:`_pos_add`: ``86 \cdot 7 = 80 \cdot 7 + 6 \cdot 7 = 560 + 42 = 560 + 40 + 2 = 600 + 2 = 602``."""
    return _chain_text(rf"{a} \cdot {k}", _pos_mul_int(a, k), str(a * k))


def partial_products(a: int, b: int) -> str:
    r"""Markdown working for the partial products of ``a \cdot b`` (a, b >= 10, b not a multiple of 10), the
    products a small model cannot do in one jump, before the product's own chain: ``$86 \cdot 9 = ... = 774$,
    so $86 \cdot 90 = 7740$; $86 \cdot 7 = ... = 602$``. Empty when a is a multiple of 10 or a digit of b is 1
    (those partial products are read off)."""
    if a < 10 or b < 10 or a % 10 == 0 or b % 10 == 0:
        return ""
    bt, bu = b // 10, b % 10
    parts = []
    if bt >= 2:
        head = rf"${_small_product(a, bt)}$" if bt <= 9 else ""
        if head:
            parts.append(head + rf", so ${a} \cdot {bt * 10} = {a * bt * 10}$")
    if bu >= 2:
        parts.append(f"${_small_product(a, bu)}$")
    return "; ".join(parts)


def _chain_text(start: str, chain: list[str], result: str) -> str:
    items = [start]
    for x in [*chain, result]:
        if x != items[-1]:
            items.append(x)
    return " = ".join(items)


def _mul_work(a: Decimal, b: Decimal, shown: str) -> str:
    r = a * b
    neg = (a < 0) != (b < 0) and r != 0
    pa, pb = abs(a), abs(b)
    if _is_int(pa) and _is_int(pb):
        inner = _pos_mul_int(int(pa), int(pb))
        if a < 0 or b < 0:
            head = rf"{fmt(pa)} \cdot {fmt(pb)}"
            chain = [f"-({head})" if neg else head, *(_neg(inner) if neg else inner)]
        else:
            chain = inner
        pre = partial_products(int(pa), int(pb))
        return (f"{pre}; " if pre else "") + f"${_chain_text(shown, chain, fmt(r))}$"
    ka, kb = _places(pa), _places(pb)
    ia, ib = int(pa.scaleb(ka)), int(pb.scaleb(kb))
    whole = _chain_text(rf"{ia} \cdot {ib}", _pos_mul_int(ia, ib), str(ia * ib))
    pre = partial_products(ia, ib)
    whole = f"{pre}; ${whole}$" if pre else f"${whole}$"
    sign = "; the signs differ, so the product is negative" if neg else ""
    places = f"{ka} + {kb} = {ka + kb}" if ka and kb else str(ka + kb)
    return (f"${shown}$: multiply without the decimal points, {whole}; the factors have ${places}$ "
            f"decimal place{'s' if ka + kb > 1 else ''}{sign}, so ${shown} = {fmt(r)}$")


# ---------------------------------------------------------------- quotients


def _division_step(cur: int, d: int, q: int, rem: int) -> str:
    r"""One digit of long division: ``46 \div 7 = 6 \text{ r } 4``."""
    return rf"{cur} \div {d} = {q}" + (rf" \text{{ r }} {rem}" if rem else "")


def _whole_division(n: int, d: int) -> tuple[list[tuple[int, int, int]], int]:
    """Long division of the whole number n >= 0 by d >= 1, digit by digit: ([(current number, quotient digit,
    remainder)] from the first digit group that d goes into, the final remainder)."""
    out: list[tuple[int, int, int]] = []
    rem, started = 0, False
    for ch in str(n):
        cur = rem * 10 + int(ch)
        if not started and cur < d:
            rem = cur
            continue
        started = True
        q, rem = divmod(cur, d)
        out.append((cur, q, rem))
    return out, rem


def long_division(a: int, b: int) -> list[str]:
    r"""Short long-division steps for ``a / b`` (``a >= 0``, ``b >= 2``, exact): ``["46 \div 7 = 6
    \text{ r } 4", "49 \div 7 = 7"]``; empty when the quotient has one digit."""
    if a < 0 or b < 2 or a % b:
        raise ValueError("long_division needs a >= 0, b >= 2 and an exact quotient")
    steps = [_division_step(cur, b, q, rem) for cur, q, rem in _whole_division(a, b)[0]]
    return steps if len(steps) > 1 else []


def multiples_text(d: int) -> str:
    r"""Markdown listing the multiples of a divisor ``d >= 10`` that long division needs (``1 \cdot d`` to
    ``9 \cdot d``), each from the one before by adding ``d``; empty for a one-digit divisor."""
    if d < 10:
        return ""
    return f"multiples of {d}: " + ", ".join(f"${k} \\cdot {d} = {k * d}$" for k in range(1, 10))


def division_step_text(step: str, d: int) -> str:
    r"""One long-division step (``"102 \div 18 = 5 \text{ r } 12"``) as Markdown, for any divisor ``d >= 2``:
    the quotient digit is picked by comparing the number with the multiples around it (``10 \cdot d`` after
    ``9 \cdot d``) and the remainder is a subtraction: ``$90 \le 102 < 108$, so the digit is 5: $5 \cdot 18
    = 90$, $102 - 90 = 12$, so $102 \div 18 = 5 \text{ r } 12$``."""
    if d < 2:
        return f"${step}$"
    cur_s, rest = step.split(r" \div ", 1)
    q_s, _, rem_s = rest.partition(" = ")[2].partition(r" \text{ r } ")
    cur, q = int(cur_s), int(q_s)
    if q == 0:
        return f"${cur} < {d}$, so ${step}$"
    pick = f"${q * d} \\le {cur} < {(q + 1) * d}$, so the digit is {q}: "
    if not rem_s:
        return pick + f"${q} \\cdot {d} = {q * d}$, so ${step}$"
    return pick + f"${q} \\cdot {d} = {q * d}$, ${cur} - {q * d} = {cur - q * d}$, so ${step}$"


def division_text(steps: list[str], d: int, continued: bool = False) -> str:
    r"""Long-division steps as Markdown, joined by ``; ``, each written out by :func:`division_step_text`. Every
    step after the first (and the first too when `continued`: the digits after the decimal point) says which
    digit it brings down after the remainder: ``bring down 2 after the remainder 12: $122$``."""
    out = []
    for i, x in enumerate(steps):
        text = division_step_text(x, d)
        if i or continued:
            cur = int(x.split(r" \div ", 1)[0])
            text = f"bring down {cur % 10} after the remainder {cur // 10}: ${cur}$; " + text
        out.append(text)
    return "; ".join(out)


# ---------------------------------------------------------------- fractions


def _frac_tex(n: int, d: int) -> str:
    if d < 0:
        n, d = -n, -d
    if d == 1:
        return str(n)
    return rf"-\frac{{{-n}}}{{{d}}}" if n < 0 else rf"\frac{{{n}}}{{{d}}}"


def fraction_chain(op: str, a: Any, b: Any) -> str | None:
    r"""LaTeX chain for ``a op b`` (op ``+ - * /``) with rational ``a``, ``b`` of which at least one is not
    an integer, through a common denominator or the product of numerators and denominators, ending in the
    result in lowest terms: ``7 - \frac{32}{3} = \frac{21}{3} - \frac{32}{3} = \frac{21 - 32}{3} =
    -\frac{11}{3}``. None for anything else (floats, symbols, division by zero)."""
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}")
    if isinstance(a, bool) or isinstance(b, bool) \
            or not (isinstance(a, (int, sp.Rational)) and isinstance(b, (int, sp.Rational))):
        return None
    fa, fb = sp.Rational(a), sp.Rational(b)
    if op == "/" and fb == 0:
        return None
    whole = fa.q == 1 and fb.q == 1
    if whole and op != "/":
        return None
    if whole:
        n, d = int(fa.p), int(fb.p)
        if d < 0:
            n, d = -n, -d
        if n % d == 0:
            return None
        items = [rf"{fa.p} \div {'(' + str(fb.p) + ')' if fb < 0 else fb.p}", rf"\frac{{{n}}}{{{d}}}"]
        g = math.gcd(n, d)
        if g > 1:
            items.append(rf"\frac{{{n} \div {g}}}{{{d} \div {g}}}")
        items.append(_frac_tex(n // g, d // g))
        return " = ".join(dict.fromkeys(items))
    n1, d1, n2, d2 = int(fa.p), int(fa.q), int(fb.p), int(fb.q)
    sym = {"+": "+", "-": "-", "*": r"\cdot", "/": r"\div"}[op]

    def par(t: str) -> str:
        return f"\\left({t}\\right)" if t.startswith("-") else t

    items = [f"{_frac_tex(n1, d1)} {sym} {par(_frac_tex(n2, d2))}"]
    if op in "+-":
        m = math.lcm(d1, d2)
        k1, k2 = m // d1, m // d2
        n2s = n2 if op == "+" else -n2
        items.append(f"{_frac_tex(n1 * k1, m)} {sym} {par(_frac_tex(n2 * k2, m))}")
        second = f"({n2 * k2})" if n2 * k2 < 0 else str(n2 * k2)
        num = n1 * k1 + n2s * k2
        items.append(rf"\frac{{{n1 * k1} {sym} {second}}}{{{m}}}")
        # the numerator's signed sum one rule at a time: \frac{-24 - (-38)}{3} = \frac{-24 + 38}{3} = \frac{38 - 24}{3}
        a_num, b_num = Decimal(n1 * k1), Decimal(n2s * k2)
        for x in [sum_latex(a_num, b_num), *add_chain(a_num, b_num)]:
            items.append(rf"\frac{{{x}}}{{{m}}}")
        items.append(rf"\frac{{{num}}}{{{m}}}")
        result = sp.Rational(num, m)
    else:
        if op == "/":
            n2, d2 = d2, n2
            if d2 < 0:
                n2, d2 = -n2, -d2
            if n2 != 1:
                items.append(rf"{_frac_tex(n1, d1)} \cdot {par(_frac_tex(n2, d2))}")
        a1 = f"({n1})" if n1 < 0 else str(n1)
        a2 = f"({n2})" if n2 < 0 else str(n2)
        if n2 == 1:
            items.append(rf"\frac{{{n1}}}{{{d1} \cdot {d2}}}")
        elif d1 == 1 or d2 == 1:
            items.append(rf"\frac{{{a1} \cdot {a2}}}{{{d1 * d2}}}")
        else:
            items.append(rf"\frac{{{a1} \cdot {a2}}}{{{d1} \cdot {d2}}}")
        items.append(rf"\frac{{{n1 * n2}}}{{{d1 * d2}}}")
        result = sp.Rational(n1 * n2, d1 * d2)
    num, den = (n1 * k1 + n2s * k2, m) if op in "+-" else (n1 * n2, d1 * d2)
    g = math.gcd(num, den)
    if g > 1:
        items.append(rf"\frac{{{num} \div {g}}}{{{den} \div {g}}}")
    items.append(_frac_tex(int(result.p), int(result.q)))
    out = [items[0]]
    for x in items[1:]:
        if x != out[-1]:
            out.append(x)
    return " = ".join(out)


def decimal_division(n: int, d: int, significant: int = 5) -> tuple[list[str], list[str], str]:
    r"""Long division of ``n / d`` (``n >= 0``, ``d >= 1``) continued after the decimal point until the quotient
    has ``significant`` significant digits or the division ends: (steps before the point, steps after it,
    the quotient as written, ending in ``\ldots`` when it does not terminate there)."""
    if n < 0 or d < 1 or significant < 1:
        raise ValueError("decimal_division needs n >= 0, d >= 1 and significant >= 1")

    parts, rem = _whole_division(n, d)
    whole = [_division_step(cur, d, q, r) for cur, q, r in parts]
    digits = "".join(str(q) for _, q, _ in parts) or "0"
    count = len(digits.lstrip("0"))
    after: list[str] = []
    frac = ""
    while rem and count < significant:
        cur = rem * 10
        q, rem = divmod(cur, d)
        after.append(_division_step(cur, d, q, rem))
        frac += str(q)
        if count or q:
            count += 1
    value = digits + ("." + frac if frac else "") + (r"\ldots" if rem else "")
    return whole, after, value


def _div_work(a: Decimal, b: Decimal, shown: str) -> str | None:
    if b == 0:
        return None
    r = a / b
    neg = (a < 0) != (b < 0) and r != 0
    pa, pb = abs(a), abs(b)
    parts: list[str] = []
    kb = _places(pb)
    if kb:
        sa, sb = pa.scaleb(kb), pb.scaleb(kb)
        parts.append(rf"multiply both numbers by {10 ** kb} so that the divisor is a whole number, "
                     rf"${fmt(pa)} \div {fmt(pb)} = {fmt(sa)} \div {fmt(sb)}$")
        pa, pb = sa, sb
    ka = _places(pa)
    ia, ib = int(pa.scaleb(ka)), int(pb)
    if ib < 1 or ia % ib:
        return None
    q = ia // ib
    steps = long_division(ia, ib) if ib >= 2 and ia % (10 * ib) else []
    if ka:
        inner = division_text(steps, ib)
        if inner and ib >= 10:
            inner = multiples_text(ib) + "; " + inner
        elif not inner and ib >= 10 and 2 <= q <= 9:
            inner = multiples_text(ib) + "; " + rf"${q} \cdot {ib} = {ia}$"
        parts.append(rf"divide without the decimal point, ${ia} \div {ib}$ ({inner}), so ${ia} \div {ib} = {q}$"
                     if inner else rf"divide without the decimal point, ${ia} \div {ib} = {q}$")
        parts.append(f"{fmt(pa)} has {ka} decimal place{'s' if ka > 1 else ''}, so "
                     rf"${fmt(pa)} \div {fmt(pb)} = {fmt(Decimal(q).scaleb(-ka))}$")
    elif not steps and ib >= 10 and 2 <= q <= 9:
        parts.append(f"{multiples_text(ib)}; " + rf"${q} \cdot {ib} = {ia}$, so ${ia} \div {ib} = {q}$")
    elif steps:
        head = f"long division ({multiples_text(ib)}): " if ib >= 10 else "long division: "
        parts.append(head + division_text(steps, ib) + rf", so ${ia} \div {ib} = {q}$")
    if neg:
        parts.append("the signs differ, so the quotient is negative")
    if not parts:
        return f"${shown} = {fmt(r)}$"
    return f"${shown}$: " + "; ".join(parts) + f". So ${shown} = {fmt(r)}$"


# ---------------------------------------------------------------- entry point


def arithmetic_work(op: str, a: Any, b: Any, shown: str | None = None, result: Any = None) -> str | None:
    r"""Markdown working for ``a op b`` (op one of ``+ - * /``), starting from ``shown`` (default: the
    operation written out). ``None`` when either number is not a terminating decimal, a quotient is not
    exact, or ``result`` (the solver's value, if given) does not print as the exact result."""
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}")
    da, db = as_decimal(a), as_decimal(b)
    if da is None or db is None:
        return None
    if op == "-":
        op, db = "+", -db
    if op == "+":
        exact = da + db
        start = shown or sum_latex(da, db)
        text = f"${_chain_text(start, add_chain(da, db), fmt(exact))}$"
    elif op == "*":
        exact = da * db
        text = _mul_work(da, db, shown or rf"{_par(da)} \cdot {_par(db)}")
    else:
        if db == 0:
            return None
        exact = da / db
        if exact != exact.quantize(Decimal(1).scaleb(-12)):
            return None
        work = _div_work(da, db, shown or rf"{fmt(da)} \div {_par(db)}")
        if work is None:
            return None
        text = work
    if result is not None:
        dr = as_decimal(result)
        if dr is None or dr != exact:
            return None
    return text
