"""Public entry points: ``check``, ``parse_student``, ``teacher_to_latex``.

``check`` validates what the *author* supplied (test name, options, teacher answer) in
the calling process and raises ``CurriculumError`` subclasses for mistakes there; the
student's text is parsed and checked in an isolated worker process (``worker.py``)
unless ``isolate=False`` is passed for trusted batch work.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..errors import CheckerOptionsError, CurriculumError, ParseError
from .checkers import CHECKERS, Context, get_spec, validate_options
from .limits import DEFAULT_LIMITS, Limits
from .parse import Parsed, ParseFailure, parse
from .render import to_latex, to_text
from .results import CheckResult, ParseResult, invalid
from .tree import Node, Paren, free_symbols
from .vocabulary import INTEGRATION_CONSTANT_NAMES

log = logging.getLogger(__name__)

INPUT_FORMATS = ("text", "latex")
#: raw characters accepted by ``check`` before any work (the parser's own bound on unnormalised text).
MAX_RAW_LENGTH = DEFAULT_LIMITS.max_length * 4


# ------------------------------------------------------------------------------ preview
def parse_student(
    text: str,
    input_format: str = "text",
    locale: str = "en",
    allowed_symbols: Any = None,
) -> ParseResult:
    """Parse (never evaluate) a student's entry for the "you entered ..." preview.

    Cheap (pure Python, linear in the bounded input) and safe to call on every keystroke
    in the web process. ``allowed_symbols=None`` accepts any variable names.
    """
    if input_format not in INPUT_FORMATS:
        raise CheckerOptionsError(f"input_format must be one of {INPUT_FORMATS}, not {input_format!r}")
    try:
        p = parse(text, input_format=input_format, locale=locale,
                  allowed_symbols=None if allowed_symbols is None else frozenset(allowed_symbols))
    except ParseFailure as e:
        return ParseResult(valid=False, error=e.message, note=e.note, position=e.position)
    try:
        text, latex = to_text(p.tree), to_latex(p.tree)
    except RecursionError:
        return ParseResult(valid=False, error="the answer is nested too deeply", note="PARSE_TOO_DEEP")
    return ParseResult(valid=True, text=text, latex=latex, warnings=p.warnings, symbols=p.symbols)


@lru_cache(maxsize=2048)
def parse_teacher(teacher: str) -> Parsed:
    """Parse a trusted teacher/template answer (cached). Raises ``ParseError`` when it does not parse."""
    if not isinstance(teacher, str):
        raise ParseError(f"the teacher answer must be a string, not {type(teacher).__name__}")
    try:
        parsed = parse(teacher, trusted=True, limits=Limits(max_length=5000, max_nodes=2000, max_depth=60))
        to_text(parsed.tree), to_latex(parsed.tree)  # every later step renders it: fail here, clearly
        return parsed
    except RecursionError:
        raise ParseError(f"teacher answer {teacher[:80]!r} is nested too deeply", "PARSE_TOO_DEEP") from None
    except ParseFailure as e:
        raise ParseError(f"teacher answer {teacher!r} does not parse: {e.message}", e.note, e.position) from None


def teacher_to_latex(teacher: str) -> str:
    """LaTeX of a (trusted) teacher answer, e.g. ``"x^2/2 + c"`` -> ``\\frac{{x}^{2}}{2} + c``."""
    return to_latex(parse_teacher(teacher).tree)


# -------------------------------------------------------------------------------- check
def _prepare(test: str, teacher: str, options: Mapping[str, Any] | None, input_format: str) -> dict[str, Any]:
    spec = get_spec(test)
    opts = validate_options(spec, options)
    if input_format not in INPUT_FORMATS:
        raise CheckerOptionsError(f"input_format must be one of {INPUT_FORMATS}, not {input_format!r}")
    parse_teacher(teacher)
    return opts


def allowed_symbols_for(test: str, teacher_tree: Node, options: Mapping[str, Any]) -> frozenset[str] | None:
    """Variables the student may use: the teacher's, ``allowed_symbols``, and integration constants
    for tests that need one. ``None`` (anything) for SubstEquiv."""
    spec = CHECKERS[test]
    if spec.extra_symbols == "any":
        return None
    allowed = set(free_symbols(teacher_tree)) | set(options.get("allowed_symbols") or ())
    if spec.extra_symbols == "constant":
        allowed |= set(INTEGRATION_CONSTANT_NAMES)
    if options.get("var"):
        allowed.add(options["var"])
    return frozenset(allowed)


def check(
    test: str,
    student: str,
    teacher: str,
    options: Mapping[str, Any] | None = None,
    *,
    input_format: str = "text",
    locale: str = "en",
    timeout: float = 2.0,
    isolate: bool = True,
) -> CheckResult:
    """Check a student's answer with the named STACK-style test.

    Args:
        test: a key of ``CHECKERS`` (``"AlgEquiv"``, ``"NumSigFigs"``...).
        student: the student's raw entry (hostile; never evaluated as code).
        teacher: the teacher's answer in the same syntax (trusted, still parsed, never eval'd).
        options: test options (see ``CHECKERS[test].options``), e.g. ``{"sigfigs": 3}``.
        input_format: ``"text"`` (typed) or ``"latex"`` (MathLive output).
        locale: ``"en"``; decimal-comma locales (``"de"``, ``"fr"``...) read ``1,5`` as 1.5.
        timeout: wall-clock seconds for the isolated check; past it the worker is killed and
            ``valid=False, note="TIMEOUT"`` is returned (within ``timeout`` seconds).
        isolate: ``False`` runs in this process without time/memory limits (trusted batch use only).

    Returns:
        ``CheckResult``; never raises for bad student input.

    Raises:
        UnknownCheckerError, CheckerOptionsError, ParseError: authoring mistakes.
    """
    opts = _prepare(test, teacher, options, input_format)
    if not isinstance(student, str):
        return invalid("PARSE_NOT_TEXT", "The answer must be text.")
    if len(student) > MAX_RAW_LENGTH:
        # refused before the verdict cache and the worker pipe: a cache of 4096 multi-megabyte keys
        # would be a memory bomb in the calling (web) process
        return invalid("PARSE_TOO_LONG", f"The answer is too long (at most {DEFAULT_LIMITS.max_length} characters).")
    if not isolate:
        return check_inline(test, student, teacher, opts, input_format=input_format, locale=locale)
    key = (test, student, teacher, json.dumps(opts, sort_keys=True, default=str), input_format, locale)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    from .worker import get_pool

    res = get_pool().run((test, student, teacher, opts, input_format, locale), timeout)
    if res.note not in ("WORKER_BUSY", "WORKER_CRASHED"):
        _CACHE.put(key, res)
    return res


def check_inline(
    test: str,
    student: str,
    teacher: str,
    options: Mapping[str, Any] | None = None,
    *,
    input_format: str = "text",
    locale: str = "en",
    limits: Limits = DEFAULT_LIMITS,
) -> CheckResult:
    """The whole check in this process (what the worker runs). Same contract as ``check``."""
    spec = get_spec(test)
    opts = validate_options(spec, options)
    t = parse_teacher(teacher)
    _validate_teacher_values(teacher, t.tree, opts)
    allowed = allowed_symbols_for(test, t.tree, opts)
    try:
        p = parse(student, input_format=input_format, locale=locale, allowed_symbols=allowed, limits=limits)
    except ParseFailure as e:
        return invalid(e.note, _sentence(e.message))
    ctx = Context(test=test, student=p.tree, teacher=t.tree, options=opts, student_text=p.text, limits=limits)
    from .build import BuildFailure

    assert spec.run is not None
    try:
        res = spec.run(ctx)
    except BuildFailure as e:
        res = invalid(e.note, _sentence(e.message))
    except CurriculumError:
        raise
    except RecursionError:
        res = invalid("TOO_COMPLEX", "The answer is too complicated to check.")
    except MemoryError:
        raise
    except Exception:
        log.warning("checker %s failed on student=%r teacher=%r", test, student[:200], teacher, exc_info=True)
        res = invalid("CAS_ERROR", "We could not check this answer; please write it another way.")
    try:
        return res.with_entry(to_text(p.tree), to_latex(p.tree), p.warnings)
    except RecursionError:
        return invalid("TOO_COMPLEX", "The answer is too complicated to check.")


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."


@lru_cache(maxsize=2048)
def _teacher_ok(teacher: str, positive: bool) -> None:
    from .build import Builder, BuildFailure

    b = Builder(positive=positive, limits=Limits(max_result_bits=200_000, max_symbolic_exponent=1000))
    for node in _expression_leaves(parse_teacher(teacher).tree):
        try:
            b(node)
        except BuildFailure as e:
            raise ParseError(f"teacher answer {teacher!r} cannot be evaluated: {e.message}", e.note) from None


def _validate_teacher_values(teacher: str, tree: Node, opts: Mapping[str, Any]) -> None:
    _teacher_ok(teacher, bool(opts.get("positive")))


def _expression_leaves(node: Node) -> list[Node]:
    """Maximal expression sub-trees (below relations, containers and logic)."""
    from .tree import Group, Logic, Rel, Seq, Union

    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (Rel, Logic, Group, Seq, Union)):
            stack.extend(n.children())
        elif isinstance(n, Paren) and isinstance(n.arg, (Rel, Logic, Group, Seq, Union)):
            stack.append(n.arg)
        else:
            out.append(n)
    return out


class _LRU:
    """A small thread-safe LRU of check results (verdicts are deterministic)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.data: OrderedDict[tuple[Any, ...], CheckResult] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> CheckResult | None:
        with self.lock:
            v = self.data.get(key)
            if v is not None:
                self.data.move_to_end(key)
            return v

    def put(self, key: tuple[Any, ...], value: CheckResult) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_CACHE = _LRU()


def clear_cache() -> None:
    """Forget cached verdicts (tests, benchmarks)."""
    _CACHE.clear()
