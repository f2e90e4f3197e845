"""Resource bounds applied to every student (and teacher) expression.

The parser enforces the syntactic bounds (length, depth, nodes, digits); ``build``
enforces the arithmetic ones before SymPy evaluates anything (sympy#6835 and
duplicates: ``Integer**Integer`` is evaluated eagerly, so ``9**9**9**9`` must be
refused by estimating its size first). The worker's wall-clock and memory limits are
the last line of defence, not the first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds on one expression.

    Attributes:
        max_length: characters of input after normalisation.
        max_depth: nesting depth of the parse tree (brackets, powers, calls).
        max_nodes: nodes in the parse tree.
        max_number_digits: digits in one numeric literal.
        max_result_bits: bit size (numerator + denominator) of any exact number SymPy may build.
        max_symbolic_exponent: largest |integer exponent| on a non-numeric base, e.g. ``(x+1)^n``.
        max_factorial: largest n in ``n!`` / ``factorial(n)`` evaluated exactly.
    """

    max_length: int = 1000
    max_depth: int = 40
    max_nodes: int = 400
    max_number_digits: int = 60
    max_result_bits: int = 20_000
    max_symbolic_exponent: int = 120
    max_factorial: int = 300


DEFAULT_LIMITS = Limits()
