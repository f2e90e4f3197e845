"""Printing template values: LaTeX for statements and hints, checker syntax for answers.

``to_answer(value)`` writes what a student would type (``3/4``, ``2*x^2 - 1``, ``x = 2 or x = -3``,
``{-3, 2}``, ``[1, inf)``), which is also the teacher-answer syntax of :mod:`curriculum.checking`.
``render_text("Solve ${{a*x + b = c}}$", values)`` fills ``{{ expr }}`` placeholders with LaTeX;
``{{ expr | asis }}`` keeps the expression as written (no automatic simplification), ``{{ expr | text }}``
prints checker syntax instead of LaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from curriculum.templates.expr import ExprError, evaluate

PLACEHOLDER_RE = re.compile(r"\{\{(.+?)\}\}", re.DOTALL)
FLAGS = ("asis", "text")


def format_float(value: Any) -> str:
    """A decimal without float noise: ``0.30000000000000004`` -> ``0.3``; integers lose the ``.0``."""
    text = format(float(value), ".12g")
    if "e" in text:
        text = format(sp.Float(value, 15), "f").rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "0"
    return text


class AnswerPrinter(StrPrinter):
    """SymPy -> checker/student syntax."""

    def __init__(self, asis: bool = False) -> None:
        super().__init__({"order": "none" if asis else None})

    def _print_Float(self, expr: sp.Float) -> str:
        return format_float(expr)

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Infinity(self, expr: Any) -> str:
        return "inf"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-inf"

    def _print_log(self, expr: Any) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Equality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Unequality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} != {self._print(expr.rhs)}"

    def _print_Or(self, expr: Any) -> str:
        return " or ".join(self._print(a) for a in expr.args)

    def _print_And(self, expr: Any) -> str:
        return " and ".join(self._print(a) for a in expr.args)

    def _print_FiniteSet(self, expr: Any) -> str:
        return "{" + ", ".join(self._print(a) for a in expr.args) + "}"

    def _print_EmptySet(self, expr: Any) -> str:
        return "{}"

    def _print_Interval(self, expr: Any) -> str:
        left = "(" if expr.left_open else "["
        right = ")" if expr.right_open else "]"
        return f"{left}{self._print(expr.start)}, {self._print(expr.end)}{right}"

    def _print_Union(self, expr: Any) -> str:
        return " U ".join(self._print(a) for a in expr.args)

    def _print_tuple(self, expr: Any) -> str:
        return "[" + ", ".join(self._print(a) for a in expr) + "]"

    def _print_Tuple(self, expr: Any) -> str:
        return self._print_tuple(tuple(expr))


class TemplateLatexPrinter(LatexPrinter):
    """SymPy -> LaTeX, with decimals printed without float noise and ``ln`` for natural logs."""

    def __init__(self, asis: bool = False) -> None:
        super().__init__({"order": "none" if asis else None, "ln_notation": True})

    def _print_Float(self, expr: sp.Float) -> str:
        return format_float(expr)

    def _print_Or(self, expr: Any) -> str:
        return r" \text{ or } ".join(self._print(a) for a in expr.args)

    def _print_And(self, expr: Any) -> str:
        return r" \text{ and } ".join(self._print(a) for a in expr.args)

    def _print_tuple(self, expr: Any) -> str:
        return r"\left(" + ", ".join(self._print(a) for a in expr) + r"\right)"


def to_answer(value: Any, *, asis: bool = False) -> str:
    """Checker syntax of a value; bools print as ``true``/``false``."""
    if value is True or value is sp.true:
        return "true"
    if value is False or value is sp.false:
        return "false"
    return AnswerPrinter(asis).doprint(value)


def to_latex(value: Any, *, asis: bool = False) -> str:
    """LaTeX of a value (no surrounding ``$``)."""
    if isinstance(value, str):
        return value
    return TemplateLatexPrinter(asis).doprint(value)


def split_flags(src: str) -> tuple[str, set[str]]:
    """``"a*(x+b) | asis"`` -> (``"a*(x+b)"``, ``{"asis"}``); unknown flags raise :class:`ExprError`."""
    parts = [p.strip() for p in src.split("|")]
    flags = set(parts[1:])
    bad = flags - set(FLAGS)
    if bad:
        raise ExprError(f"unknown placeholder flag '{min(bad)}' (known: {', '.join(FLAGS)})")
    return parts[0], flags


def value_of(src: str, names: Mapping[str, Any]) -> tuple[Any, set[str]]:
    """Evaluate ``expr [| flag ...]``; ``asis`` keeps the structure as written."""
    expr, flags = split_flags(src)
    return evaluate(expr, names, evaluate="asis" not in flags), flags


def render_placeholder(src: str, names: Mapping[str, Any]) -> str:
    value, flags = value_of(src, names)
    if "text" in flags:
        return to_answer(value, asis="asis" in flags)
    return to_latex(value, asis="asis" in flags)


def render_text(text: str, names: Mapping[str, Any]) -> str:
    """Fill every ``{{ expr }}`` of a Markdown/LaTeX text."""
    return PLACEHOLDER_RE.sub(lambda m: render_placeholder(m.group(1), names), text)


def placeholders(text: str) -> list[str]:
    """The expressions inside ``{{ }}`` in a text, in order."""
    return [m.group(1) for m in PLACEHOLDER_RE.finditer(text)]
