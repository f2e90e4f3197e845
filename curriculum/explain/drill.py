r"""Arithmetic drill examples: random integer and decimal computations in the corpus's prompt/response format.

The 141 templates repeat the same few arithmetic facts; a small model then memorizes them instead of learning
to add, subtract, multiply and divide. The drill adds many more facts: each example is a random expression
(signed sums and chains, products, exact quotients, decimal sums, products and quotients, a product inside a
sum), worked out by the curriculum's own ``evaluate`` solver (so with the same written-out arithmetic as the
templates, :mod:`curriculum.solutions.work`) and rendered with :func:`render_steps`. The prompt is
``Compute $...$.`` plus the solve instruction, as for the templates.

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


KINDS: dict[str, Callable[[random.Random], tuple[sp.Expr, str]]] = {
    "signed_sum": _signed_sum, "chain": _chain, "big_sum": _big_sum, "product": _product,
    "quotient": _quotient, "dec_sum": _dec_sum, "dec_product": _dec_product, "dec_quotient": _dec_quotient,
    "mixed": _mixed,
}


def drill_example(index: int, split: str = "train", seed: int = 0) -> dict[str, Any]:
    """Drill example number ``index`` of ``split`` (see the module docstring)."""
    check_seed(index, split)
    rng = random.Random(f"{seed}:{split}:drill:{index}")
    kind = rng.choice(sorted(KINDS))
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
