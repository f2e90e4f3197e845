"""Selectors: every read the interfaces need, scoped to what the requesting user may see.

Import from the submodules, e.g. ``from tutor.selectors.practice import instance_get_for_learner``.
"""
