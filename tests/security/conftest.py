"""Fixtures shared with the teacher tests (two schools, each with a teacher, class, student, assignment)."""

from tests.teacher.conftest import curriculum, world  # noqa: F401  (pytest fixtures, used by name)
