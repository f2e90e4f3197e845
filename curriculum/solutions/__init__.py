"""Worked-solution generators, one module per skill family, all registered in ``SOLVERS``.

``solve(method, given, params)`` -> :class:`SolverResult`. Importing this package registers every solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from curriculum.solutions import algebra, arithmetic, calculus, functions  # noqa: F401 - registration
from curriculum.solutions.steps import SOLVERS, SolverError, SolverResult, SolverSpec, Step, WorkedSolution

__all__ = ["SOLVERS", "SolverError", "SolverResult", "SolverSpec", "Step", "WorkedSolution", "solve"]


def solve(method: str, given: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> SolverResult:
    """Run the named solver; raises :class:`SolverError` for an unknown method or missing arguments."""
    spec = SOLVERS.get(method)
    if spec is None:
        raise SolverError(f"unknown solution method '{method}' (known: {', '.join(sorted(SOLVERS))})")
    missing = [k for k in spec.required if k not in given]
    if missing:
        raise SolverError(f"solution method '{method}' needs given: {', '.join(missing)}")
    return spec.func(given, params or {})
