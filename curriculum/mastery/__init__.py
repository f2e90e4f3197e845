"""Mastery model: per-skill knowledge tracing with O(1) online updates, and its offline fitter.

Public API (plain data, JSON-serialisable)::

    from curriculum.mastery import (ModelParams, SkillParams, LearnerState, Observation, update,
                                    p_mastered, p_correct, fit, default_params)

See ``docs/mastery.md`` for the model, its evaluation and how to refit.
"""

from curriculum.mastery.errors import (
    FitError,
    InvalidObservationError,
    InvalidParamsError,
    InvalidStateError,
    KTFormatError,
    MasteryError,
)
from curriculum.mastery.fit import fit
from curriculum.mastery.online import FEATURES, p_correct, p_mastered, update
from curriculum.mastery.params import EloParams, ItemParams, ModelParams, SkillParams, default_params
from curriculum.mastery.state import LearnerState, Observation, SkillState

__all__ = [
    "FEATURES",
    "EloParams",
    "FitError",
    "InvalidObservationError",
    "InvalidParamsError",
    "InvalidStateError",
    "ItemParams",
    "KTFormatError",
    "LearnerState",
    "MasteryError",
    "ModelParams",
    "Observation",
    "SkillParams",
    "SkillState",
    "default_params",
    "fit",
    "p_correct",
    "p_mastered",
    "update",
]
