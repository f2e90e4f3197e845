"""Frozen values of the template layer: templates as parsed, instances as instantiated, issues."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from curriculum.errors import CurriculumError
from curriculum.solutions.steps import WorkedSolution

#: input widgets the web app knows how to show.
INPUT_KINDS = ("expression", "number", "equation", "inequality", "set", "interval", "system")


@dataclass(frozen=True, order=True)
class TemplateIssue:
    """One authoring problem: 1-based ``line`` of the YAML source, the ``field`` path, a message."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}" if self.field else \
            f"line {self.line}: {self.message}"


class TemplateError(CurriculumError):
    """A template (or the skill graph) does not parse or validate; ``issues`` lists every problem found."""

    def __init__(self, issues: list[TemplateIssue] | tuple[TemplateIssue, ...], origin: str = "") -> None:
        self.issues = tuple(sorted(issues))
        self.origin = origin
        head = "; ".join(str(i) for i in self.issues[:3])
        more = f" (+{len(self.issues) - 3} more)" if len(self.issues) > 3 else ""
        super().__init__(f"{origin + ': ' if origin else ''}{head}{more}")


@dataclass(frozen=True)
class VariableSpec:
    """One entry of ``variables:``. ``kind`` is int | rational | decimal | choice | expr.

    ``params`` holds the raw YAML values (bounds and choices are expressions evaluated at sampling time).
    """

    name: str
    kind: str
    params: Mapping[str, Any]
    line: int


@dataclass(frozen=True)
class WrongAnswerSpec:
    answer: str
    feedback: str
    note: str
    line: int


@dataclass(frozen=True)
class SolutionSpec:
    method: str
    given: Mapping[str, str]
    params: Mapping[str, Any]
    line: int


@dataclass(frozen=True, eq=False)
class ProblemTemplate:
    """A parsed template. ``version`` is the first 12 hex digits of sha256(source); ``lines`` maps field
    paths (``"answer"``, ``"variables.a"``, ``"hints.1"``) to 1-based source lines for error messages."""

    id: str
    version: str
    title: str
    skills: tuple[str, ...]
    difficulty: int
    source: str
    statement: str
    answer: str
    checker: str
    options: Mapping[str, Any]
    input_kind: str
    symbols: tuple[str, ...]
    variables: tuple[VariableSpec, ...]
    constraints: tuple[tuple[str, int], ...]
    hints: tuple[str, ...]
    wrong_answers: tuple[WrongAnswerSpec, ...]
    solution: SolutionSpec | None
    lines: Mapping[str, int] = field(default_factory=dict)
    origin: str = "<template>"

    def line_of(self, path: str, default: int | None = None) -> int:
        """Best line for a field path, falling back to its parent and then to the template's first line."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return default if default is not None else self.lines.get("", 1)


@dataclass(frozen=True)
class WrongAnswer:
    """A listed common mistake of one instance: the answer string (checker syntax) and its feedback."""

    answer: str
    feedback: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"answer": self.answer, "feedback": self.feedback, "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WrongAnswer:
        return cls(str(data["answer"]), str(data["feedback"]), str(data.get("note", "")))


@dataclass(frozen=True)
class ProblemInstance:
    """One concrete problem: what the learner sees and everything needed to check and explain it.

    ``statement`` and ``hints`` are Markdown with ``$...$`` LaTeX; ``answer`` is the teacher answer in
    checker syntax, ``checker``/``options`` name the test; ``solution`` is the worked solution (``None``
    only when instantiated with ``with_solution=False``).
    """

    template_id: str
    template_version: str
    seed: int
    title: str
    skills: tuple[str, ...]
    difficulty: int
    statement: str
    answer: str
    answer_latex: str
    checker: str
    options: Mapping[str, Any]
    input_kind: str
    hints: tuple[str, ...]
    solution: WorkedSolution | None
    wrong_answers: tuple[WrongAnswer, ...]
    model_entry: str = ""

    @property
    def expected_entry(self) -> str:
        """What a learner types for full marks: ``model_entry`` (the answer rounded as the test asks, for
        NumSigFigs/NumDecPlaces) or else the teacher answer itself."""
        return self.model_entry or self.answer

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (strings, ints, lists, dicts only)."""
        return {
            "template_id": self.template_id, "template_version": self.template_version, "seed": self.seed,
            "title": self.title, "skills": list(self.skills), "difficulty": self.difficulty,
            "statement": self.statement, "answer": self.answer, "answer_latex": self.answer_latex,
            "checker": self.checker, "options": dict(self.options), "input_kind": self.input_kind,
            "hints": list(self.hints),
            "solution": self.solution.to_dict() if self.solution is not None else None,
            "wrong_answers": [w.to_dict() for w in self.wrong_answers], "model_entry": self.model_entry,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProblemInstance:
        """Inverse of :meth:`to_dict`; raises ``KeyError``/``TypeError`` on a malformed dict."""
        solution = data.get("solution")
        return cls(
            template_id=str(data["template_id"]), template_version=str(data["template_version"]),
            seed=int(data["seed"]), title=str(data.get("title", "")), skills=tuple(data.get("skills", ())),
            difficulty=int(data.get("difficulty", 1)), statement=str(data["statement"]),
            answer=str(data["answer"]), answer_latex=str(data["answer_latex"]), checker=str(data["checker"]),
            options=dict(data.get("options") or {}), input_kind=str(data.get("input_kind", "expression")),
            hints=tuple(str(h) for h in data.get("hints", ())),
            solution=WorkedSolution.from_dict(solution) if solution is not None else None,
            wrong_answers=tuple(WrongAnswer.from_dict(w) for w in data.get("wrong_answers", ())),
            model_entry=str(data.get("model_entry", "")),
        )
