"""``python -m curriculum preview|validate|skills``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from curriculum.__main__ import main

from .test_validation import GOOD


def test_preview_prints_statement_answer_and_steps(tmp_path: Path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text(GOOD)
    assert main(["preview", str(path), "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("--- seed") == 2 and "answer (AlgEquiv):" in out and "worked solution:" in out
    assert "So the answer is" in out


def test_validate_ok_and_error_exit_codes(tmp_path: Path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    assert main(["validate", str(good), "--seeds", "3"]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "---\n" + GOOD.replace("id: test.add", "id: test.other").replace("answer: s", "answer: q"))
    assert main(["validate", str(bad), "--seeds", "3"]) == 1
    out = capsys.readouterr().out
    answer_line = 1 + GOOD.count("\n") + 1 + next(i for i, l in enumerate(GOOD.splitlines()) if l.startswith("answer:"))
    assert f"{bad}:{answer_line}: answer: unknown variable 'q'" in out


def test_validate_reports_duplicate_ids(tmp_path: Path, capsys):
    path = tmp_path / "dup.yaml"
    path.write_text(GOOD + "---\n" + GOOD)
    assert main(["validate", str(path), "--seeds", "1"]) == 1
    assert "duplicate template id 'test.add'" in capsys.readouterr().out


def test_module_entry_point_runs(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text(GOOD)
    proc = subprocess.run([sys.executable, "-m", "curriculum", "validate", str(path), "--seeds", "2"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 template(s), 0 problem(s)" in proc.stderr
