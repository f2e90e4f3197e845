"""The restricted expression language of templates (teacher-authored, still untrusted).

Variable definitions, derived expressions, constraints, ``{{...}}`` placeholders and worked-solution
arguments are written in a small Python-like syntax::

    a*x^2 + b*x + c        gcd(a, b) == 1 and a != b        sqrt(n)/2        x = 3

The text is parsed with :func:`ast.parse` (which never executes anything) and the tree is walked against
an allow-list: numbers, names of the template's variables and declared symbols, a fixed table of
functions, arithmetic, comparisons and ``and``/``or``/``not``. There is no attribute access, no
subscripting, no keyword arguments, no dunder name and no call of anything outside the table. Source
length, node count, integer size and exponent size are bounded, so a template cannot hang the server.

``evaluate=False`` builds the same SymPy tree without automatic simplification (``2*(x+3)`` stays a
product), which the worked-solution generators need to show the expression as written.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from curriculum.errors import CurriculumError

MAX_SOURCE_CHARS = 1000
MAX_NODES = 400
MAX_INT_DIGITS = 40
MAX_EXPONENT = 200
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class ExprError(CurriculumError):
    """A template expression is malformed, uses something not allowed, or cannot be evaluated.

    ``domain`` is True for evaluation failures that depend on the sampled values (division by zero,
    an undefined logarithm): the sampler treats those as a rejected draw, not as an authoring error.
    """

    def __init__(self, message: str, *, domain: bool = False) -> None:
        super().__init__(message)
        self.domain = domain


def _gcd(*args: Any) -> sp.Expr:
    out = sp.Integer(0)
    for a in args:
        out = sp.gcd(out, a)
    return out


def _lcm(*args: Any) -> sp.Expr:
    out = sp.Integer(1)
    for a in args:
        out = sp.lcm(out, a)
    return out


def _log(x: Any, base: Any = None) -> sp.Expr:
    return sp.log(x) if base is None else sp.log(x, base)


def _round(x: Any, places: Any = 0) -> sp.Expr:
    if not (isinstance(places, (int, sp.Integer)) and 0 <= int(places) <= MAX_ROUND_PLACES):
        raise ExprError(f"round(x, places) needs a whole number of places from 0 to {MAX_ROUND_PLACES}")
    x = sp.sympify(x)
    if not getattr(x, "is_number", False) or x.is_real is False:
        raise ExprError("round() needs a real number")
    # Exact rationals round exactly; anything else (floats, radicals, unevaluated products) is rounded from a
    # 40-digit decimal value. (nsimplify of an unevaluated rational product can return a radical monster.)
    value = x if isinstance(x, sp.Rational) else sp.Rational(str(sp.N(x, 40)))
    places = int(places)
    scaled = value * sp.Integer(10) ** places
    rounded = sp.floor(scaled + sp.Rational(1, 2)) if scaled >= 0 else -sp.floor(-scaled + sp.Rational(1, 2))
    return sp.Float(str(sp.Rational(rounded, 10**places).evalf(30)), 15) if places > 0 else sp.Integer(rounded)


def _dec(x: Any) -> sp.Float:
    """Turn an exact number into a decimal (``dec(3/4)`` -> ``0.75``)."""
    return sp.Float(sp.N(x, 15), 15)


def _subs(expr: Any, var: Any, value: Any) -> sp.Expr:
    """``expr`` with ``var`` replaced by ``value``, re-evaluated bottom-up through the same power and size
    checks as written arithmetic (plain ``subs`` would evaluate ``2**x`` at ``x = 10**40`` eagerly)."""
    if not isinstance(expr, sp.Basic):
        raise ExprError("subs() needs an expression")
    with sp.evaluate(False):
        replaced = expr.xreplace({var: value}) if isinstance(var, sp.Symbol) else expr.subs(var, value)
    return _checked_rebuild(replaced)


def _checked_rebuild(expr: Any, depth: int = 0) -> Any:
    if depth > 200:
        raise ExprError("expression nested too deeply")
    if not isinstance(expr, sp.Basic) or not expr.args or isinstance(expr, (sp.Number, sp.Symbol)):
        return expr
    args = [_checked_rebuild(a, depth + 1) for a in expr.args]
    if isinstance(expr, sp.Pow):
        _check_pow(args[0], args[1])
    return _check_size(expr.func(*args))


def _root(x: Any, n: Any, k: Any = 0) -> sp.Expr:
    if not (isinstance(n, sp.Integer) and 1 <= abs(int(n)) <= MAX_EXPONENT):
        raise ExprError(f"root(x, n) needs a whole number n with 1 <= |n| <= {MAX_EXPONENT}")
    return sp.root(x, n, k)


def _diff(f: Any, *args: Any) -> sp.Expr:
    for a in args:
        if isinstance(a, sp.Number) and not (a.is_Integer and 0 <= int(a) <= MAX_DIFF_ORDER):
            raise ExprError(f"diff(): derivative order must be a whole number up to {MAX_DIFF_ORDER}")
    return sp.diff(f, *args)


def _expand_terms(e: Any) -> float:
    """Upper estimate of the number of terms ``expand(e)`` produces (multinomial counts)."""
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
        k = len(e.base.args) if isinstance(e.base, sp.Add) else _expand_terms(e.base)
        return float(math.comb(int(e.exp) + int(k) - 1, int(k) - 1)) if k > 1 else 1.0
    if isinstance(e, sp.Mul):
        out = 1.0
        for a in e.args:
            out *= max(1.0, _expand_terms(a))
        return out
    if isinstance(e, sp.Add):
        return sum(max(1.0, _expand_terms(a)) for a in e.args)
    if isinstance(e, sp.Basic) and e.args and not isinstance(e, (sp.Number, sp.Symbol)):
        return max(max(1.0, _expand_terms(a)) for a in e.args)
    return 1.0


def _expand(e: Any) -> sp.Expr:
    if _expand_terms(e) > MAX_EXPAND_TERMS:
        raise ExprError(f"expand() would produce more than {MAX_EXPAND_TERMS} terms")
    return sp.expand(e)


def _bounded_number(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` refusing arguments whose magnitude is over 10**400 (``floor(exp(10**40))`` would need
    10**40 digits of precision)."""
    def wrapped(x: Any, *rest: Any) -> Any:
        if isinstance(x, sp.Basic) and x.is_number and not x.is_Rational:
            magnitude = sp.Abs(x).evalf(15)
            if magnitude.is_Number and magnitude > sp.Float("1e400"):
                raise ExprError(f"{name}(): the argument is too large")
        return fn(x, *rest)
    return wrapped


