import gzip
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from curriculum.explain import EVAL_SEEDS, TRAIN_SEEDS

from .conftest import FRACTIONS


def _read(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_build_explainer_corpus_writes_split_deterministic_files(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = StringIO()
        call_command("build_explainer_corpus", out=tmp_path / name, train_seeds=3, val_seeds=2, workers=1,
                     templates=str(FRACTIONS), stdout=out)
        outs.append(out.getvalue())
    train, val = _read(tmp_path / "a" / "train.jsonl.gz"), _read(tmp_path / "a" / "val.jsonl.gz")
    assert train == _read(tmp_path / "b" / "train.jsonl.gz") and val == _read(tmp_path / "b" / "val.jsonl.gz")
    assert {r["seed"] for r in train} == {0, 1, 2} and all(r["seed"] in TRAIN_SEEDS for r in train)
    assert all(r["seed"] in EVAL_SEEDS for r in val) and len({r["seed"] for r in val}) == 2
    assert "fractions:" in outs[0] and f"{len(train)} examples" in outs[0]


def test_build_explainer_corpus_rejects_unknown_family(tmp_path):
    with pytest.raises(CommandError, match="unknown families"):
        call_command("build_explainer_corpus", out=tmp_path, families="astrology", templates=str(FRACTIONS))


def test_evaluate_explainer_prints_accuracy_last(smoke_checkpoint, tmp_path):
    out = StringIO()
    call_command("evaluate_explainer", n=3, seed=5, model=smoke_checkpoint, max_new_tokens=6,
                 templates=str(FRACTIONS), json=tmp_path / "r.json", stdout=out)
    lines = out.getvalue().strip().splitlines()
    match = re.fullmatch(r"accuracy=(\d\.\d{4}) n=3", lines[-1])
    assert match and 0.0 <= float(match.group(1)) <= 1.0
    assert any(line.startswith("family=fractions n=3 accuracy=") for line in lines)
    assert re.search(r"tokens_per_s=\d+\.\d", lines[-2])
    records = json.loads((tmp_path / "r.json").read_text())
    assert len(records) == 3 and all(r["seed"] in EVAL_SEEDS for r in records)
    # round-robin over the templates the model was trained on (the smoke run saw only the first 16 records)
    trained = json.loads((smoke_checkpoint / "training.json").read_text())["corpus"]["templates"]
    assert 0 < len(trained) < 3 and {r["template_id"] for r in records} == set(trained)
    assert f"skipping {3 - len(trained)} templates the model was not trained on" in lines
    # six tokens of an untrained model hold no boxed answer: judged wrong, not crashed
    assert all(not r["correct"] and r["note"] == "NO_BOXED_ANSWER" for r in records)
    assert lines[-1] == "accuracy=0.0000 n=3"


def test_evaluate_explainer_errors(smoke_checkpoint, tmp_path):
    with pytest.raises(CommandError, match="cannot load"):
        call_command("evaluate_explainer", n=1, seed=1, model=tmp_path, templates=str(FRACTIONS))
    with pytest.raises(CommandError, match="--n >= 1"):
        call_command("evaluate_explainer", n=0, seed=1, model=smoke_checkpoint, templates=str(FRACTIONS))
    with pytest.raises(CommandError, match="unknown families"):
        call_command("evaluate_explainer", n=1, seed=1, model=smoke_checkpoint, templates=str(FRACTIONS),
                     families="astrology")


def test_evaluate_explainer_replaces_draws_that_do_not_instantiate(smoke_checkpoint, monkeypatch):
    import curriculum.templates
    from curriculum.errors import CurriculumError

    real = curriculum.templates.instantiate
    calls = []

    def flaky(template, seed):
        calls.append(seed)
        if len(calls) == 1:
            raise CurriculumError("authoring bug at this seed")
        return real(template, seed)

    monkeypatch.setattr(curriculum.templates, "instantiate", flaky)
    out = StringIO()
    call_command("evaluate_explainer", n=2, seed=9, model=smoke_checkpoint, max_new_tokens=4,
                 templates=str(FRACTIONS), stdout=out)
    text = out.getvalue()
    assert "replaced 1 draws whose template failed to instantiate:" in text and "authoring bug" in text
    assert text.strip().splitlines()[-1] == "accuracy=0.0000 n=2"
    assert len(calls) == 3 and calls[1] != calls[0] and all(s in EVAL_SEEDS for s in calls)
