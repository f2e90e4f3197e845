"""The only entry point from text to an expression tree: a bounded, allow-listed parser.

No ``eval``, no ``sympify``, no ``parse_expr``: a hand-written precedence-climbing
parser turns tokens into the ``tree`` nodes, resolving every name against the
allow-lists (``vocabulary``) and the set of variables the student may use. It
bounds length, depth and node count, and reports problems as ``ParseFailure`` with a
stable note and a message that points at the problem.

Grammar (lowest to highest precedence)::

    top      := item ((',' | ';') item)*            -> Seq when more than one item
    item     := union
    union    := disj (('∪' | 'U') disj)*            -> Union (U only between brackets)
    disj     := conj ('or' conj)*                    -> Logic("or")
    conj     := rel ('and' rel)*                     -> Logic("and")
    rel      := sum (relop sum)*                     -> Rel; a<x<b -> Logic("and")
    sum      := product (('+' | '-') product)*
    product  := unary (('*' | '/' | <juxtaposition>) power)*
    unary    := ('-' | '+') unary | power
    power    := postfix ('^' unary)?                 (right associative)
    postfix  := primary '!'*
    primary  := number | name | call | '(' top ')' | '[' items ']' | '{' items '}' | '|' sum '|'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .limits import DEFAULT_LIMITS, Limits
from .normalize import normalize, uses_decimal_comma
from .tokenize import ParseFailure, Token, tokenize
from .tree import (
    BinOp,
    Call,
    Const,
    Factorial,
    Group,
    Logic,
    Neg,
    Node,
    Num,
    Paren,
    Rel,
    Seq,
    Sym,
    Union,
    free_symbols,
)
from .vocabulary import CONSTANTS, FUNCTIONS, GREEK, KEYWORDS, canonical_function, function_names_by_length

__all__ = ["ParseFailure", "Parsed", "parse", "parse_text"]

_RELOPS = ("=", "!=", "<", "<=", ">", ">=")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_FUNCTION_PREFIXES = function_names_by_length()


@dataclass(frozen=True)
class Parsed:
    """A successfully parsed entry.

    Attributes:
        tree: the root node.
        text: the normalised source text.
        warnings: stable codes of accepted-but-notable input.
        symbols: variable names used (sorted).
    """

    tree: Node
    text: str
    warnings: tuple[str, ...]
    symbols: tuple[str, ...]


def parse(
    source: str,
    *,
    input_format: str = "text",
    locale: str = "en",
    allowed_symbols: Iterable[str] | None = None,
    trusted: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Parsed:
    """Parse typed text or MathLive LaTeX into an allow-listed tree.

    Args:
        source: the raw entry.
        input_format: ``"text"`` or ``"latex"``.
        locale: decides decimal commas (``"de"``: ``1,5`` is 1.5 and ``;`` separates list items).
        allowed_symbols: variable names the student may use; ``None`` accepts any name
            (multi-letter unknown names are then read as products of letters, ``xy`` = ``x*y``).
        trusted: teacher/template mode: every non-function name is a variable, never split.
        limits: size bounds.

    Raises:
        ParseFailure: with ``note``/``message``/``position`` when the entry is not acceptable.
    """
    if not isinstance(source, str):
        raise ParseFailure("PARSE_NOT_TEXT", "the answer must be text")
    if input_format not in ("text", "latex"):
        raise ValueError(f"input_format must be 'text' or 'latex', not {input_format!r}")
    if len(source) > limits.max_length * 4:
        raise ParseFailure("PARSE_TOO_LONG", f"the answer is too long (at most {limits.max_length} characters)")
    try:
        return _parse_bounded(source, input_format, locale, allowed_symbols, trusted, limits)
    except RecursionError:
        # every recursive step is depth-counted; this is the safety net for any path that is not
        raise ParseFailure("PARSE_TOO_DEEP", "the answer is nested too deeply") from None


def _parse_bounded(source: str, input_format: str, locale: str, allowed_symbols: Iterable[str] | None,
                   trusted: bool, limits: Limits) -> Parsed:
    if input_format == "latex":
        from .latex_input import latex_to_text

        source = latex_to_text(source, limits)
    text = normalize(source, locale)
    if not text:
        raise ParseFailure("PARSE_EMPTY", "please enter an answer")
    if len(text) > limits.max_length:
        raise ParseFailure("PARSE_TOO_LONG", f"the answer is too long (at most {limits.max_length} characters)")
    tokens = tokenize(text, limits)
    parser = _Parser(
        tokens,
        text,
        allowed=None if allowed_symbols is None else frozenset(allowed_symbols),
        trusted=trusted,
        limits=limits,
        list_separators=(";",) if uses_decimal_comma(locale) else (",", ";"),
    )
    tree = parser.parse_top()
    return Parsed(tree=tree, text=text, warnings=tuple(dict.fromkeys(parser.warnings)),
                  symbols=tuple(sorted(free_symbols(tree))))


def parse_text(source: str, **kwargs: object) -> Node:
    """Convenience: ``parse(...).tree``."""
    return parse(source, **kwargs).tree  # type: ignore[arg-type]


class _Parser:
    def __init__(
        self,
        tokens: list[Token],
        text: str,
        *,
        allowed: frozenset[str] | None,
        trusted: bool,
        limits: Limits,
        list_separators: tuple[str, ...],
    ) -> None:
        self.toks = tokens
        self.text = text
        self.i = 0
        self.allowed = allowed
        self.trusted = trusted
        self.limits = limits
        self.seps = list_separators
        self.depth = 0
        self.nodes = 0
        self.abs_depth = 0
        self.warnings: list[str] = []

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def at_op(self, *ops: str) -> bool:
        t = self.tok
        return t.kind == "op" and t.text in ops

    def advance(self) -> Token:
        t = self.toks[self.i]
        if self.i < len(self.toks) - 1:
            self.i += 1
        return t

    def fail(self, note: str, message: str, pos: int | None = None) -> ParseFailure:
        return ParseFailure(note, message, self.tok.pos if pos is None else pos)

    def node(self, n: Node) -> Node:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self.fail("PARSE_TOO_COMPLEX", "the answer is too long or complicated")
        return n

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise self.fail("PARSE_TOO_DEEP", "the answer is nested too deeply")

    def leave(self) -> None:
        self.depth -= 1

    # -- grammar ---------------------------------------------------------------------------
    def parse_top(self) -> Node:
        items = [self.parse_item()]
        while self.at_op(*self.seps):
            self.advance()
            items.append(self.parse_item())
        t = self.tok
        if t.kind != "end":
            if t.kind == "op" and t.text in ")]}":
                raise self.fail("PARSE_UNEXPECTED_CLOSE", f"there is a '{t.text}' without a matching opening bracket")
            if t.kind == "op" and t.text == "|":
                raise self.fail("PARSE_UNMATCHED_BAR", "there is an unmatched '|'")
            if t.kind == "op" and t.text == "," and "," not in self.seps:
                raise self.fail("PARSE_BAD_SEPARATOR", "use ';' to separate answers (',' is the decimal comma)")
            raise self.fail("PARSE_UNEXPECTED", f"unexpected '{t.text}'")
        return items[0] if len(items) == 1 else self.node(Seq(tuple(items)))

    def parse_item(self) -> Node:
        return self.parse_union()

    def parse_union(self) -> Node:
        left = self.parse_disj()
        args = [left]
        while True:
            t = self.tok
            if t.kind == "op" and t.text == "∪" or (t.kind == "name" and t.text == "U" and isinstance(args[-1], (Group, Paren))
                  and self.peek().kind == "op" and self.peek().text in "([{"):
                self.advance()
            else:
                break
            args.append(self.parse_disj())
        return args[0] if len(args) == 1 else self.node(Union(tuple(args)))

    def parse_disj(self) -> Node:
        args = [self.parse_conj()]
        while self.tok.kind == "name" and self.tok.text == "or":
            self.advance()
            args.append(self.parse_conj())
        return args[0] if len(args) == 1 else self.node(Logic("or", tuple(args)))

    def parse_conj(self) -> Node:
        args = [self.parse_rel()]
        while self.tok.kind == "name" and self.tok.text == "and":
            self.advance()
            args.append(self.parse_rel())
        return args[0] if len(args) == 1 else self.node(Logic("and", tuple(args)))

    def parse_rel(self) -> Node:
        first = self.parse_sum()
        operands = [first]
        ops: list[str] = []
        while self.at_op(*_RELOPS):
            ops.append(self.advance().text)
            operands.append(self.parse_sum())
        if not ops:
            return first
        if len(ops) == 1:
            return self.node(Rel(ops[0], operands[0], operands[1]))
        directions = {"<": 1, "<=": 1, ">": -1, ">=": -1}
        if any(op not in directions for op in ops) or len({directions[o] for o in ops}) != 1:
            raise self.fail("PARSE_CHAINED_RELATION", "write one relation at a time, e.g. 'x = 2 or x = 3'")
        rels = tuple(self.node(Rel(op, operands[k], operands[k + 1])) for k, op in enumerate(ops))
        return self.node(Logic("and", rels))

    def parse_sum(self) -> Node:
        left = self.parse_product()
        while self.at_op("+", "-"):
            op = self.advance().text
            right = self.parse_product()
            left = self.node(BinOp(op, left, right))
        return left

    def starts_operand(self) -> bool:
        t = self.tok
        if t.kind == "num":
            return True
        if t.kind == "name":
            if t.text in KEYWORDS:
                return False
            if t.text == "U" and self.peek().kind == "op" and self.peek().text in "([":
                return self.allowed is not None and "U" in self.allowed
            return True
        if t.kind == "op":
            if t.text == "(":
                return True
            if t.text == "|":
                return self.abs_depth == 0
        return False

    def parse_product(self) -> Node:
        left = self.parse_unary()
        while True:
            if self.at_op("*", "/"):
                op = self.advance().text
                if self.at_op("*", "/"):
                    raise self.fail("PARSE_DOUBLE_OPERATOR", f"'{op}{self.tok.text}' is not valid")
                right = self.parse_unary()
                if op == "/" and self.starts_operand() and not self.at_op("("):
                    self.warnings.append("PARSE_AMBIGUOUS_DIVISION")
                left = self.node(BinOp(op, left, right))
            elif self.starts_operand():
                if self.tok.kind == "num" and isinstance(_last_factor(left), Num):
                    raise self.fail("PARSE_NUMBER_NUMBER", "two numbers next to each other: add an operator")
                right = self.parse_power()
                left = self.node(BinOp("*", left, right, implicit=True))
            else:
                return left

    def parse_unary(self) -> Node:
        if self.at_op("-", "+"):
            op = self.advance().text
            if self.at_op("-", "+", "*", "/", "^"):
                if op == "-" and self.at_op("-"):
                    pass  # "--x" is allowed: it is -(-x)
                else:
                    raise self.fail("PARSE_DOUBLE_OPERATOR", f"'{op}{self.tok.text}' is not valid")
            self.enter()
            arg = self.parse_unary()
            self.leave()
            return self.node(Neg(arg)) if op == "-" else arg
        return self.parse_power()

    def parse_power(self) -> Node:
        base = self.parse_postfix()
        if self.at_op("^"):
            self.advance()
            self.enter()
            if self.tok.kind == "end":
                raise self.fail("PARSE_MISSING_OPERAND", "'^' needs an exponent")
            exponent = self.parse_unary()
            self.leave()
            return self.node(BinOp("^", base, exponent))
        return base

    def parse_postfix(self) -> Node:
        node = self.parse_primary()
        while self.at_op("!"):
            self.advance()
            node = self.node(Factorial(node))
        return node

    def parse_primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.advance()
            return self.node(Num(t.text))
        if t.kind == "name":
            if t.text in KEYWORDS:
                raise self.fail("PARSE_MISSING_OPERAND", f"'{t.text}' needs something before it")
            return self.parse_name()
        if t.kind == "op":
            if t.text in "([{":
                return self.parse_group()
            if t.text == "|":
                return self.parse_abs()
            if t.text in ")]}":
                if self.depth == 0:
                    raise self.fail("PARSE_UNEXPECTED_CLOSE", f"there is a '{t.text}' without a matching opening bracket")
                raise self.fail("PARSE_MISSING_OPERAND", f"something is missing before '{t.text}'")
        if t.kind == "end":
            if self.i == 0:
                raise self.fail("PARSE_EMPTY", "please enter an answer")
            prev = self.toks[self.i - 1].text
            raise self.fail("PARSE_MISSING_OPERAND", f"the answer ends with '{prev}': something is missing")
        if t.text in "=<>" or t.text in ("<=", ">=", "!="):
            raise self.fail("PARSE_MISSING_OPERAND", f"something is missing before '{t.text}'")
        raise self.fail("PARSE_MISSING_OPERAND", f"something is missing before '{t.text}'")

    # -- brackets --------------------------------------------------------------------------
    def parse_group(self) -> Node:
        open_tok = self.advance()
        opener = open_tok.text
        self.enter()
        items: list[Node] = []
        saved_abs, self.abs_depth = self.abs_depth, 0
        if not (self.tok.kind == "op" and self.tok.text in ")]}"):
            items.append(self.parse_item())
            while self.at_op(*self.seps):
                self.advance()
                items.append(self.parse_item())
        self.abs_depth = saved_abs
        t = self.tok
        if t.kind == "end" or not (t.kind == "op" and t.text in ")]}"):
            want = _CLOSERS[opener]
            name = {")": "parenthesis", "]": "bracket", "}": "brace"}[want]
            if t.kind == "end":
                raise ParseFailure(
                    "PARSE_MISSING_CLOSE_PAREN",
                    f"missing closing {name} '{want}' for the '{opener}' at position {open_tok.pos + 1}",
                    open_tok.pos,
                )
            if t.kind == "op" and t.text == "," and "," not in self.seps:
                raise self.fail("PARSE_BAD_SEPARATOR", "use ';' to separate items (',' is the decimal comma)")
            raise self.fail("PARSE_UNEXPECTED", f"unexpected '{t.text}' inside brackets")
        closer = self.advance().text
        self.leave()
        mixed = opener + closer in ("(]", "[)")
        if closer != _CLOSERS[opener] and not (mixed and len(items) == 2):
            raise ParseFailure(
                "PARSE_MISMATCHED_BRACKETS", f"the '{opener}' at position {open_tok.pos + 1} is closed by '{closer}'",
                open_tok.pos,
            )
        if opener == "(" and closer == ")" and len(items) == 1:
            return self.node(Paren(items[0]))
        if opener == "(" and closer == ")" and not items:
            raise ParseFailure("PARSE_EMPTY_BRACKETS", "empty brackets '()'", open_tok.pos)
        return self.node(Group(opener, closer, tuple(items)))

    def parse_abs(self) -> Node:
        open_tok = self.advance()
        self.enter()
        self.abs_depth += 1
        if self.at_op("|"):
            raise self.fail("PARSE_EMPTY_BRACKETS", "empty absolute value '||'")
        inner = self.parse_sum()
        self.abs_depth -= 1
        if not self.at_op("|"):
            raise ParseFailure("PARSE_MISSING_CLOSE_BAR", f"missing closing '|' for the '|' at position {open_tok.pos + 1}",
                               open_tok.pos)
        self.advance()
        self.leave()
        return self.node(Call("abs", (inner,)))

    # -- names -----------------------------------------------------------------------------
    def parse_name(self) -> Node:
        t = self.advance()
        name = t.text
        func = canonical_function(name)
        if func is not None and not self.is_variable(name):
            if name not in FUNCTIONS and name.lower() in FUNCTIONS:
                self.warnings.append("PARSE_FUNCTION_CASE")
            return self.parse_call(func, t)
        const = CONSTANTS.get(name) or (CONSTANTS.get(name.lower()) if name.lower() in ("pi", "oo", "inf", "infinity") else None)
        if const is not None and not self.is_variable(name):
            return self.node(Const(const))
        if self.trusted or self.is_variable(name):
            return self.node(Sym(name))
        return self.resolve_unknown(name, t)

    def is_variable(self, name: str) -> bool:
        return self.allowed is not None and name in self.allowed

    def resolve_unknown(self, name: str, t: Token) -> Node:
        allowed = self.allowed
        followed_by_paren = self.at_op("(")
        # 1. a function name glued to its argument: "sinx", "lnx", "sin2x"
        for f in _FUNCTION_PREFIXES:
            if name.lower().startswith(f) and len(name) > len(f):
                rest = name[len(f):]
                if self.splits(rest) is not None or rest.isdigit():
                    raise ParseFailure(
                        "PARSE_UNKNOWN_FUNCTION",
                        f"unknown function '{name}'; did you mean {f}({rest})?",
                        t.pos,
                    )
        # 2. wrong case of an allowed variable
        if allowed is not None:
            for a in sorted(allowed):
                if a.lower() == name.lower():
                    raise ParseFailure(
                        "PARSE_WRONG_CASE",
                        f"unknown variable '{name}'; did you mean '{a}'? (letters are case-sensitive)",
                        t.pos,
                    )
            # 3. x1 for x_1
            if name[-1].isdigit():
                k = len(name.rstrip("0123456789"))
                sub = name[:k] + "_" + name[k:]
                if k and sub in allowed:
                    self.warnings.append("PARSE_SUBSCRIPT_WITHOUT_UNDERSCORE")
                    return self.node(Sym(sub))
        # 4. juxtaposed variables: "xy" -> x*y
        parts = self.splits(name)
        if parts is not None and len(parts) > 1 and name not in GREEK:
            self.warnings.append("PARSE_IMPLICIT_PRODUCT_OF_NAMES")
            nodes = [self.node(p) for p in parts]
            out = nodes[0]
            for p in nodes[1:]:
                out = self.node(BinOp("*", out, p, implicit=True))
            return out
        if allowed is None:
            return self.node(Sym(name))
        if followed_by_paren:
            raise ParseFailure("PARSE_UNKNOWN_FUNCTION", f"unknown function '{name}'", t.pos)
        hint = ""
        if allowed and len(allowed) <= 6:
            hint = "; use " + ", ".join(sorted(allowed))
        raise ParseFailure("PARSE_UNKNOWN_SYMBOL", f"unknown variable '{name}'{hint}", t.pos)

    def splits(self, name: str) -> list[Node] | None:
        """Split ``name`` into a product of allowed variables/constants, longest match first."""
        if not name:
            return None
        if self.allowed is None:
            if name.isalpha() and name not in GREEK:
                return [Const(CONSTANTS[c]) if c in ("e", "i") else Sym(c) for c in name]
            return None
        vocab = set(self.allowed) | {"pi", "e"}
        out: list[Node] = []
        pos = 0
        while pos < len(name):
            for end in range(len(name), pos, -1):
                piece = name[pos:end]
                if piece in vocab:
                    out.append(Sym(piece) if piece in self.allowed else Const(CONSTANTS[piece]))
                    pos = end
                    break
            else:
                if name[pos:].isdigit() and out:
                    out.append(Num(name[pos:]))
                    pos = len(name)
                else:
                    return None
        return out

    def parse_call(self, func: str, name_tok: Token) -> Node:
        arities = FUNCTIONS[func]
        power: Node | None = None
        if self.at_op("^"):
            # sin^2(x) -> sin(x)^2
            self.advance()
            if self.tok.kind != "num":
                raise self.fail("PARSE_FUNCTION_POWER", f"write {func}(x)^n instead of {func}^n(x)")
            power = self.node(Num(self.advance().text))
        if self.at_op("("):
            open_tok = self.advance()
            self.enter()
            saved_abs, self.abs_depth = self.abs_depth, 0
            args: list[Node] = []
            if self.at_op(")"):
                raise self.fail("PARSE_MISSING_ARGUMENT", f"{func}() needs an argument")
            args.append(self.parse_item())
            while self.at_op(","):
                self.advance()
                args.append(self.parse_item())
            self.abs_depth = saved_abs
            if not self.at_op(")"):
                if self.tok.kind == "end":
                    raise ParseFailure(
                        "PARSE_MISSING_CLOSE_PAREN",
                        f"missing closing parenthesis ')' for the '(' at position {open_tok.pos + 1}",
                        open_tok.pos,
                    )
                raise self.fail("PARSE_UNEXPECTED", f"unexpected '{self.tok.text}' in the arguments of {func}")
            self.advance()
            self.leave()
        else:
            if not self.starts_operand() or self.tok.kind == "op" and self.tok.text == "|":
                if self.tok.kind == "op" and self.tok.text == "|":
                    pass
                else:
                    raise ParseFailure("PARSE_MISSING_ARGUMENT", f"{func} needs an argument, e.g. {func}(x)", name_tok.pos)
            self.warnings.append("PARSE_FUNCTION_WITHOUT_PARENS")
            args = [self.parse_bare_argument()]
        if len(args) not in arities:
            want = " or ".join(str(a) for a in arities)
            raise ParseFailure("PARSE_WRONG_ARITY", f"{func} takes {want} argument(s), not {len(args)}", name_tok.pos)
        call = self.node(Call(func, tuple(args)))
        if power is not None:
            call = self.node(BinOp("^", call, power))
        return call

    def parse_bare_argument(self) -> Node:
        """Argument of a function written without brackets: ``sin 2x`` -> sin(2*x), stopping at the
        next function name or explicit operator (``sin x cos x`` -> sin(x)*cos(x))."""
        self.enter()
        arg = self.parse_power()
        while self.starts_operand() and not (self.tok.kind == "name" and canonical_function(self.tok.text)
                                              and not self.is_variable(self.tok.text)):
            if self.tok.kind == "op" and self.tok.text == "(":
                break
            arg = self.node(BinOp("*", arg, self.parse_power(), implicit=True))
        self.leave()
        return arg


def _last_factor(node: Node) -> Node:
    while isinstance(node, BinOp) and node.op in "*/" :
        node = node.right
    return node
