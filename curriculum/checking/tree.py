"""The allow-listed expression tree that the parser produces.

Every node is a small frozen dataclass; nothing in here imports SymPy, so the
preview path (``parse_student``) and the web process never load the CAS. Only
``build.py`` turns a tree into SymPy objects, after the cost checks.

Node kinds:
    Num(text)                 numeric literal, canonical digits ("3.50", "12"), exact value via ``value``
    Sym(name)                 a variable ("x", "x_1", "theta")
    Const(name)               "pi", "e", "i", "oo"
    Call(func, args)          allow-listed function, e.g. Call("sin", (Sym("x"),))
    Neg(arg)                  unary minus
    BinOp(op, left, right)    op in + - * / ^ ; ``implicit`` marks juxtaposition (2x)
    Factorial(arg)            postfix !
    Paren(arg)                round brackets kept for faithful printing (no meaning)
    Rel(op, left, right)      op in = != < <= > >=
    Logic(op, args)           op in "or" "and" (solution lists like "x=2 or x=-3")
    Group(open, close, items) bracketed comma list: () tuple, [] list, {} set, (] [) interval
    Seq(items)                top-level comma list without brackets ("2, -3")
    Union(args)               union of intervals/sets ("(1,2) U [3,4]")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction


class Node:
    """Base class of tree nodes."""

    __slots__ = ()

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Num(Node):
    text: str  # digits with optional single '.', no sign, no exponent, e.g. "0.50"

    @property
    def value(self) -> Fraction:
        return Fraction(self.text)

    @property
    def is_decimal(self) -> bool:
        return "." in self.text


@dataclass(frozen=True, slots=True)
class Sym(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Const(Node):
    name: str  # "pi" | "e" | "i" | "oo"


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Neg(Node):
    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    op: str  # "+", "-", "*", "/", "^"
    left: Node
    right: Node
    implicit: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Factorial(Node):
    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class Paren(Node):
    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class Rel(Node):
    op: str  # "=", "!=", "<", "<=", ">", ">="
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Logic(Node):
    op: str  # "or" | "and"
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Group(Node):
    open: str  # "(", "[", "{"
    close: str  # ")", "]", "}"
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items

    @property
    def kind(self) -> str:
        """"set", "list", "tuple" or "interval" (mixed brackets); see ``as_interval``."""
        if self.open == "{":
            return "set"
        if self.open + self.close in ("(]", "[)"):
            return "interval"
        return "list" if self.open == "[" else "tuple"

    @property
    def could_be_interval(self) -> bool:
        return self.open in "([" and self.close in ")]" and len(self.items) == 2


@dataclass(frozen=True, slots=True)
class Seq(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class Union(Node):
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


def walk(node: Node) -> Iterator[Node]:
    """Pre-order traversal (iterative, so deep trees cannot overflow the stack)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children()))


def free_symbols(node: Node) -> frozenset[str]:
    """Names of the variables used in ``node``."""
    return frozenset(n.name for n in walk(node) if isinstance(n, Sym))


def strip_parens(node: Node) -> Node:
    """Remove redundant outer ``Paren`` wrappers."""
    while isinstance(node, Paren):
        node = node.arg
    return node


def kind_of(node: Node) -> str:
    """Coarse type of an answer: "expr", "equation", "inequality", "logic", "set", "list",
    "tuple", "interval", "seq" or "union". Used for type mismatch feedback and ``SameType``."""
    node = strip_parens(node)
    if isinstance(node, Rel):
        return "equation" if node.op in ("=", "!=") else "inequality"
    if isinstance(node, Logic):
        return "logic"
    if isinstance(node, Group):
        return node.kind
    if isinstance(node, Seq):
        return "seq"
    if isinstance(node, Union):
        return "union"
    return "expr"
