"""Red-team regressions for the checker (docs/security.md): inputs that used to crash or mislead it.

The fixture table (``fixtures.py``, "red-team regressions") holds the verdict cases; this file holds the
properties that are not one verdict: nothing raises, nothing huge reaches the verdict cache.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curriculum.checking import api, check, check_inline, parse_student
from curriculum.checking.api import MAX_RAW_LENGTH, parse_teacher
from curriculum.errors import ParseError

LATEX_PIECES = [r"\frac", r"\sqrt", r"\sqrt[", r"\left(", r"\right)", r"\mathrm", r"\text", r"\pm", "{", "}", "[",
                "]", "^", "_", "x", "1", "2", r"\cdot", r"\left|", r"\right|", r"\placeholder", " "]


@pytest.mark.parametrize("text", [
    "\\frac" * 700 + "12",
    "\\sqrt" * 790 + "x",
    "\\mathrm" * 500 + "x",
    "^\\frac" * 600 + "1",
    "\\sqrt[" * 300 + "x",
])
def test_nested_latex_commands_are_refused_not_raised(text: str) -> None:
    res = parse_student(text, input_format="latex", allowed_symbols={"x"})
    assert not res.valid and res.note in ("PARSE_TOO_DEEP", "PARSE_TOO_LONG", "PARSE_MISSING_CLOSE_PAREN")
    out = check_inline("AlgEquiv", text, "x", input_format="latex")
    assert not out.valid and out.note.startswith("PARSE_")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LATEX_PIECES), min_size=0, max_size=400).map("".join))
def test_random_latex_never_raises(text: str) -> None:
    res = parse_student(text, input_format="latex", allowed_symbols={"x"})
    assert res.valid or (res.note.startswith("PARSE_") and res.error)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 900), st.sampled_from(["\\frac", "\\sqrt", "\\text", "\\left("]))
def test_any_nesting_depth_of_latex_commands_never_raises(n: int, cmd: str) -> None:
    res = parse_student(cmd * n + "x", input_format="latex", allowed_symbols={"x"})
    assert res.valid or res.note.startswith("PARSE_")


def test_huge_raw_answer_is_refused_before_the_cache_and_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    api.clear_cache()

    def no_pool() -> None:
        raise AssertionError("a 2 MB answer must not reach the worker pool")

    monkeypatch.setattr("curriculum.checking.worker.get_pool", no_pool)
    res = check("AlgEquiv", "1" * 2_000_000, "1")
    assert (res.valid, res.note) == (False, "PARSE_TOO_LONG")
    res = check("AlgEquiv", "x" * (MAX_RAW_LENGTH + 1), "x")
    assert res.note == "PARSE_TOO_LONG"
    assert not api._CACHE.data  # nothing was cached under a huge key


def test_deep_teacher_answer_is_a_parse_error_not_a_recursion_error() -> None:
    deep = "x" + "+x" * 999  # 1999 nodes (allowed for teachers), rendered recursively
    with pytest.raises(ParseError) as info:
        parse_teacher(deep)
    assert info.value.note == "PARSE_TOO_DEEP"
    with pytest.raises(ParseError):
        check_inline("AlgEquiv", "x", deep)


def test_plus_minus_is_refused_with_a_hint() -> None:
    for text, fmt in (("1 ± 2", "text"), (r"1 \pm 2", "latex"), (r"1 \mp 2", "latex")):
        res = parse_student(text, input_format=fmt)
        assert not res.valid and "both answers" in res.error


def test_a_check_never_raises_for_long_operator_chains() -> None:
    for text in ("x" + "^x" * 180, "x" + "!" * 300, "-" * 39 + "x", "x" + "+x" * 199, "(" * 39 + "x" + ")" * 39):
        for test, teacher, opts in (("AlgEquiv", "x", None), ("Int", "x^2/2", {"var": "x"}),
                                    ("Diff", "2x", {"var": "x"}), ("FacForm", "x(x+1)", {"var": "x"})):
            res = check_inline(test, text, teacher, opts)
            assert isinstance(res.valid, bool) and res.note
