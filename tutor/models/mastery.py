"""Learner mastery: the curriculum's learner state (source of truth) and per-skill snapshots for queries."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LearnerModelState(models.Model):
    """The curriculum ``LearnerState`` of one learner, as its ``to_dict()`` JSON. One row per learner."""

    learner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="model_state")
    state = models.JSONField(default=dict)
    observations = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"learner state of {self.learner}"


class SkillMastery(models.Model):
    """P(mastered) of one skill for one learner at ``updated_at`` (a snapshot for dashboards and ordering).

    Written together with :class:`LearnerModelState` by ``mastery_record``; never the source of truth.
    """

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_mastery")
    skill = models.ForeignKey("tutor.Skill", on_delete=models.CASCADE, related_name="mastery")
    p_mastered = models.FloatField(help_text="probability in [0, 1]")
    attempts = models.PositiveIntegerField(default=0, help_text="observations counted for this skill")
    correct = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "skill"], name="skill_mastery_unique")]
        ordering = ["skill__order"]

    def __str__(self) -> str:
        return f"{self.learner} {self.skill.code}: {self.p_mastered:.2f}"
