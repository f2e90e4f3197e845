"""Errors raised by :mod:`curriculum.mastery` and :mod:`curriculum.selection`.

All derive from :class:`curriculum.errors.CurriculumError`, so the web layer can catch one family.
"""

from __future__ import annotations

from curriculum.errors import CurriculumError


class MasteryError(CurriculumError):
    """Base class of the mastery model's errors."""


class InvalidParamsError(MasteryError):
    """Model parameters are malformed (out-of-range probability, missing key, wrong type)."""


class InvalidObservationError(MasteryError):
    """An answer record is inconsistent (e.g. ``gave_up`` together with ``correct``, negative hints)."""


class InvalidStateError(MasteryError):
    """A stored learner state could not be read back (corrupt or foreign JSON)."""


class KTFormatError(MasteryError):
    """A knowledge-tracing data file is not in the 3-line format (``n`` / skills / 0-1 answers)."""


class FitError(MasteryError):
    """Fitting could not run, e.g. an empty attempt log."""