def _isprime(n: Any) -> sp.Basic:
    return sp.true if sp.isprime(int(n)) else sp.false


def _issquare(n: Any) -> sp.Basic:
    n = int(n)
    return sp.true if n >= 0 and math.isqrt(n) ** 2 == n else sp.false


#: name -> callable; the complete list of functions a template may call.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": sp.sqrt, "root": _root, "abs": sp.Abs, "exp": sp.exp, "log": _log, "ln": sp.log,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "gcd": _gcd, "lcm": _lcm, "floor": _bounded_number("floor", sp.floor),
    "ceiling": _bounded_number("ceiling", sp.ceiling), "min": sp.Min, "max": sp.Max,
    "numer": sp.numer, "denom": sp.denom, "expand": _expand, "factor": sp.factor, "cancel": sp.cancel,
    "together": sp.together, "apart": sp.apart, "simplify": sp.simplify, "diff": _diff,
    "integrate": sp.integrate, "subs": _subs, "round": _bounded_number("round", _round), "dec": _dec,
    "sign": sp.sign,
    "isprime": _isprime, "issquare": _issquare, "rad": lambda d: d * sp.pi / 180,
    "closed": lambda a, b: sp.Interval(a, b), "open": lambda a, b: sp.Interval.open(a, b),
    "lopen": lambda a, b: sp.Interval.Lopen(a, b), "ropen": lambda a, b: sp.Interval.Ropen(a, b),
}

