"""Errors raised by :mod:`curriculum.selection`."""

from __future__ import annotations

from curriculum.errors import CurriculumError


class SelectionError(CurriculumError):
    """Bad input to item selection: no items, an unknown policy, an assigned skill without items, ..."""
