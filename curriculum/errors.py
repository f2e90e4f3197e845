"""Exception family of the ``curriculum`` package.

Expected outcomes (a wrong answer, unparsable student input) are *values*
(``CheckResult(valid=False, ...)``), never exceptions. The classes below are for
unexpected conditions and authoring mistakes: an unknown checker name, bad checker
options, a teacher answer that does not parse, a template that does not validate.
The web layer (``tutor``) translates them at its interface.
"""

from __future__ import annotations


class CurriculumError(Exception):
    """Base class of every exception raised on purpose by ``curriculum``."""


class ParseError(CurriculumError):
    """A trusted (teacher/template) expression could not be parsed.

    Attributes:
        note: stable machine-readable reason code, e.g. ``"PARSE_MISSING_CLOSE_PAREN"``.
        position: 0-based character offset of the problem in the source text, or ``None``.
    """

    def __init__(self, message: str, note: str = "PARSE_ERROR", position: int | None = None) -> None:
        super().__init__(message)
        self.note = note
        self.position = position


class CheckerError(CurriculumError):
    """Authoring error in a checker call: unknown test name, bad or missing options."""


class UnknownCheckerError(CheckerError):
    """``check()`` was called with a test name that is not in ``CHECKERS``."""


class CheckerOptionsError(CheckerError):
    """``check()`` was called with options that do not match the checker's schema."""
