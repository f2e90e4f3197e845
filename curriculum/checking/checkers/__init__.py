"""Named answer tests. Importing this package registers every test in ``CHECKERS``."""

from . import calculus, equivalence, form, numerical  # noqa: F401  (registration side effect)
from .registry import CHECKERS, COMMON_OPTIONS, Context, get_spec, register, validate_options

__all__ = ["CHECKERS", "COMMON_OPTIONS", "Context", "get_spec", "register", "validate_options"]
