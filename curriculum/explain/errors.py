"""Errors of the explanation contract (bad arguments from a caller, never a wrong model answer)."""

from __future__ import annotations

from curriculum.errors import CurriculumError


class ExplainError(CurriculumError):
    """A caller passed something the explanation contract cannot use (wrong type, empty text, a seed from
    the other split, a malformed answer note...). Wrong or missing model answers are :class:`Verdict` values."""
