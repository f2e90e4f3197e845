"""``python -m curriculum.mastery evaluate`` on a small generated data set (never the downloaded one)."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from curriculum.mastery import ModelParams
from curriculum.mastery.ktdata import format_kt

from .helpers import simulate_kt

REPO = Path(__file__).resolve().parents[3]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curriculum.mastery", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def kt_files(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("kt")
    rng = random.Random(2024)
    skills = ["3", "7", "12", "40"]
    train, test = d / "train.csv", d / "test.csv"
    train.write_text(format_kt(simulate_kt(240, skills, rng)))
    test.write_text(format_kt(simulate_kt(80, skills, rng)))
    return train, test


def test_evaluate_prints_baseline_and_auc_rmse_last_line(kt_files, tmp_path):
    train, test = kt_files
    out_params = tmp_path / "params.json"
    res = run_cli("evaluate", "--train", str(train), "--test", str(test), "--params-out", str(out_params))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    m = re.fullmatch(r"AUC=(\d\.\d+) RMSE=(\d\.\d+)", lines[-1])
    assert m, lines[-1]
    auc, rmse = float(m.group(1)), float(m.group(2))
    assert 0.65 < auc < 1.0  # the generated answers carry real signal
    assert 0.0 < rmse < 0.5
    baseline = next(ln for ln in lines if ln.startswith("plain BKT"))
    assert float(re.search(r"AUC=(\d\.\d+)", baseline).group(1)) > 0.6
    params = ModelParams.from_dict(json.loads(out_params.read_text()))
    assert set(params.skills) == {"3", "7", "12", "40"}
    assert params.weights["bkt"] != 0.0


def test_fit_subcommand_writes_loadable_params(kt_files, tmp_path):
    train, _ = kt_files
    out = tmp_path / "p.json"
    res = run_cli("fit", "--train", str(train), "--out", str(out))
    assert res.returncode == 0, res.stderr
    ModelParams.from_json(out.read_text())


def test_malformed_file_gives_clear_error(tmp_path, kt_files):
    bad = tmp_path / "bad.csv"
    bad.write_text("3\n1,2,3\n1,0\n")
    res = run_cli("evaluate", "--train", str(bad), "--test", str(kt_files[1]))
    assert res.returncode == 2
    assert "bad.csv:3: expected 3 answers, got 2" in res.stderr
    res = run_cli("evaluate", "--train", str(tmp_path / "missing.csv"), "--test", str(kt_files[1]))
    assert res.returncode == 2 and "cannot read" in res.stderr
