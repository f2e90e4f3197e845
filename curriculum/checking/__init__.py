"""Safe, explainable answer checking with STACK-named tests.

Public API::

    from curriculum.checking import check, CheckResult, parse_student, CHECKERS, teacher_to_latex
    check("AlgEquiv", "2x+2", "2*(x+1)")            # CheckResult(valid=True, correct=True, note="ALGEQUIV_TRUE", ...)
    check("FacForm", "x^2-1", "(x-1)(x+1)", {"var": "x"})   # note="FACFORM_NOT_FACTORED"
    parse_student("sinx", allowed_symbols={"x"})   # ParseResult(valid=False, error="unknown function 'sinx'; ...")

Student input is tokenised and parsed into an allow-listed tree (never ``eval``'d or
``sympify``'d), bounded in size, cost-checked before SymPy evaluates any power, and
checked in an isolated worker process with a wall-clock and memory limit. See
docs/checking.md.
"""

from .api import check, check_inline, clear_cache, parse_student, teacher_to_latex
from .checkers import CHECKERS
from .limits import Limits
from .results import CheckerSpec, CheckResult, OptionSpec, ParseResult
from .worker import configure, shutdown, warm_up

__all__ = [
    "CHECKERS", "CheckResult", "CheckerSpec", "Limits", "OptionSpec", "ParseResult", "check", "check_inline",
    "clear_cache", "configure", "parse_student", "shutdown", "teacher_to_latex", "warm_up",
]