#: constants a template may use without declaring them.
CONSTANTS: dict[str, sp.Basic] = {"pi": sp.pi, "e": sp.E, "E": sp.E, "oo": sp.oo, "true": sp.true,
                                  "false": sp.false}

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod)
_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
_ALLOWED_NODES = (ast.Expression, ast.IfExp, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call, ast.Name,
                  ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Set, ast.USub, ast.UAdd, ast.Not,
                  ast.And, ast.Or, *_BINOPS, *_CMPOPS)


def normalise_source(src: str) -> str:
    """Teacher syntax -> Python syntax: ``^`` is a power, a single ``=`` is an equation."""
    text = src.replace("^", "**").replace("−", "-").replace("×", "*").replace("÷", "/")
    return re.sub(r"(?<![=!<>])=(?!=)", "==", text)


def parse(src: Any) -> ast.Expression:
    """Parse and allow-list-check one expression; raise :class:`ExprError` with a readable message.

    Results are cached per source text (the tree is never mutated by the evaluator)."""
    if isinstance(src, str):
        return _parse_cached(src)
    return _parse(src)


@functools.lru_cache(maxsize=4096)
def _parse_cached(src: str) -> ast.Expression:
    return _parse(src)


def _parse(src: Any) -> ast.Expression:
    if isinstance(src, bool):
        src = "true" if src else "false"
    if isinstance(src, (int, float)):
        src = repr(src)
    if not isinstance(src, str):
        raise ExprError(f"expected an expression, got {type(src).__name__}")
    if len(src) > MAX_SOURCE_CHARS:
        raise ExprError(f"expression longer than {MAX_SOURCE_CHARS} characters")
    if "__" in src:
        raise ExprError("names with '__' are not allowed")
    if not src.strip():
        raise ExprError("empty expression")
    try:
        tree = ast.parse(normalise_source(src.strip()), mode="eval")
    except SyntaxError as exc:
        hint = ""
        if re.search(r"\d[A-Za-z(]", src):
            hint = " (write multiplication explicitly, e.g. 2*x, not 2x)"
        raise ExprError(f"syntax error in '{src}': {exc.msg}{hint}") from None
    count = 0
    for node in ast.walk(tree):
        count += 1
        if not isinstance(node, _ALLOWED_NODES):
            raise ExprError(f"'{type(node).__name__}' is not allowed in template expressions: '{src}'")
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.keywords):
            raise ExprError(f"only plain function calls like sqrt(x) are allowed: '{src}'")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in FUNCTIONS:
            raise ExprError(f"unknown function '{node.func.id}' in '{src}'")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ExprError(f"only numbers may appear as literals: '{src}'")
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and \
                len(str(abs(node.value))) > MAX_INT_DIGITS:
            raise ExprError(f"number too large in '{src}'")
    if count > MAX_NODES:
        raise ExprError(f"expression too large ({count} nodes > {MAX_NODES})")
    return tree


def names_in(src: Any) -> set[str]:
    """Every variable/symbol name an expression reads (function names excluded)."""
    tree = parse(src)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


#: largest exact number (in decimal digits, numerator plus denominator) an expression may build.
MAX_RESULT_DIGITS = 1000
#: most terms ``expand`` may produce (multinomial estimate, before expanding).
MAX_EXPAND_TERMS = 5000
#: largest derivative order ``diff`` accepts, and largest ``places`` of ``round``.
MAX_DIFF_ORDER = 20
MAX_ROUND_PLACES = 30


