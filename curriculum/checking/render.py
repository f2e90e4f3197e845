"""Render a parse tree as canonical plain text or as LaTeX (no SymPy, no evaluation).

The text form is what ``CheckResult.parsed`` reports ("what we understood"); the
LaTeX form feeds the browser's "you entered ..." preview and ``teacher_to_latex``.
Both keep the student's own structure (``2/4`` stays ``2/4``), adding brackets only
where precedence needs them.
"""

from __future__ import annotations

from .tree import BinOp, Call, Const, Factorial, Group, Logic, Neg, Node, Num, Paren, Rel, Seq, Sym, Union
from .vocabulary import GREEK

_PREC = {"or": 1, "and": 2, "rel": 3, "+": 4, "-": 4, "*": 5, "/": 5, "neg": 6, "^": 7, "!": 8, "atom": 9}
_REL_LATEX = {"=": "=", "!=": r"\neq", "<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq"}
_FUNC_LATEX = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "cot": r"\cot", "sec": r"\sec", "csc": r"\csc",
    "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "sinh": r"\sinh", "cosh": r"\cosh",
    "tanh": r"\tanh", "exp": r"\exp", "ln": r"\ln", "log": r"\log", "log10": r"\log_{10}", "log2": r"\log_{2}",
}


def prec(node: Node) -> int:
    if isinstance(node, BinOp):
        return _PREC[node.op]
    if isinstance(node, Neg):
        return _PREC["neg"]
    if isinstance(node, Rel):
        return _PREC["rel"]
    if isinstance(node, Logic):
        return _PREC[node.op]
    if isinstance(node, Factorial):
        return _PREC["!"]
    if isinstance(node, (Seq, Union)):
        return 0
    return _PREC["atom"]


# ----------------------------------------------------------------------------- plain text
def to_text(node: Node) -> str:
    """Canonical plain text, e.g. ``2*x + 3*(x + 1)``; re-parses to the same tree (up to implicit ``*``)."""
    return _text(node)


def _wrap_text(node: Node, min_prec: int) -> str:
    s = _text(node)
    return f"({s})" if prec(node) < min_prec else s


def _text(n: Node) -> str:
    if isinstance(n, Num):
        return n.text
    if isinstance(n, Sym):
        return n.name
    if isinstance(n, Const):
        return n.name
    if isinstance(n, Paren):
        return f"({_text(n.arg)})"
    if isinstance(n, Call):
        return f"{n.func}(" + ", ".join(_text(a) for a in n.args) + ")"
    if isinstance(n, Neg):
        return "-" + _wrap_text(n.arg, _PREC["neg"])
    if isinstance(n, Factorial):
        return _wrap_text(n.arg, _PREC["atom"]) + "!"
    if isinstance(n, BinOp):
        p = _PREC[n.op]
        if n.op == "^":
            return f"{_wrap_text(n.left, p + 1)}^{_wrap_text(n.right, p)}"
        left = _wrap_text(n.left, p)
        right = _wrap_text(n.right, p + 1)
        if n.op in "+-":
            return f"{left} {n.op} {right}"
        return f"{left}{n.op}{right}"
    if isinstance(n, Rel):
        return f"{_wrap_text(n.left, 4)} {n.op} {_wrap_text(n.right, 4)}"
    if isinstance(n, Logic):
        p = _PREC[n.op]
        return f" {n.op} ".join(_wrap_text(a, p + 1) for a in n.args)
    if isinstance(n, Group):
        return n.open + ", ".join(_text(a) for a in n.items) + n.close
    if isinstance(n, Seq):
        return ", ".join(_text(a) for a in n.items)
    if isinstance(n, Union):
        return " U ".join(_text(a) for a in n.args)
    raise TypeError(f"unknown node {type(n).__name__}")


# ----------------------------------------------------------------------------------- LaTeX
def to_latex(node: Node) -> str:
    """LaTeX for MathJax/KaTeX, e.g. ``\\frac{1}{2} x^{2}``."""
    return _latex(node)


