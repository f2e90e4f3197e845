"""Tutor models, one module per area. Import models from here: ``from tutor.models import Attempt``."""

from .attempts import Attempt
from .explanations import ExplanationTranscript
from .mastery import LearnerModelState, SkillMastery
from .problems import ProblemInstance, ProblemTemplate, Skill, TemplateVersion
from .school import Classroom, Enrollment, School, User

__all__ = [
    "Attempt",
    "Classroom",
    "Enrollment",
    "ExplanationTranscript",
    "LearnerModelState",
    "ProblemInstance",
    "ProblemTemplate",
    "School",
    "Skill",
    "SkillMastery",
    "TemplateVersion",
    "User",
]
