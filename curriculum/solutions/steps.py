"""Worked-solution values and the registry of step generators ("solvers"), one family per module.

A solver takes the template's ``given`` values (SymPy objects built *as written*, see
``curriculum.templates.expr``) and its literal ``params`` and returns a :class:`SolverResult`: the steps
and the mathematical result, which validation compares with the template's answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from curriculum.errors import CurriculumError


class SolverError(CurriculumError):
    """A solver was given arguments it cannot work with (wrong type, not linear, no real roots, ...)."""


@dataclass(frozen=True)
class Step:
    """One line of a worked solution: ``text`` is Markdown (may hold ``$...$``), ``latex`` a display line."""

    text: str
    latex: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "latex": self.latex}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        return cls(text=str(data["text"]), latex=str(data.get("latex", "")))


@dataclass(frozen=True)
class WorkedSolution:
    """Ordered steps ending with the final answer; ``final_latex`` is that answer alone."""

    steps: tuple[Step, ...]
    final_latex: str

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [s.to_dict() for s in self.steps], "final_latex": self.final_latex}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkedSolution:
        return cls(steps=tuple(Step.from_dict(s) for s in data["steps"]), final_latex=str(data["final_latex"]))

    def as_text(self) -> str:
        """Plain Markdown rendering (one step per line), e.g. for training data or a CLI preview."""
        lines = []
        for i, step in enumerate(self.steps, 1):
            line = f"{i}. {step.text}"
            if step.latex:
                line += f" $${step.latex}$$"
            lines.append(line)
        return "\n".join(lines)


@dataclass(frozen=True)
class SolverResult:
    """What a solver returns: its steps and the result (a SymPy value) for cross-checking."""

    steps: tuple[Step, ...]
    result: Any


Solver = Callable[[Mapping[str, Any], Mapping[str, Any]], SolverResult]


@dataclass(frozen=True)
class SolverSpec:
    name: str
    func: Solver
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    doc: str = ""
    family: str = ""


SOLVERS: dict[str, SolverSpec] = {}
FAMILY_MODULES = ("arithmetic", "algebra", "functions", "calculus")


def registry() -> dict[str, SolverSpec]:
    """``SOLVERS`` after importing every family module (imported lazily to avoid an import cycle with
    ``curriculum.templates``, whose expression language the solvers use)."""
    import importlib

    for name in FAMILY_MODULES:
        importlib.import_module(f"curriculum.solutions.{name}")
    return SOLVERS


def solve(method: str, given: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> SolverResult:
    """Run the named solver; raises :class:`SolverError` for an unknown method or missing arguments."""
    spec = registry().get(method)
    if spec is None:
        raise SolverError(f"unknown solution method '{method}' (known: {', '.join(sorted(SOLVERS))})")
    missing = [k for k in spec.required if k not in given]
    if missing:
        raise SolverError(f"solution method '{method}' needs given: {', '.join(missing)}")
    return spec.func(given, params or {})


def solver(name: str, *, required: tuple[str, ...], optional: tuple[str, ...] = (),
           params: tuple[str, ...] = ()) -> Callable[[Solver], Solver]:
    """Register a step generator under ``name`` with its ``given`` argument names and ``params`` keys."""

    def register(func: Solver) -> Solver:
        if name in SOLVERS:
            raise CurriculumError(f"solver '{name}' registered twice")
        SOLVERS[name] = SolverSpec(name, func, required, optional, params, (func.__doc__ or "").strip(),
                                   func.__module__.rsplit(".", 1)[-1])
        return func

    return register


@dataclass
class StepList:
    """Small builder used inside solvers: ``s.add("Multiply", r"3 \\cdot 4 = 12")``."""

    items: list[Step] = field(default_factory=list)

    def add(self, text: str, latex: str = "") -> None:
        self.items.append(Step(text, latex))

    def done(self, result: Any) -> SolverResult:
        return SolverResult(tuple(self.items), result)