def _wrap_latex(node: Node, min_prec: int) -> str:
    s = _latex(node)
    return rf"\left({s}\right)" if prec(node) < min_prec else s


def _sym_latex(name: str) -> str:
    base, _, sub = name.partition("_")
    if base in GREEK:
        base = "\\" + base
    elif len(base) > 1:
        base = r"\mathrm{" + base + "}"
    return base + (f"_{{{sub}}}" if sub else "")


def _strip(n: Node) -> Node:
    while isinstance(n, Paren):
        n = n.arg
    return n


def _latex(n: Node) -> str:
    if isinstance(n, Num):
        return n.text
    if isinstance(n, Sym):
        return _sym_latex(n.name)
    if isinstance(n, Const):
        return {"pi": r"\pi", "e": "e", "i": "i", "oo": r"\infty"}[n.name]
    if isinstance(n, Paren):
        return rf"\left({_latex(n.arg)}\right)"
    if isinstance(n, Call):
        args = [_latex(_strip(a)) for a in n.args]
        if n.func == "sqrt":
            return rf"\sqrt{{{args[0]}}}"
        if n.func == "cbrt":
            return rf"\sqrt[3]{{{args[0]}}}"
        if n.func == "root":
            return rf"\sqrt[{args[1]}]{{{args[0]}}}"
        if n.func == "abs":
            return rf"\left|{args[0]}\right|"
        if n.func == "floor":
            return rf"\left\lfloor {args[0]}\right\rfloor"
        if n.func == "ceil":
            return rf"\left\lceil {args[0]}\right\rceil"
        if n.func == "factorial":
            return rf"\left({args[0]}\right)!"
        if n.func == "log" and len(args) == 2:
            return rf"\log_{{{args[1]}}}\left({args[0]}\right)"
        head = _FUNC_LATEX.get(n.func, r"\operatorname{" + n.func + "}")
        return head + r"\left(" + ", ".join(args) + r"\right)"
    if isinstance(n, Neg):
        return "-" + _wrap_latex(n.arg, _PREC["neg"])
    if isinstance(n, Factorial):
        return _wrap_latex(n.arg, _PREC["atom"]) + "!"
    if isinstance(n, BinOp):
        p = _PREC[n.op]
        if n.op == "/":
            return rf"\frac{{{_latex(_strip(n.left))}}}{{{_latex(_strip(n.right))}}}"
        if n.op == "^":
            return f"{{{_wrap_latex(n.left, p + 1)}}}^{{{_latex(_strip(n.right))}}}"
        left = _wrap_latex(n.left, p)
        right = _wrap_latex(n.right, p + 1)
        if n.op == "*":
            r = _strip(n.right)
            needs_dot = not n.implicit or isinstance(r, Num) or (isinstance(r, BinOp) and isinstance(_leftmost(r), Num))
            return f"{left} \\cdot {right}" if needs_dot else f"{left} {right}"
        return f"{left} {n.op} {right}"
    if isinstance(n, Rel):
        return f"{_wrap_latex(n.left, 4)} {_REL_LATEX[n.op]} {_wrap_latex(n.right, 4)}"
    if isinstance(n, Logic):
        word = r" \text{ or } " if n.op == "or" else r" \text{ and } "
        return word.join(_wrap_latex(a, _PREC[n.op] + 1) for a in n.args)
    if isinstance(n, Group):
        opener = {"(": r"\left(", "[": r"\left[", "{": r"\left\{"}[n.open]
        closer = {")": r"\right)", "]": r"\right]", "}": r"\right\}"}[n.close]
        return opener + ", ".join(_latex(a) for a in n.items) + closer
    if isinstance(n, Seq):
        return ", ".join(_latex(a) for a in n.items)
    if isinstance(n, Union):
        return r" \cup ".join(_latex(a) for a in n.args)
    raise TypeError(f"unknown node {type(n).__name__}")


def _leftmost(n: Node) -> Node:
    while isinstance(n, BinOp):
        n = n.left
    return n
