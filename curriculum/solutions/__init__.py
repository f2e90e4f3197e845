"""Worked-solution generators, one module per skill family, all registered in ``SOLVERS``.

``solve(method, given, params)`` -> :class:`SolverResult`. Families: ``arithmetic`` (order of operations,
fractions, percent, ratios, roots), ``algebra`` (linear equations, systems, polynomials, factoring,
quadratics, rational expressions, functions, lines, exponent laws), ``functions`` (exponentials,
logarithms, trigonometry), ``calculus`` (derivatives with named rules, integrals).
"""

from __future__ import annotations

from curriculum.solutions.steps import (
                                        SOLVERS,
                                        SolverError,
                                        SolverResult,
                                        SolverSpec,
                                        Step,
                                        WorkedSolution,
                                        registry,
                                        solve,
)

registry()

__all__ = ["SOLVERS", "SolverError", "SolverResult", "SolverSpec", "Step", "WorkedSolution", "registry",
           "solve"]
