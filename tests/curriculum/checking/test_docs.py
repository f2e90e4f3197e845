"""docs/checking.md is generated from the registry and the fixture table, and must be up to date."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_checking_docs_are_up_to_date() -> None:
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "render_checking_docs.py"), "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_docs_cover_every_test_and_report_measured_numbers() -> None:
    from curriculum.checking import CHECKERS

    text = open(os.path.join(ROOT, "docs", "checking.md"), encoding="utf-8").read()
    for name in CHECKERS:
        assert f"### {name}" in text
    assert "median" in text and "p99" in text and "scripts/bench_checking.py" in text
