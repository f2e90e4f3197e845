"""Checking a learner's answer to an instance: the template's named test, then its listed mistakes.

STACK's potential-response-tree idea in its simplest form: the named test decides right/wrong; when the
entry is valid but wrong and matches a listed wrong answer (algebraically, or with the template's own
numeric test and tolerance), that mistake's feedback and note replace the generic ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from curriculum.templates.model import ProblemInstance

NUMERIC_TESTS = frozenset({"NumRelative", "NumAbsolute", "NumSigFigs", "NumDecPlaces"})
SHARED_OPTIONS = ("allowed_symbols", "positive")


def run_check(test: str, student: str, teacher: str, options: Mapping[str, Any] | None = None, *,
              input_format: str = "text", locale: str = "en", isolate: bool = True) -> Any:
    """``curriculum.checking.check`` (imported lazily); ``isolate=False`` is the in-process fast path for
    trusted batch work (tests, CLI validation of shipped content)."""
    from curriculum.checking import check

    return check(test, student, teacher, dict(options or {}), input_format=input_format, locale=locale,
                 isolate=isolate)


def _match_test(instance: ProblemInstance) -> tuple[str, dict[str, Any]]:
    if instance.checker == "NumSigFigs":
        return "NumRelative", {"tolerance": 0.51 * 10.0 ** (1 - int(instance.options.get("sigfigs", 3)))}
    if instance.checker == "NumDecPlaces":
        return "NumAbsolute", {"tolerance": 0.51 * 10.0 ** (-int(instance.options.get("places", 2)))}
    if instance.checker in NUMERIC_TESTS:
        return instance.checker, dict(instance.options)
    return "AlgEquiv", {k: v for k, v in instance.options.items() if k in SHARED_OPTIONS}


def check_instance_answer(instance: ProblemInstance, student: str, *, input_format: str = "text",
                          locale: str = "en", isolate: bool = True) -> Any:
    """Check ``student`` against ``instance`` -> ``CheckResult`` (never raises for bad student input).

    A valid wrong entry that matches ``instance.wrong_answers[i]`` gets that entry's ``feedback`` and its
    ``note`` (``WRONG_ANSWER_<i+1>`` unless the template names one); otherwise the checker's own result.
    """
    result = run_check(instance.checker, student, instance.answer, instance.options,
                       input_format=input_format, locale=locale, isolate=isolate)
    if not result.valid or result.correct or not instance.wrong_answers:
        return result
    test, options = _match_test(instance)
    for wrong in instance.wrong_answers:
        match = run_check(test, student, wrong.answer, options, input_format=input_format, locale=locale,
                          isolate=isolate)
        if match.valid and match.correct:
            return replace(result, note=wrong.note or result.note, feedback=wrong.feedback)
    return result
