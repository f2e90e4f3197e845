"""The tutor's exception family. Services raise these for expected refusals; views turn them into 4xx."""

from __future__ import annotations


class TutorError(Exception):
    """Base class of every exception raised on purpose by ``tutor``.

    ``code`` is a stable machine-readable reason; ``message`` is safe to show to the user.
    """

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ValidationFailed(TutorError):
    """The request was understood but its content is not acceptable (bad join code, too-long answer)."""

    code = "invalid"


class NotAllowed(TutorError):
    """The user may not do this (wrong role, not their object)."""

    code = "forbidden"


class Conflict(TutorError):
    """The object is in a state that forbids the action (answering a closed problem)."""

    code = "conflict"


class CurriculumUnavailable(TutorError):
    """No practice can be offered: the curriculum is not loaded or has nothing for this learner."""

    code = "curriculum_unavailable"


class NotFound(TutorError):
    """No such object *for this user* (another learner's objects are indistinguishable from missing ones)."""

    code = "not_found"
