"""Shared fixtures: a small template set (the shipped fractions file) and a tiny trained checkpoint."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from curriculum.templates import CONTENT_DIR, load_templates

FRACTIONS = CONTENT_DIR / "fractions" / "add_subtract.yaml"


@pytest.fixture(scope="session")
def fraction_templates():
    return load_templates(FRACTIONS)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory, fraction_templates) -> Path:
    """train.jsonl + val.jsonl from three fraction templates (train seeds 0..5, eval seeds for val)."""
    from curriculum.explain import eval_problem_seeds, generate_corpus

    root = tmp_path_factory.mktemp("corpus")
    with open(root / "train.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(ex) + "\n" for ex in generate_corpus(fraction_templates, range(6), random.Random(0)))
    with open(root / "val.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(ex) + "\n" for ex in generate_corpus(fraction_templates, eval_problem_seeds(5, 2), random.Random(1), split="eval"))
    return root


@pytest.fixture(scope="session")
def smoke_checkpoint(tmp_path_factory, small_corpus) -> Path:
    """A checkpoint written by `train --cpu-smoke` (a few CPU steps on the small corpus)."""
    from inference.training.train import main

    out = tmp_path_factory.mktemp("smoke") / "model"
    rc = main(["--data", str(small_corpus / "train.jsonl"), "--val-data", str(small_corpus / "val.jsonl"),
               "--out", str(out), "--cpu-smoke"])
    assert rc == 0
    return out
