r"""Arithmetic drill examples: random integer and decimal computations in the corpus's prompt/response format.

The 141 templates repeat the same few arithmetic facts; a small model then memorizes them instead of learning
to add, subtract, multiply and divide. The drill adds many more facts: each example is a random expression
(signed sums and chains, products, exact quotients, long division by a 2-digit divisor, decimal sums,
products and quotients, a decimal times a whole number, a product inside a sum), worked out by the curriculum's own ``evaluate`` solver (so with the same written-out arithmetic as the
templates, :mod:`curriculum.solutions.work`) and rendered with :func:`render_steps`. The prompt is
``Compute $...$.`` plus the solve instruction, as for the templates. Two more kinds use other solvers: a
sum, difference, product or quotient of two fractions (``fraction_op``) and a product or square of binomials
to expand (``expand``, prompt ``Expand $...$.``).

``drill_examples(indices, split, seed)``: example ``i`` uses ``random.Random(f"{seed}:{split}:drill:{i}")``
and ``i`` must be a seed of ``split`` (training indices in ``TRAIN_SEEDS``, held-out ones in ``EVAL_SEEDS``),
so the same arguments always give the same examples and the two splits never share an index.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sympy as sp

from curriculum.explain.prompt import SOLVE_INSTRUCTION
from curriculum.explain.reasoning import render_steps
from curriculum.explain.seeds import check_seed
from curriculum.solutions import solve
from curriculum.templates.render import to_latex

FAMILY = "drill"


def _int(rng: random.Random, lo: int, hi: int, *, nonzero: bool = True) -> sp.Integer:
    while True:
        n = rng.randint(lo, hi)
        if n or not nonzero:
            return sp.Integer(n)


def _dec(rng: random.Random, lo: float, hi: float, places: int) -> sp.Float:
    k = rng.randint(round(lo * 10**places), round(hi * 10**places))
    if k % 10 == 0:
        k += 1
    return sp.Float(f"{sp.Rational(k, 10**places).evalf(30):.{places}f}", 15)


def _add(*args: Any) -> sp.Expr:
    return sp.Add(*args, evaluate=False)


def _mul(*args: Any) -> sp.Expr:
    return sp.Mul(*args, evaluate=False)


def _div(a: Any, b: Any) -> sp.Expr:
    return sp.Mul(a, sp.Pow(b, -1, evaluate=False), evaluate=False)


def _signed_sum(rng: random.Random) -> tuple[sp.Expr, str]:
    a, b = _int(rng, -99, 99), _int(rng, -99, 99)
    return _add(a, b), ""


def _chain(rng: random.Random) -> tuple[sp.Expr, str]:
    return _add(*[_int(rng, -60, 60) for _ in range(rng.randint(3, 4))]), ""


def _big_sum(rng: random.Random) -> tuple[sp.Expr, str]:
    return _add(_int(rng, 10, 999), _int(rng, -999, 999)), ""


def _product(rng: random.Random) -> tuple[sp.Expr, str]:
    return _mul(_int(rng, -30, 30), _int(rng, -12, 99)), ""


def _quotient(rng: random.Random) -> tuple[sp.Expr, str]:
    b, q = _int(rng, -25, 25), _int(rng, -60, 60)
    return _div(b * q, b), ""


def _dec_sum(rng: random.Random) -> tuple[sp.Expr, str]:
    a = _dec(rng, 0.1, 60, rng.choice((1, 2)))
    b = _dec(rng, 0.1, 30, rng.choice((1, 2)))
    return (_add(a, b) if rng.random() < 0.7 else _add(a, -b)), ""


def _dec_product(rng: random.Random) -> tuple[sp.Expr, str]:
    return _mul(_dec(rng, 0.2, 9.9, 1), _dec(rng, 0.2, 9.9 if rng.random() < 0.7 else 99, 1)), ""


def _dec_quotient(rng: random.Random) -> tuple[sp.Expr, str]:
    b = _dec(rng, 0.2, 2.5, 1)
    q = _dec(rng, 1, 40, 1)
    a = sp.Float(to_latex(sp.Float(q * b, 15)), 15)
    return _div(a, b), ""


def _mixed(rng: random.Random) -> tuple[sp.Expr, str]:
    return _add(_int(rng, -50, 50), _mul(_int(rng, 2, 12), _int(rng, -12, 12))), ""


def _long_division(rng: random.Random) -> tuple[sp.Expr, str]:
    b = _int(rng, 11, 99)
    q = _int(rng, 10, 999) if rng.random() < 0.7 else _int(rng, 2, 9)
    return _div(b * q, b), ""


def _dec_times_int(rng: random.Random) -> tuple[sp.Expr, str]:
    a = _dec(rng, 0.01, 0.99, rng.choice((1, 2, 2)))
    return (_mul(a, _int(rng, 2, 250)) if rng.random() < 0.8 else _mul(_int(rng, 2, 99), a)), ""


KINDS: dict[str, Callable[[random.Random], tuple[sp.Expr, str]]] = {
    "long_division": _long_division, "dec_times_int": _dec_times_int,
    "signed_sum": _signed_sum, "chain": _chain, "big_sum": _big_sum, "product": _product,
    "quotient": _quotient, "dec_sum": _dec_sum, "dec_product": _dec_product, "dec_quotient": _dec_quotient,
    "mixed": _mixed,
}


def _fraction(rng: random.Random) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    n1, d1, n2, d2 = rng.randint(1, 11), rng.randint(2, 12), rng.randint(1, 11), rng.randint(2, 12)
    op = rng.choice("+-+-*/")
    sym = {"+": "+", "-": "-", "*": r"\cdot", "/": r"\div"}[op]
    shown = rf"\frac{{{n1}}}{{{d1}}} {sym} \frac{{{n2}}}{{{d2}}}"
    given = {"n1": sp.Integer(n1), "d1": sp.Integer(d1), "n2": sp.Integer(n2), "d2": sp.Integer(d2)}
    return f"Compute ${shown}$.", "fraction_op", given, {"op": op}


def _binomials(rng: random.Random) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    x = sp.Symbol("x")
    a, c = rng.choice((1, 1, 2, 3, -1, 4, 5)), rng.choice((1, 1, 2, 3, 5, -2))
    b, d = _int(rng, -12, 12), _int(rng, -12, 12)
    f1, f2 = a * x + b, c * x + d
    expr = sp.Mul(f1, f2, evaluate=False) if rng.random() < 0.8 else sp.Pow(f1, 2, evaluate=False)
    shown = rf"\left({to_latex(f1)}\right) \left({to_latex(f2)}\right)" if isinstance(expr, sp.Mul) \
        else rf"\left({to_latex(f1)}\right)^{{2}}"
    return f"Expand ${shown}$.", "expand", {"expression": expr}, {}


SOLVER_KINDS: dict[str, Callable[[random.Random], tuple[str, str, dict[str, Any], dict[str, Any]]]] = {
    "fraction": _fraction, "binomials": _binomials,
}


def drill_example(index: int, split: str = "train", seed: int = 0) -> dict[str, Any]:
    """Drill example number ``index`` of ``split`` (see the module docstring)."""
    check_seed(index, split)
    rng = random.Random(f"{seed}:{split}:drill:{index}")
    kind = rng.choice(sorted([*KINDS, *SOLVER_KINDS]))
    if kind in SOLVER_KINDS:
        question, method, given, params = SOLVER_KINDS[kind](rng)
        result = solve(method, given, params)
        response = render_steps(result.steps, to_latex(result.result), rng)
        return {"prompt": f"{question}\n\n{SOLVE_INSTRUCTION}", "response": response,
                "template_id": f"{FAMILY}.{kind}", "family": FAMILY, "seed": index, "kind": "solve"}
    expr, _ = KINDS[kind](rng)
    result = solve("evaluate", {"expression": expr}, {})
    prompt = f"Compute ${to_latex(expr, asis=True)}$.\n\n{SOLVE_INSTRUCTION}"
    response = render_steps(result.steps, to_latex(result.result), rng)
    return {"prompt": prompt, "response": response, "template_id": f"{FAMILY}.{kind}", "family": FAMILY,
            "seed": index, "kind": "solve"}


def drill_examples(indices: Iterable[int], split: str = "train", seed: int = 0) -> Iterator[dict[str, Any]]:
    """:func:`drill_example` for every index."""
    for i in indices:
        yield drill_example(i, split, seed)
