"""Run the fixture table (inline mode: same code path as the worker, without the process hop)."""

from __future__ import annotations

import pytest

from curriculum.checking import CHECKERS, check_inline

from .fixtures import ROWS, Row


def _id(row: Row) -> str:
    s = row.student if len(row.student) <= 30 else row.student[:27] + "..."
    return f"{row.test}:{s!r}~{row.teacher[:20]!r}"


@pytest.mark.parametrize("row", ROWS, ids=[_id(r) for r in ROWS])
def test_fixture_row(row: Row) -> None:
    res = check_inline(row.test, row.student, row.teacher, row.options, input_format=row.input_format,
                       locale=row.locale)
    got = None if not res.valid else int(res.correct)
    assert (got, res.note) == (row.score, row.note), f"{row.comment} -> {res}"
    assert 0.0 <= res.score <= 1.0
    assert res.correct == (res.score == 1.0)
    if res.valid:
        assert res.parsed and res.parsed_latex
    else:
        assert not res.correct and res.parsed == "" and res.feedback


def test_table_is_large_and_covers_every_test() -> None:
    assert len(ROWS) >= 400
    assert {r.test for r in ROWS} == set(CHECKERS)


def test_mandatory_edge_rows_present() -> None:
    students = {r.student for r in ROWS}
    for edge in ("", "1/0", "x1", "x_1", "2x−(−2)", "9**9**9**9", "__import__('os').system('ls')"):
        assert edge in students, edge
    assert any(len(r.student) >= 100_000 for r in ROWS)
    assert any(r.student.startswith("((((((((") for r in ROWS)
