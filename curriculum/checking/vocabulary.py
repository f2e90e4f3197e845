"""The allow-lists: functions, constants and well-known multi-letter variable names.

This is the security map of the checker (compare STACK's ``security-map.json``): a
name is a student-usable function only if it is listed in ``FUNCTIONS``.
"""

from __future__ import annotations

#: canonical function name -> allowed argument counts.
FUNCTIONS: dict[str, tuple[int, ...]] = {
    "sin": (1,), "cos": (1,), "tan": (1,), "cot": (1,), "sec": (1,), "csc": (1,),
    "asin": (1,), "acos": (1,), "atan": (1,), "acot": (1,), "asec": (1,), "acsc": (1,),
    "sinh": (1,), "cosh": (1,), "tanh": (1,), "asinh": (1,), "acosh": (1,), "atanh": (1,),
    "exp": (1,), "ln": (1,), "log": (1, 2), "log10": (1,), "log2": (1,),
    "sqrt": (1,), "cbrt": (1,), "root": (2,),
    "abs": (1,), "sign": (1,), "floor": (1,), "ceil": (1,), "factorial": (1,),
}

#: aliases students type -> canonical name.
FUNCTION_ALIASES: dict[str, str] = {
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arccot": "acot", "arcsec": "asec", "arccsc": "acsc",
    "arsinh": "asinh", "arcosh": "acosh", "artanh": "atanh", "arcsinh": "asinh", "arccosh": "acosh",
    "arctanh": "atanh", "cosec": "csc", "ceiling": "ceil", "lg": "log10", "sgn": "sign", "tg": "tan",
}

#: constant names -> canonical constant.
CONSTANTS: dict[str, str] = {
    "pi": "pi", "e": "e", "i": "i", "oo": "oo", "inf": "oo", "infinity": "oo", "infty": "oo",
}

GREEK = frozenset(
    ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega"]
)

#: words that are syntax, never names.
KEYWORDS = frozenset({"or", "and"})

#: names used for constants of integration when a test allows one extra symbol.
INTEGRATION_CONSTANT_NAMES = ("c", "C", "k", "K", "c_1", "C_1", "A", "B", "D")


def canonical_function(name: str) -> str | None:
    """Canonical function for a typed name (case-insensitive), or ``None``."""
    low = name.lower()
    if low in FUNCTIONS:
        return low
    return FUNCTION_ALIASES.get(low)


def function_names_by_length() -> tuple[str, ...]:
    """All typed function names, longest first (for ``sinx`` -> ``sin`` prefix detection)."""
    names = set(FUNCTIONS) | set(FUNCTION_ALIASES)
    return tuple(sorted(names, key=len, reverse=True))
