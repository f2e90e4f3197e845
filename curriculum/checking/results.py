"""Result values of the answer checker (frozen dataclasses, no behaviour).

A wrong or unparsable answer is a *value*, never an exception: ``CheckResult.valid``
says whether the student's input parsed (and evaluated safely), ``correct``/``score``
give the verdict and ``note`` a stable machine-readable reason code in the spirit of
STACK's answer notes (``"ALGEQUIV_TRUE"``, ``"FACFORM_NOT_FACTORED"``,
``"PARSE_MISSING_CLOSE_PAREN"``, ``"TIMEOUT"``...). Codes are part of the public API:
analytics and the hint prompt key on them, so never rename one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    """Verdict of one ``check()`` call.

    Attributes:
        valid: the student's input parsed and could be evaluated within the limits.
        correct: the answer satisfies the named test (always ``False`` when ``valid`` is ``False``).
        score: 0.0..1.0 (1.0 iff ``correct`` for every test shipped today).
        note: stable reason code, e.g. ``"ALGEQUIV_TRUE"``.
        feedback: one short student-facing sentence ("" when nothing useful to say).
        parsed: canonical plain-text form of the student's entry, ``""`` if invalid.
        parsed_latex: LaTeX of the student's entry (as entered, not simplified) for a preview.
        warnings: parse warnings (stable codes), e.g. ``("PARSE_FUNCTION_WITHOUT_PARENS",)``.
    """

    valid: bool
    correct: bool
    score: float
    note: str
    feedback: str = ""
    parsed: str = ""
    parsed_latex: str = ""
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (used for the worker pipe and by the web layer)."""
        return {
            "valid": self.valid,
            "correct": self.correct,
            "score": self.score,
            "note": self.note,
            "feedback": self.feedback,
            "parsed": self.parsed,
            "parsed_latex": self.parsed_latex,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        return cls(
            valid=bool(data["valid"]),
            correct=bool(data["correct"]),
            score=float(data["score"]),
            note=str(data["note"]),
            feedback=str(data.get("feedback", "")),
            parsed=str(data.get("parsed", "")),
            parsed_latex=str(data.get("parsed_latex", "")),
            warnings=tuple(data.get("warnings", ())),
        )

    def with_entry(self, parsed: str, parsed_latex: str, warnings: tuple[str, ...]) -> CheckResult:
        """Copy with the student's rendered entry attached (only kept when valid)."""
        if not self.valid:
            return replace(self, parsed="", parsed_latex=parsed_latex, warnings=warnings)
        return replace(self, parsed=parsed, parsed_latex=parsed_latex, warnings=warnings)


def invalid(note: str, feedback: str) -> CheckResult:
    """An invalid-input result (``valid=False``, score 0)."""
    return CheckResult(valid=False, correct=False, score=0.0, note=note, feedback=feedback)


def verdict(correct: bool, note: str, feedback: str = "") -> CheckResult:
    """A valid-input result with score 1.0 or 0.0."""
    return CheckResult(valid=True, correct=correct, score=1.0 if correct else 0.0, note=note, feedback=feedback)


@dataclass(frozen=True)
class ParseResult:
    """Outcome of ``parse_student`` (no evaluation, cheap, safe for every keystroke).

    Attributes:
        valid: the text parsed into an allow-listed tree.
        text: canonical plain-text rendering ("" if invalid).
        latex: LaTeX rendering for a "you entered ..." preview ("" if invalid).
        error: student-facing message when invalid ("" otherwise).
        note: stable code, ``"PARSE_OK"`` or a ``PARSE_*`` error code.
        position: 0-based offset in the (normalised) input where the problem is, or ``None``.
        warnings: codes of accepted-but-notable input, e.g. ``"PARSE_FUNCTION_WITHOUT_PARENS"``.
        symbols: free variable names used.
    """

    valid: bool
    text: str = ""
    latex: str = ""
    error: str = ""
    note: str = "PARSE_OK"
    position: int | None = None
    warnings: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionSpec:
    """One option of a checker: its name, accepted Python type(s), default, and meaning."""

    name: str
    types: tuple[type, ...]
    default: Any
    doc: str
    required: bool = False


@dataclass(frozen=True)
class CheckerSpec:
    """Declared semantics of a named answer test (an entry of ``CHECKERS``).

    Attributes:
        name: STACK name, e.g. ``"AlgEquiv"``.
        family: ``"equivalence"``, ``"numerical"``, ``"form"`` or ``"calculus"``.
        doc: one-line description for authors.
        options: accepted option keys with types and defaults.
        notes: the answer-note codes this test can return (besides PARSE_*/TIMEOUT/...).
        run: implementation ``(ctx) -> CheckResult``; internal, runs in the worker.
        extra_symbols: whether the student may use variables the teacher answer lacks
            (``"any"`` for SubstEquiv; ``"constant"`` for Int/AddConst: one integration constant).
    """

    name: str
    family: str
    doc: str
    options: tuple[OptionSpec, ...] = ()
    notes: tuple[str, ...] = ()
    run: Callable[..., CheckResult] | None = field(default=None, repr=False, compare=False)
    extra_symbols: str = "none"