def _digits(q: sp.Rational) -> float:
    """Decimal digits of an exact rational (numerator and denominator)."""
    return (int(abs(q.p)).bit_length() + int(q.q).bit_length()) * math.log10(2)


def _check_pow(base: Any, exp: Any) -> None:
    """Refuse ``base**exp`` before SymPy evaluates it when the exact result would be too large.

    The estimate ``|exp| * digits(base)`` covers every rational base and rational/float exponent, so a
    reassociated tower (``((10**40)**(399/2))**(399/2)``) is refused at its second step (sympy#6835)."""
    if isinstance(exp, sp.Number) and exp.is_number:
        if abs(exp) > MAX_EXPONENT:
            raise ExprError(f"exponent {exp} too large (limit {MAX_EXPONENT})")
        if isinstance(base, sp.Rational) and abs(base) != 1 and base != 0 and \
                float(abs(exp)) * _digits(base) > 400:
            raise ExprError("power too large")
        if isinstance(exp, sp.Rational) and exp.q > MAX_EXPONENT:
            raise ExprError(f"root of order {exp.q} too large (limit {MAX_EXPONENT})")


def _check_size(value: Any) -> Any:
    """``value`` unchanged, unless it is an exact number of more than ``MAX_RESULT_DIGITS`` digits
    (products and lcm of allowed numbers can still grow; printing one would also hit Python's
    4300-digit int->str limit)."""
    if isinstance(value, sp.Rational) and _digits(value) > MAX_RESULT_DIGITS:
        raise ExprError(f"number too large (over {MAX_RESULT_DIGITS} digits)")
    return value


def _num(value: Any) -> sp.Basic:
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(repr(value), 15)
    return value


def _truth(value: Any) -> bool:
    if value is sp.true or value is True:
        return True
    if value is sp.false or value is False:
        return False
    if isinstance(value, sp.Basic) and value.is_number:
        return bool(value != 0)
    raise ExprError(f"cannot decide whether '{value}' is true")


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    if isinstance(op, (ast.In, ast.NotIn)):
        items = list(right) if isinstance(right, (tuple, list, sp.FiniteSet)) else None
        if items is None:
            raise ExprError("'in' needs a list on its right, e.g. a in [1, 2, 3]")
        found = any(_truth(_compare(ast.Eq(), left, item)) for item in items)
        return sp.true if found == isinstance(op, ast.In) else sp.false
    if any(isinstance(v, (bool, BooleanAtom)) for v in (left, right)):
        if not isinstance(op, (ast.Eq, ast.NotEq)):
            raise ExprError("true/false can only be compared with == or !=")
        same = _truth(left) == _truth(right)
        return sp.true if same == isinstance(op, ast.Eq) else sp.false
    if any(isinstance(v, tuple) for v in (left, right)):
        raise ExprError("lists can only be used with 'in'")
    symbolic = any(isinstance(v, sp.Basic) and v.free_symbols for v in (left, right))
    if isinstance(op, (ast.Eq, ast.NotEq)):
        if symbolic:
            if isinstance(op, ast.Eq):
                return sp.Eq(left, right, evaluate=False)
            diff = sp.simplify(left - right)
            return sp.true if diff != 0 else sp.false
        if isinstance(left, sp.Number) and isinstance(right, sp.Number):
            equal = bool(left == right) if not (isinstance(left, sp.Float) or isinstance(right, sp.Float)) \
                else abs(float(left) - float(right)) <= 1e-12 * max(1.0, abs(float(right)))
        else:
            equal = sp.simplify(left - right) == 0 if isinstance(left, sp.Basic) else left == right
        return sp.true if equal == isinstance(op, ast.Eq) else sp.false
    rel = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}[type(op)]
    if symbolic:
        return rel(left, right, evaluate=False)
    try:
        return sp.true if bool(rel(left, right)) else sp.false
    except TypeError:
        raise ExprError(f"cannot compare {left} and {right}", domain=True) from None


