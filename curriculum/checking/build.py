"""Tree -> SymPy, with the cost of every power estimated *before* SymPy evaluates it.

This module and ``numeric.py`` are the only places that create SymPy objects from
student input, and they do so node by node from the allow-listed tree: no strings are
ever handed to SymPy's parser. Symbols are created ``real=True`` (``positive=True`` when
a test asks for it), decimals become exact ``Rational`` values (``0.1`` is 1/10).

Raises ``BuildFailure`` (note ``TOO_LARGE`` or ``DIVISION_BY_ZERO``...) for inputs whose
value would be too large to compute or that are undefined.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .limits import DEFAULT_LIMITS, Limits
from .tree import BinOp, Call, Const, Factorial, Neg, Node, Num, Paren, Sym


class BuildFailure(Exception):
    """Internal: an expression cannot be turned into a SymPy value within the limits."""

    def __init__(self, note: str, message: str) -> None:
        super().__init__(message)
        self.note = note
        self.message = message


_FUNCS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "acot": sp.acot, "asec": sp.asec, "acsc": sp.acsc,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
    "exp": sp.exp, "ln": sp.log, "abs": sp.Abs, "sign": sp.sign, "floor": sp.floor, "ceil": sp.ceiling,
}


@lru_cache(maxsize=512)
def symbol(name: str, positive: bool = False) -> sp.Symbol:
    """The SymPy symbol for a variable name (validated by the tokenizer: ``[A-Za-z][A-Za-z0-9_]*``)."""
    return sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True)


def _bits(q: sp.Rational) -> int:
    return int(abs(q.p)).bit_length() + int(q.q).bit_length()


class Builder:
    """Converts expression nodes to SymPy. One instance per check (holds options)."""

    def __init__(self, *, limits: Limits = DEFAULT_LIMITS, positive: bool = False, evaluate: bool = True) -> None:
        self.limits = limits
        self.positive = positive
        self.evaluate = evaluate

    def __call__(self, node: Node) -> sp.Expr:
        expr = self.expr(node)
        if self.evaluate and (expr.has(sp.zoo) or expr.has(sp.nan)):
            raise BuildFailure("DIVISION_BY_ZERO", "the answer divides by zero or is undefined")
        return expr

    def expr(self, n: Node) -> sp.Expr:
        ev = self.evaluate
        if isinstance(n, Num):
            v = n.value
            return sp.Rational(v.numerator, v.denominator)
        if isinstance(n, Sym):
            return symbol(n.name, self.positive)
        if isinstance(n, Const):
            if n.name == "pi":
                return sp.pi
            if n.name == "e":
                return sp.E
            if n.name == "i":
                return sp.I
            return sp.oo
        if isinstance(n, Paren):
            return self.expr(n.arg)
        if isinstance(n, Neg):
            return sp.Mul(sp.Integer(-1), self.expr(n.arg), evaluate=ev)
        if isinstance(n, BinOp):
            a = self.expr(n.left)
            b = self.expr(n.right)
            if n.op == "+":
                return sp.Add(a, b, evaluate=ev)
            if n.op == "-":
                return sp.Add(a, sp.Mul(sp.Integer(-1), b, evaluate=ev), evaluate=ev)
            if n.op == "*":
                return sp.Mul(a, b, evaluate=ev)
            if n.op == "/":
                if ev and b == 0:
                    raise BuildFailure("DIVISION_BY_ZERO", "the answer divides by zero")
                return sp.Mul(a, self.power(b, sp.Integer(-1)), evaluate=ev)
            if n.op == "^":
                return self.power(a, b)
        if isinstance(n, Factorial):
            return self.factorial(self.expr(n.arg))
        if isinstance(n, Call):
            args = [self.expr(a) for a in n.args]
            f = n.func
            if f == "sqrt":
                return self.power(args[0], sp.Rational(1, 2))
            if f == "cbrt":
                return self.power(args[0], sp.Rational(1, 3))
            if f == "root":
                if not args[1].is_Integer or not 2 <= int(args[1]) <= 1000:
                    raise BuildFailure("BAD_ROOT", "root(x, n) needs a whole number n between 2 and 1000")
                return self.power(args[0], sp.Rational(1, int(args[1])))
            if f == "log":
                if len(args) == 2:
                    return sp.Mul(sp.log(args[0], evaluate=ev), self.power(sp.log(args[1], evaluate=ev), sp.Integer(-1)),
                                  evaluate=ev)
                return sp.log(args[0], evaluate=ev)
            if f == "log10":
                return sp.Mul(sp.log(args[0], evaluate=ev), self.power(sp.log(sp.Integer(10), evaluate=ev),
                                                                        sp.Integer(-1)), evaluate=ev)
            if f == "log2":
                return sp.Mul(sp.log(args[0], evaluate=ev), self.power(sp.log(sp.Integer(2), evaluate=ev),
                                                                        sp.Integer(-1)), evaluate=ev)
            if f == "factorial":
                return self.factorial(args[0])
            return _FUNCS[f](*args, evaluate=ev)
        raise BuildFailure("WRONG_TYPE", "this part of the answer must be an expression")

    def power(self, base: sp.Expr, exp: sp.Expr) -> sp.Expr:
        """``base**exp`` after checking that evaluating it stays within ``max_result_bits``."""
        if not self.evaluate:
            return sp.Pow(base, exp, evaluate=False)
        lim = self.limits
        if exp.is_Rational and not exp.is_Integer:
            if abs(exp.p) > 10_000 or exp.q > 10_000:
                raise BuildFailure("TOO_LARGE", "an exponent in the answer is too complicated")
        if base.is_Rational:
            if exp.is_Rational:
                if base == 0 and exp.is_negative:
                    raise BuildFailure("DIVISION_BY_ZERO", "the answer divides by zero")
                if abs(exp.p) * _bits(base) > lim.max_result_bits and abs(base) != 1:
                    raise BuildFailure("TOO_LARGE", "a number in the answer is too large to work with")
            elif exp.is_Float:
                if abs(exp) > 1e6 and abs(base) != 1:
                    raise BuildFailure("TOO_LARGE", "a number in the answer is too large to work with")
        elif exp.is_Integer:
            cap = 1000 if base.is_number else lim.max_symbolic_exponent
            if abs(int(exp)) > cap:
                raise BuildFailure("TOO_LARGE", f"exponents above {lim.max_symbolic_exponent} are not supported here")
        elif exp.is_Rational:
            if abs(exp.p) > lim.max_symbolic_exponent:
                raise BuildFailure("TOO_LARGE", f"exponents above {lim.max_symbolic_exponent} are not supported here")
        if exp.is_Rational and not exp.is_Integer and exp.q % 2 == 1 and base.is_number \
                and base.is_extended_negative:
            # real odd roots, as students (and numeric.py) read them: (-8)^(1/3) = cbrt(-8) = -2,
            # (-8)^(2/3) = 4; SymPy's principal root would make these complex
            magnitude = sp.Pow(-base, exp)
            return -magnitude if exp.p % 2 else magnitude
        return sp.Pow(base, exp)

    def factorial(self, arg: sp.Expr) -> sp.Expr:
        if arg.is_Integer:
            if arg < 0:
                raise BuildFailure("DIVISION_BY_ZERO", "factorials of negative integers are undefined")
            if arg > self.limits.max_factorial:
                raise BuildFailure("TOO_LARGE", "a factorial in the answer is too large")
        elif arg.is_number:
            raise BuildFailure("BAD_FACTORIAL", "factorials are only defined here for whole numbers")
        return sp.factorial(arg, evaluate=self.evaluate)


def build(node: Node, *, limits: Limits = DEFAULT_LIMITS, positive: bool = False, evaluate: bool = True) -> sp.Expr:
    """Convert an expression node to SymPy (see module docstring)."""
    return Builder(limits=limits, positive=positive, evaluate=evaluate)(node)
