"""EM fitter: parameter recovery on simulated BKT data; vectorised forward pass = online update."""

from __future__ import annotations

import random

import numpy as np
import pytest

from curriculum.mastery import FitError, LearnerState, Observation, p_correct, update
from curriculum.mastery.em import BKTSequence, fit_bkt, forward_predict

from .helpers import bkt_params


def simulate_bkt(n: int, length: int, prior, learn, guess, slip, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        known = rng.random() < prior
        seq = np.empty(length)
        for t in range(length):
            seq[t] = float(rng.random() < ((1 - slip) if known else guess))
            if not known and rng.random() < learn:
                known = True
        out.append(seq)
    return out


def test_em_recovers_known_parameters_for_two_skills():
    rng = np.random.default_rng(7)
    truth = {0: (0.3, 0.15, 0.2, 0.1), 1: (0.6, 0.05, 0.25, 0.15)}
    seqs = []
    for k, (pr, le, gu, sl) in truth.items():
        # ragged lengths exercise the time-major layout
        for length in (5, 12, 25):
            seqs += [BKTSequence(k, c) for c in simulate_bkt(700, length, pr, le, gu, sl, rng)]
    fit = fit_bkt(seqs, 2, fit_forget=False, max_iter=500, tol=1e-9)
    for k, (pr, le, gu, sl) in truth.items():
        assert fit.prior[k] == pytest.approx(pr, abs=0.05)
        assert fit.learn[k] == pytest.approx(le, abs=0.03)
        assert fit.guess[k] == pytest.approx(gu, abs=0.03)
        assert fit.slip[k] == pytest.approx(sl, abs=0.03)
    assert np.all(fit.forget == 0.0)
    assert list(fit.n_obs) == [700 * 42, 700 * 42]


def test_em_log_likelihood_improves_over_initial_guess():
    rng = np.random.default_rng(3)
    seqs = [BKTSequence(0, c) for c in simulate_bkt(300, 15, 0.4, 0.2, 0.25, 0.1, rng)]
    one = fit_bkt(seqs, 1, max_iter=1)
    many = fit_bkt(seqs, 1, max_iter=100)
    assert many.log_likelihood > one.log_likelihood


def test_vectorised_forward_matches_online_update():
    """The fitter's forward pass and the tutor's per-answer update are the same BKT."""
    params = bkt_params(prior=0.35, learn=0.12, guess=0.22, slip=0.08, forget=0.03)
    rng = random.Random(5)
    answers = [[rng.random() < 0.6 for _ in range(rng.randint(1, 20))] for _ in range(30)]
    seqs = [BKTSequence(0, np.asarray(a, float)) for a in answers]
    d = params.default_skill
    vec = forward_predict(seqs, *(np.array([v]) for v in (d.prior, d.learn, d.forget, d.guess, d.slip)))
    for a, pred in zip(answers, vec):
        state = LearnerState.new()
        online = []
        for c in a:
            online.append(p_correct(state, "i", ("s",), params))
            state = update(state, Observation(("s",), "i", c), params)
        np.testing.assert_allclose(pred, online, atol=1e-9)


def test_per_item_guess_is_fitted_where_data_allow():
    rng = np.random.default_rng(11)
    seqs = []
    for _ in range(600):
        known = rng.random() < 0.3
        cs, its = [], []
        for _t in range(12):
            item = int(rng.integers(0, 2))  # item 0: open answer (guess .05); item 1: multiple choice (guess .5)
            guess = 0.05 if item == 0 else 0.45
            cs.append(float(rng.random() < (0.9 if known else guess)))
            its.append(item)
            if not known and rng.random() < 0.1:
                known = True
        seqs.append(BKTSequence(0, np.asarray(cs), np.asarray(its)))
    seqs.append(BKTSequence(0, np.array([1.0]), np.array([2])))  # item 2: one answer only
    fit = fit_bkt(seqs, 1, n_items=3, fit_forget=False, item_min_obs=30)
    assert fit.item_guess[1] > fit.item_guess[0] + 0.2
    assert np.isnan(fit.item_guess[2])


def test_em_rejects_bad_input():
    with pytest.raises(FitError):
        fit_bkt([], 1)
    with pytest.raises(FitError):
        fit_bkt([BKTSequence(3, np.array([1.0]))], 2)
    with pytest.raises(FitError):
        fit_bkt([BKTSequence(0, np.array([2.0]))], 1)
