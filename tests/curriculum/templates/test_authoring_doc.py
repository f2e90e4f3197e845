"""docs/authoring.md documents every worked-solution method, variable kind and expression function."""

from __future__ import annotations

from pathlib import Path

from curriculum.solutions import SOLVERS
from curriculum.templates.expr import FUNCTIONS
from curriculum.templates.parse import FIELDS, VARIABLE_KINDS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "authoring.md").read_text(encoding="utf-8")


def test_every_solver_is_documented():
    missing = [name for name in SOLVERS if f"| `{name}` |" not in DOC]
    assert missing == []


def test_every_function_field_and_variable_kind_is_documented():
    assert [f for f in FUNCTIONS if f not in DOC] == []
    assert [f for f in FIELDS if f"`{f}`" not in DOC] == []
    assert [k for k in VARIABLE_KINDS if f"{{{k}:" not in DOC] == []
