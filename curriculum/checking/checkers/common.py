"""Helpers shared by the answer tests: result constructors, the variable option, tree rewrites."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy as sp

from ...errors import CheckerOptionsError
from ..build import symbol
from ..results import CheckResult, OptionSpec, verdict
from ..tree import (
    BinOp,
    Call,
    Factorial,
    Group,
    Logic,
    Neg,
    Node,
    Paren,
    Rel,
    Seq,
    Sym,
    Union,
    free_symbols,
    strip_parens,
)
from .registry import Context

VAR_OPTION = OptionSpec("var", (str,), None, "the variable (default: the teacher answer's only variable)")


def result(ctx: Context, ok: bool, suffix: str, feedback: str = "") -> CheckResult:
    """A valid verdict with note ``<TEST>_<suffix>``."""
    return verdict(ok, ctx.note(suffix), feedback)


def the_variable(ctx: Context) -> sp.Symbol:
    """The ``var`` option, or the teacher answer's single variable."""
    name = ctx.options.get("var")
    if name is None:
        names = free_symbols(ctx.teacher)
        names = {n for n in names if n not in ("c", "C", "k", "K")} or names
        if len(names) != 1:
            raise CheckerOptionsError(
                f"{ctx.test}: option 'var' is required when the teacher answer has {len(names)} variables"
            )
        name = next(iter(names))
    if not (isinstance(name, str) and name[:1].isalpha() and name.replace("_", "").isalnum()):
        raise CheckerOptionsError(f"{ctx.test}: option 'var' must be a variable name, not {name!r}")
    return symbol(name, bool(ctx.options.get("positive")))


def rename(node: Node, mapping: dict[str, str]) -> Node:
    """Copy of ``node`` with variables renamed (used by SubstEquiv)."""
    if isinstance(node, Sym):
        return Sym(mapping.get(node.name, node.name))
    if isinstance(node, BinOp):
        return BinOp(node.op, rename(node.left, mapping), rename(node.right, mapping), node.implicit)
    if isinstance(node, Neg):
        return Neg(rename(node.arg, mapping))
    if isinstance(node, Paren):
        return Paren(rename(node.arg, mapping))
    if isinstance(node, Factorial):
        return Factorial(rename(node.arg, mapping))
    if isinstance(node, Call):
        return Call(node.func, tuple(rename(a, mapping) for a in node.args))
    if isinstance(node, Rel):
        return Rel(node.op, rename(node.left, mapping), rename(node.right, mapping))
    if isinstance(node, Logic):
        return Logic(node.op, tuple(rename(a, mapping) for a in node.args))
    if isinstance(node, Group):
        return Group(node.open, node.close, tuple(rename(a, mapping) for a in node.items))
    if isinstance(node, Seq):
        return Seq(tuple(rename(a, mapping) for a in node.items))
    if isinstance(node, Union):
        return Union(tuple(rename(a, mapping) for a in node.args))
    return node


def product_factors(node: Node) -> list[tuple[Node, int]]:
    """Flatten an explicit product into ``(factor, sign)`` pairs: ``-2(x+1)(x-3)`` ->
    ``[(2, -1), (x+1, 1), (x-3, 1)]`` (sign -1 marks a leading minus); division by a factor
    gives sign 0 (``/``)."""
    out: list[tuple[Node, int]] = []

    def go(n: Node, sign: int) -> None:
        n = strip_parens(n)
        if isinstance(n, Neg):
            out.append((Sym("__minus__"), -1))
            go(n.arg, sign)
        elif isinstance(n, BinOp) and n.op == "*":
            go(n.left, sign)
            go(n.right, sign)
        elif isinstance(n, BinOp) and n.op == "/":
            go(n.left, sign)
            out.append((strip_parens(n.right), 0))
        else:
            out.append((n, sign))

    go(node, 1)
    return [(f, s) for f, s in out if not (isinstance(f, Sym) and f.name == "__minus__")]


def sum_terms(node: Node) -> list[Node]:
    """Flatten an explicit sum/difference into its terms (signs dropped)."""
    n = strip_parens(node)
    if isinstance(n, BinOp) and n.op in "+-":
        return sum_terms(n.left) + sum_terms(n.right)
    if isinstance(n, Neg):
        inner = strip_parens(n.arg)
        if isinstance(inner, BinOp) and inner.op in "+-":
            return [node]
        return sum_terms(n.arg)
    return [n]


def with_feedback(r: CheckResult, feedback: str) -> CheckResult:
    return replace(r, feedback=feedback)


def as_number(expr: Any) -> Any:
    """mpmath value of a constant expression, or ``None`` when it has variables / is undefined / complex."""
    from ..numeric import evaluate

    if getattr(expr, "free_symbols", None):
        return None
    v = evaluate(expr, {})
    if v is None or abs(v.imag) > 1e-20 * max(1, abs(v.real)):
        return None
    return v.real
