"""Held-out evaluation: fit on TRAIN, predict every answer of TEST online, score AUC and RMSE.

"Online" means answer ``t`` of a test learner is predicted from that learner's answers ``< t`` only (and
the parameters fitted on TRAIN); the state is then updated with the true answer. The same function is used for
our model and for the plain-BKT baseline, fitted on the same split in the same run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from curriculum.mastery.em import BKTSequence, fit_bkt, forward_predict
from curriculum.mastery.fit import fit
from curriculum.mastery.metrics import auc, rmse
from curriculum.mastery.online import p_correct, update
from curriculum.mastery.params import ModelParams, default_params
from curriculum.mastery.state import LearnerState, Observation

Learners = Sequence[tuple[str, Sequence[Observation]]]


@dataclass(frozen=True)
class EvalResult:
    """Scores of one model on one test set (``n`` answers); times in seconds."""

    name: str
    auc: float
    rmse: float
    n: int
    fit_seconds: float
    predict_seconds: float

    def line(self) -> str:
        return (f"{self.name:<34} AUC={self.auc:.4f} RMSE={self.rmse:.4f}  n={self.n}  "
                f"fit={self.fit_seconds:.1f}s predict={self.predict_seconds:.1f}s")


def predict_online(learners: Learners, params: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Labels and online predictions of every answer of ``learners`` with the full model, shape ``(N,)`` each."""
    ys: list[float] = []
    ps: list[float] = []
    for _, seq in learners:
        state = LearnerState.new()
        for o in seq:
            ps.append(p_correct(state, o.item_id, o.skills, params, now=o.timestamp))
            ys.append(1.0 if o.correct else 0.0)
            state = update(state, o, params)
    return np.asarray(ys), np.asarray(ps)


def _skill_sequences(learners: Learners, sidx: dict[str, int]) -> tuple[list[BKTSequence], list[np.ndarray]]:
    """Per (learner, skill) sequences; also the labels in the same order. Multi-skill answers join every skill."""
    seqs, labels = [], []
    for _, seq in learners:
        per: dict[str, list[float]] = {}
        for o in seq:
            for s in o.skills:
                per.setdefault(s, []).append(1.0 if o.correct else 0.0)
        for s, cs in per.items():
            a = np.asarray(cs)
            seqs.append(BKTSequence(sidx[s], a))
            labels.append(a)
    return seqs, labels


def evaluate_plain_bkt(train: Learners, test: Learners, base: ModelParams | None = None) -> EvalResult:
    """Classic 4-parameter BKT per skill (no forgetting, no items, no ability), EM on TRAIN, online on TEST.

    Skills never seen in TRAIN use the cold-start default skill. A multi-skill answer is predicted once per
    skill (the usual per-skill convention), so ``n`` counts (answer, skill) pairs.
    """
    base = base or default_params()
    d = base.default_skill
    t0 = time.monotonic()
    train_skills = sorted({s for _, seq in train for o in seq for s in o.skills})
    all_skills = train_skills + sorted({s for _, seq in test for o in seq for s in o.skills} - set(train_skills))
    sidx = {s: i for i, s in enumerate(all_skills)}
    tr_seqs, _ = _skill_sequences(train, sidx)
    res = fit_bkt(tr_seqs, len(all_skills), fit_forget=False,
                  init={"prior": d.prior, "learn": d.learn, "guess": d.guess, "slip": d.slip})
    fit_s = time.monotonic() - t0
    t1 = time.monotonic()
    te_seqs, labels = _skill_sequences(test, sidx)
    preds = forward_predict(te_seqs, res.prior, res.learn, res.forget, res.guess, res.slip)
    y = np.concatenate(labels)
    p = np.concatenate(preds)
    return EvalResult("plain BKT (per-skill EM, 4 params)", auc(y, p), rmse(y, p), int(y.size), fit_s,
                      time.monotonic() - t1)


def evaluate_model(train: Learners, test: Learners, *, name: str = "mastery model (BKT+Elo+LR)",
                   **fit_kwargs: Any) -> tuple[EvalResult, ModelParams]:
    """Fit :func:`curriculum.mastery.fit` on TRAIN and score online predictions on TEST."""
    t0 = time.monotonic()
    params = fit([(lid, o) for lid, seq in train for o in seq], **fit_kwargs)
    fit_s = time.monotonic() - t0
    t1 = time.monotonic()
    y, p = predict_online(test, params)
    return EvalResult(name, auc(y, p), rmse(y, p), int(y.size), fit_s, time.monotonic() - t1), params