class _Evaluator:
    def __init__(self, names: Mapping[str, Any], evaluate: bool) -> None:
        self.names = names
        self.evaluate = evaluate

    def run(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return self.run(node.body)
        if isinstance(node, ast.Constant):
            return _num(node.value)
        if isinstance(node, ast.IfExp):
            return self.run(node.body) if _truth(self.run(node.test)) else self.run(node.orelse)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise ExprError(f"unknown variable '{node.id}'")
        if isinstance(node, (ast.List, ast.Tuple)):
            return tuple(self.run(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return sp.FiniteSet(*(self.run(e) for e in node.elts))
        if isinstance(node, ast.UnaryOp):
            value = self.run(node.operand)
            if isinstance(node.op, ast.Not):
                return sp.false if _truth(value) else sp.true
            if isinstance(node.op, ast.USub):
                if not self.evaluate and not isinstance(value, sp.Number):
                    return sp.Mul(-1, value, evaluate=False)
                return -value
            return value
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            values = [self.run(sub) for sub in node.values]
            if any(isinstance(v, sp.Basic) and v.free_symbols for v in values):
                return (sp.And if is_and else sp.Or)(*values, evaluate=False)
            for value in values:
                if _truth(value) != is_and:
                    return sp.false if is_and else sp.true
            return sp.true if is_and else sp.false
        if isinstance(node, ast.Compare):
            left = self.run(node.left)
            result: Any = sp.true
            for op, comp in zip(node.ops, node.comparators):
                right = self.run(comp)
                result = _compare(op, left, right)
                if len(node.ops) > 1 and not _truth(result):
                    return sp.false
                left = right
            return result
        if isinstance(node, ast.BinOp):
            return _check_size(self._binop(node.op, self.run(node.left), self.run(node.right)))
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            args = [self.run(a) for a in node.args]
            try:
                return _check_size(FUNCTIONS[node.func.id](*args))
            except ExprError:
                raise
            except (TypeError, ValueError, ZeroDivisionError, NotImplementedError,
                    sp.PolynomialError) as exc:
                raise ExprError(f"{node.func.id}(): {exc}", domain=True) from None
            except RecursionError:
                raise
            except Exception as exc:  # noqa: BLE001 - SymPy on arguments it does not support: sin(x == 1)
                raise ExprError(f"{node.func.id}() cannot be applied to these arguments "
                                f"({type(exc).__name__})") from None
        raise ExprError(f"'{type(node).__name__}' is not allowed")

    def _binop(self, op: ast.operator, left: Any, right: Any) -> Any:
        for v in (left, right):
            if isinstance(v, (tuple, sp.FiniteSet)) or not isinstance(v, sp.Basic):
                raise ExprError("arithmetic on a list or set is not allowed")
        ev = self.evaluate
        if not ev:
            tidy = _tidy(op, left, right)
            if tidy is not None:
                return tidy
        if isinstance(op, ast.Add):
            return left + right if ev else sp.Add(*_flat(sp.Add, left), right, evaluate=False)
        if isinstance(op, ast.Sub):
            if ev:
                return left - right
            return sp.Add(*_flat(sp.Add, left), _negate(right), evaluate=False)
        if isinstance(op, ast.Mult):
            return left * right if ev else sp.Mul(*_flat(sp.Mul, left), right, evaluate=False)
        if isinstance(op, ast.Div):
            if right == 0:
                raise ExprError("division by zero", domain=True)
            if ev:
                return left / right
            return sp.Mul(left, sp.Pow(right, -1, evaluate=False), evaluate=False)
        if isinstance(op, ast.Pow):
            _check_pow(left, right)
            if left == 0 and isinstance(right, sp.Number) and right < 0:
                raise ExprError("division by zero", domain=True)
            return left**right if ev else sp.Pow(left, right, evaluate=False)
        if isinstance(op, ast.Mod):
            if right == 0:
                raise ExprError("modulo by zero", domain=True)
            return sp.Mod(left, right)
        raise ExprError(f"operator {type(op).__name__} not allowed")


def _flat(kind: type, value: Any) -> tuple[Any, ...]:
    """Arguments to splice into an unevaluated ``kind`` node (left-nested sums/products are flattened)."""
    return tuple(value.args) if isinstance(value, kind) else (value,)


def _negate(value: Any) -> Any:
    """``-value`` kept as written: numbers flip sign, ``3*y`` becomes ``-3*y``, else ``-1*value``."""
    if isinstance(value, sp.Number):
        return -value
    if isinstance(value, sp.Mul) and value.args and isinstance(value.args[0], sp.Number) and \
            not all(isinstance(a, sp.Number) for a in value.args):
        first = -value.args[0]
        rest = value.args[1:]
        return sp.Mul(first, *rest, evaluate=False) if first != 1 else (
            rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False))
    return sp.Mul(-1, value, evaluate=False)


def _tidy(op: ast.operator, left: Any, right: Any) -> Any:
    """Light clean-up for structure-preserving trees: drop ``1*``, ``+ 0``, ``^1``; fold ``-1*y``."""
    if isinstance(op, ast.Mult):
        if left == 1:
            return right
        if right == 1:
            return left
        if left == -1 and not isinstance(right, sp.Number):
            return sp.Mul(-1, right, evaluate=False)
    if isinstance(op, ast.Add):
        if right == 0:
            return left
        if left == 0:
            return right
    if isinstance(op, ast.Sub) and right == 0:
        return left
    if isinstance(op, ast.Pow) and right == 1:
        return left
    return None


def evaluate(src: Any, names: Mapping[str, Any], *, evaluate: bool = True) -> Any:
    """Evaluate a template expression with the given variable values / symbols.

    Returns a SymPy object (number, expression, relational, boolean, FiniteSet) or a tuple for lists.
    Raises :class:`ExprError` on anything not allowed; ``domain=True`` marks value-dependent failures.
    """
    tree = parse(src)
    try:
        value = _Evaluator(names, evaluate).run(tree)
    except RecursionError:
        raise ExprError("expression nested too deeply") from None
    except ValueError as exc:  # e.g. Python's int->str digit limit inside SymPy: an authoring error
        raise ExprError(f"cannot evaluate '{str(src)[:80]}': {exc}") from None
    if isinstance(value, sp.Basic) and value.has(sp.zoo, sp.nan):
        raise ExprError(f"'{src}' is undefined for these values", domain=True)
    return value


def truth(src: Any, names: Mapping[str, Any]) -> bool:
    """Evaluate a constraint such as ``gcd(a, b) == 1 and a != b`` to a Python bool."""
    return _truth(evaluate(src, names))


def rebuild(func: Any, args: list[Any] | tuple[Any, ...]) -> Any:
    """``func(*args)`` without evaluation, but printable: a numeric product with a negative first factor
    (which SymPy's printers would show as ``- -6``) is kept as ``-1 * (6 ...)``; ``-1 * number`` folds."""
    args = list(args)
    if func is sp.Mul and all(isinstance(a, sp.Number) for a in args):
        if len(args) == 2 and sp.Integer(-1) in args:
            return args[0] * args[1]
        if args[0] < 0:
            return sp.Mul(-1, sp.Mul(-args[0], *args[1:], evaluate=False), evaluate=False)
    return func(*args, evaluate=False)


def reevaluate(expr: Any) -> Any:
    """Rebuild an ``evaluate=False`` tree with normal SymPy evaluation (``2*(x+3)`` -> ``2*x + 6``)."""
    if isinstance(expr, tuple):
        return tuple(reevaluate(e) for e in expr)
    if not isinstance(expr, sp.Basic) or not expr.args or isinstance(expr, (sp.Number, sp.Symbol)):
        return expr
    return expr.func(*[reevaluate(a) for a in expr.args])
