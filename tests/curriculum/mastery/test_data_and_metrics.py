"""3-line format parsing, metrics, parameter (de)serialisation, and the in-process fitter."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from curriculum.errors import CurriculumError
from curriculum.mastery import (
    FitError,
    InvalidParamsError,
    InvalidStateError,
    KTFormatError,
    LearnerState,
    ModelParams,
    Observation,
    SkillParams,
    default_params,
    fit,
)
from curriculum.mastery.evaluate import evaluate_plain_bkt, predict_online
from curriculum.mastery.ktdata import parse_kt_lines
from curriculum.mastery.metrics import auc, log_loss, rmse

from .helpers import simulate_kt


def test_parse_kt_tolerates_trailing_commas_and_blank_lines():
    learners = parse_kt_lines(["2", "5,9,", "1,0,", "", "1", "9", "1"], source="x")
    assert [len(seq) for _, seq in learners] == [2, 1]
    o = learners[0][1][1]
    assert o.skills == ("9",) and o.item_id == "9" and o.correct is False


@pytest.mark.parametrize(
    "lines, message",
    [
        (["2", "1,2"], "not a multiple of 3"),
        (["two", "1,2", "1,0"], "expected the number of answers"),
        (["2", "1", "1,0"], "expected 2 skill ids"),
        (["2", "1,2", "1,2"], "answers must be 0 or 1"),
        (["0", "1", "1"], "must be positive"),
        ([], "no learners"),
    ],
)
def test_parse_kt_errors(lines, message):
    with pytest.raises(KTFormatError, match=message):
        parse_kt_lines(lines)


def test_auc_rmse_hand_cases():
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert auc(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)  # ties count one half
    assert rmse(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert log_loss(np.array([1.0]), np.array([np.exp(-1)])) == pytest.approx(1.0)
    with pytest.raises(CurriculumError):
        auc(np.array([1, 1]), np.array([0.2, 0.3]))


def test_default_params_and_json_roundtrip():
    p = default_params()
    assert p.skill("anything") == p.default_skill
    assert ModelParams.from_json(p.to_json()) == p


@pytest.mark.parametrize(
    "patch, message",
    [
        ({"default_skill": {"prior": 1.2, "learn": 0.1, "guess": 0.2, "slip": 0.1}}, "prior must lie"),
        ({"default_skill": {"prior": 0.2, "learn": 0.1, "guess": 0.6, "slip": 0.5}}, "guess \\+ slip"),
        ({"default_skill": {"prior": 0.2, "learn": 0.1, "guess": 0.2}}, "missing keys"),
        ({"skills": {"a": {"prior": 0.2, "learn": 0.1, "guess": 0.2, "slip": 0.1, "zap": 1}}}, "unknown keys"),
        ({"weights": {"bkt": "1"}}, "must be a number"),
        ({"format_version": 99}, "format_version"),
        ({"hint_floor": 2.0}, "hint_floor"),
    ],
)
def test_bad_params_raise(patch, message):
    d = default_params().to_dict()
    d.update(patch)
    with pytest.raises(InvalidParamsError, match=message):
        ModelParams.from_dict(d)


def test_bad_state_raises():
    with pytest.raises(InvalidStateError):
        LearnerState.from_dict({"v": 1, "skills": {"a": [2.0, 0, 0, 0, 0, 0, 0, 0]}})
    with pytest.raises(InvalidStateError):
        LearnerState.from_dict({"v": 7})
    with pytest.raises(InvalidParamsError):
        SkillParams(prior=0.0, learn=0.1, guess=0.2, slip=0.1)


def _log(n, rng, skills=("a", "b", "c")):
    data = simulate_kt(n, list(skills), rng)
    log = []
    for k, (ss, cs) in enumerate(data):
        for t, (s, c) in enumerate(zip(ss, cs)):
            log.append((f"L{k}", Observation((s,), f"{s}-tmpl{t % 2}", bool(c), timestamp=60.0 * t)))
    return log


def test_fit_in_process_beats_chance_and_is_json_safe():
    rng = random.Random(1)
    params = fit(_log(200, rng))
    assert set(params.skills) == {"a", "b", "c"}
    assert {"a-tmpl0", "a-tmpl1"} <= set(params.items)
    json.dumps(params.to_dict())
    test = {}
    for lid, o in _log(60, rng):
        test.setdefault(lid, []).append(o)
    y, p = predict_online(list(test.items()), params)
    assert auc(y, p) > 0.65
    assert np.all((p > 0) & (p < 1))
    base = evaluate_plain_bkt([(k, v) for k, v in test.items()], list(test.items()))
    assert base.n == len(y)


def test_fit_accepts_mapping_and_rejects_garbage():
    rng = random.Random(2)
    grouped: dict[str, list[Observation]] = {}
    for lid, o in _log(40, rng):
        grouped.setdefault(lid, []).append(o)
    assert set(fit(grouped, per_skill_weights=False).skills) == {"a", "b", "c"}
    with pytest.raises(FitError):
        fit([])
    with pytest.raises(FitError):
        fit([("L0", "not an observation")])  # type: ignore[list-item]
    with pytest.raises(FitError, match="unknown features"):
        fit(grouped, exclude_features=("nope",))
