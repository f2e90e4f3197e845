"""CSV exports of student answers are opened by teachers in spreadsheets: a student's raw input must never
become a formula there (OWASP "CSV injection"; the WeBWorK lesson in docs/security.md)."""

from __future__ import annotations

import pytest

from tutor.selectors.dashboards import _safe_cell


@pytest.mark.parametrize("payload", [
    "=1+1",
    "+1+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "-2+3+cmd|' /C calc'!A0",  # starts like a negative number: was passed through unchanged
    "-1=1",
    "-1-1",
    "-x",
    "\t=1",
    "\r=1",
    "\n=1",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
])
def test_formula_like_cells_are_quoted(payload: str) -> None:
    assert _safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["-2", "-2.5", "-.5", "3", "2x+1", "x=2", "(x-1)(x+1)", "", "sin(x)"])
def test_plain_answers_and_negative_numbers_stay_as_typed(value: str) -> None:
    assert _safe_cell(value) == value


def test_non_text_cells_are_untouched() -> None:
    assert _safe_cell(-3) == -3 and _safe_cell(None) is None and _safe_cell(0.5) == 0.5
