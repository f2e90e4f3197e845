"""Ordered, individually tested text-normalisation pipeline applied before tokenising.

Like STACK's numbered ``ast_filter_NNN_*``, each step is a small pure function
``str -> str`` with a stable name; ``PIPELINE`` fixes their order. Positions reported
by the parser refer to the normalised text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

#: Locales whose students write decimal commas ("1,5"); a list separator is then ";".
DECIMAL_COMMA_LOCALES = frozenset(
    ["de", "fr", "es", "it", "nl", "pt", "ru", "pl", "cs", "sk", "sl", "hr", "sr", "bg", "ro", "hu", "da", "sv", "nb", "nn", "no", "fi", "et", "lv", "lt", "tr", "uk", "el", "id", "vi"]
)

_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9",
    "⁻": "-", "⁺": "+",
}
_SUPERSCRIPT_RUN = re.compile("[" + "".join(_SUPERSCRIPTS) + "]+")

_SYMBOLS = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\ufe63": "-",
    "\uff0d": "-",
    "×": "*", "·": "*", "⋅": "*", "∙": "*", "✕": "*", "∗": "*",
    "÷": "/", "∕": "/", "⁄": "/",
    "√": " sqrt ", "∛": " cbrt ",
    "π": " pi ", "∞": " oo ",
    "≤": "<=", "⩽": "<=", "≥": ">=", "⩾": ">=", "≠": "!=",
    "∪": " ∪ ", "∨": " or ", "∧": " and ",
    "½": "(1/2)", "⅓": "(1/3)", "⅔": "(2/3)", "¼": "(1/4)", "¾": "(3/4)",
    "（": "(", "）": ")",
}
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ρ": "rho",
    "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def superscripts(text: str) -> str:
    """``x²`` -> ``x^(2)``, ``x⁻¹`` -> ``x^(-1)``."""
    return _SUPERSCRIPT_RUN.sub(lambda m: "^(" + "".join(_SUPERSCRIPTS[c] for c in m.group()) + ")", text)


def unicode_symbols(text: str) -> str:
    """Unicode minus/dashes, ×, ÷, √, π, ∞, ≤, ≥, ≠, ∪, vulgar fractions and Greek letters to ASCII names."""
    out = []
    for ch in text:
        if ch in _SYMBOLS:
            out.append(_SYMBOLS[ch])
        elif ch in _GREEK:
            out.append(" " + _GREEK[ch] + " ")
        else:
            out.append(ch)
    return "".join(out)


def compatibility_forms(text: str) -> str:
    """NFKC: full-width digits/letters and other compatibility forms to plain ones."""
    return unicodedata.normalize("NFKC", text)


def whitespace(text: str) -> str:
    """Every run of (unicode) whitespace to one space; strip the ends."""
    return _SPACES.sub(" ", text).strip()


def double_star(text: str) -> str:
    """``**`` (Python power) -> ``^``."""
    return text.replace("**", "^")


_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def decimal_comma(text: str) -> str:
    """``1,5`` -> ``1.5`` (only applied for decimal-comma locales; "1, 5" stays a list)."""
    return _DECIMAL_COMMA.sub(".", text)


def make_pipeline(locale: str) -> tuple[tuple[str, Callable[[str], str]], ...]:
    """The ordered steps for a locale ("en", "de", "fr-CH", ...)."""
    steps: list[tuple[str, Callable[[str], str]]] = [
        ("010_superscripts", superscripts),
        ("020_unicode_symbols", unicode_symbols),
        ("030_compatibility_forms", compatibility_forms),
        ("040_whitespace", whitespace),
        ("050_double_star", double_star),
    ]
    if uses_decimal_comma(locale):
        steps.append(("060_decimal_comma", decimal_comma))
    return tuple(steps)


def uses_decimal_comma(locale: str) -> bool:
    return locale.replace("_", "-").split("-")[0].lower() in DECIMAL_COMMA_LOCALES


def normalize(text: str, locale: str = "en") -> str:
    """Run the whole pipeline."""
    for _name, step in make_pipeline(locale):
        text = step(text)
    return text
