"""Tutor models, one module per area. Import models from here: ``from tutor.models import Attempt``."""

from .attempts import Attempt
from .explanations import ExplanationTranscript
from .mastery import LearnerModelState, SkillMastery
from .problem_sets import AssignedProblem, Assignment, ProblemSet, ProblemSetItem
from .problems import ProblemInstance, ProblemTemplate, Skill, TemplateVersion
from .school import Classroom, Enrollment, School, User

__all__ = [
    "AssignedProblem",
    "Assignment",
    "Attempt",
    "Classroom",
    "Enrollment",
    "ExplanationTranscript",
    "LearnerModelState",
    "ProblemInstance",
    "ProblemSet",
    "ProblemSetItem",
    "ProblemTemplate",
    "School",
    "Skill",
    "SkillMastery",
    "TemplateVersion",
    "User",
]
