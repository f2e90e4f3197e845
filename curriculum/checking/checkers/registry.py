"""The registry of named answer tests (STACK names) and the context each test receives.

A test is a function ``(Context) -> CheckResult`` registered with ``@register(...)``
together with its declared option schema and answer notes, so that ``CHECKERS`` can be
rendered into the authoring docs and options can be validated before any work is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ...errors import CheckerOptionsError, UnknownCheckerError
from ..limits import DEFAULT_LIMITS, Limits
from ..results import CheckerSpec, CheckResult, OptionSpec
from ..tree import Node

_REGISTRY: dict[str, CheckerSpec] = {}
CHECKERS: Mapping[str, CheckerSpec] = MappingProxyType(_REGISTRY)

#: options every test accepts.
COMMON_OPTIONS = (
    OptionSpec("allowed_symbols", (list, tuple), (), "extra variable names the student may use besides the "
               "teacher answer's"),
    OptionSpec("positive", (bool,), False, "treat all variables as positive reals (sqrt(x^2) = x, ln(x^2) = 2 ln x)"),
)


@dataclass
class Context:
    """Everything a test needs; built by ``api`` inside the worker.

    Attributes:
        test: the test name.
        student, teacher: parse trees.
        options: validated options, defaults filled in.
        student_text: the student's normalised input text (for digit-counting tests).
        limits: size bounds.
    """

    test: str
    student: Node
    teacher: Node
    options: dict[str, Any]
    student_text: str
    limits: Limits = DEFAULT_LIMITS
    _builder: Any = field(default=None, repr=False)

    @property
    def build(self) -> Any:
        """A ``build.Builder`` configured from the options (``positive``)."""
        if self._builder is None:
            from ..build import Builder

            self._builder = Builder(limits=self.limits, positive=bool(self.options.get("positive")))
        return self._builder

    @property
    def note_prefix(self) -> str:
        return self.test.upper()

    def note(self, suffix: str) -> str:
        return f"{self.note_prefix}_{suffix}"


def register(
    name: str,
    *,
    family: str,
    doc: str,
    options: tuple[OptionSpec, ...] = (),
    notes: tuple[str, ...] = (),
    extra_symbols: str = "none",
) -> Callable[[Callable[[Context], CheckResult]], Callable[[Context], CheckResult]]:
    """Decorator adding a test to ``CHECKERS``. ``notes`` are suffixes (``"TRUE"``) of ``NAME_`` codes."""

    def deco(fn: Callable[[Context], CheckResult]) -> Callable[[Context], CheckResult]:
        if name in _REGISTRY:
            raise RuntimeError(f"checker {name!r} registered twice")
        _REGISTRY[name] = CheckerSpec(
            name=name,
            family=family,
            doc=doc,
            options=options,
            notes=tuple(f"{name.upper()}_{n}" for n in notes),
            run=fn,
            extra_symbols=extra_symbols,
        )
        return fn

    return deco


def get_spec(test: str) -> CheckerSpec:
    """The spec of a test, or ``UnknownCheckerError`` with a suggestion."""
    spec = _REGISTRY.get(test)
    if spec is None:
        lower = {k.lower(): k for k in _REGISTRY}
        hint = f"; did you mean {lower[test.lower()]!r}?" if isinstance(test, str) and test.lower() in lower else ""
        raise UnknownCheckerError(f"unknown answer test {test!r}{hint} (known: {', '.join(sorted(_REGISTRY))})")
    return spec


def validate_options(spec: CheckerSpec, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check option names and types against the spec; return them with defaults filled in.

    Raises:
        CheckerOptionsError: unknown key, wrong type, missing required option or bad value.
    """
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise CheckerOptionsError(f"{spec.name}: options must be a mapping, not {type(options).__name__}")
    schema = {o.name: o for o in (*COMMON_OPTIONS, *spec.options)}
    out: dict[str, Any] = {}
    for key, value in options.items():
        o = schema.get(key)
        if o is None:
            raise CheckerOptionsError(
                f"{spec.name}: unknown option {key!r} (accepted: {', '.join(sorted(schema)) or 'none'})"
            )
        if value is None and o.default is None and not o.required:
            out[key] = None
            continue
        if isinstance(value, bool) and bool not in o.types:
            raise CheckerOptionsError(f"{spec.name}: option {key!r} must be {_type_names(o)}, not a boolean")
        if not isinstance(value, o.types):
            raise CheckerOptionsError(f"{spec.name}: option {key!r} must be {_type_names(o)}, not {value!r}")
        out[key] = value
    for o in schema.values():
        if o.name not in out:
            if o.required:
                raise CheckerOptionsError(f"{spec.name}: option {o.name!r} is required ({o.doc})")
            out[o.name] = o.default
    allowed = out.get("allowed_symbols", ())
    if not all(isinstance(a, str) and a.replace("_", "").isalnum() and a[:1].isalpha() for a in allowed):
        raise CheckerOptionsError(f"{spec.name}: allowed_symbols must be a list of variable names")
    return out


def _type_names(o: OptionSpec) -> str:
    return " or ".join({int: "an integer", float: "a number", str: "a string", bool: "true/false",
                        list: "a list", tuple: "a list"}.get(t, t.__name__) for t in o.types)
