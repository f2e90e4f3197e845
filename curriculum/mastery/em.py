"""Vectorised EM (Baum-Welch) for Bayesian Knowledge Tracing, all skills at once.

Each training sequence is one learner's answers on one skill, in time order. Sequences are sorted by
length (longest first) and stored *time-major and ragged*: step ``t`` holds the ``n_t`` sequences that are
longer than ``t`` as a contiguous slice ``offsets[t] : offsets[t] + n_t``. A forward and a backward sweep
over ``t`` then update every active sequence of every skill with a handful of numpy operations, so a full
EM iteration on ASSISTments 2009 (~225k answers) takes a fraction of a second.

Model per skill (two states, 1 = known): ``P(L_0) = prior``; transitions ``0 -> 1`` with ``learn`` and
``1 -> 0`` with ``forget``; emissions ``P(correct | 1) = 1 - slip``, ``P(correct | 0) = guess``, where guess
and slip may be per item. Answers are soft: credit ``c`` in [0, 1] enters as
``P(obs | state) = c P(correct | state) + (1 - c) P(wrong | state)``.

The M-step uses weak Beta pseudo-counts toward the initial values (a MAP estimate), which keeps
rarely-practised skills near the priors, and clips to ranges that keep the model identifiable
(``guess``, ``slip`` < 0.5 so that the known state is the one that answers better).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curriculum.mastery.errors import FitError

#: Clipping ranges of the fitted values, (low, high).
BOUNDS = {
    "prior": (0.005, 0.995),
    "learn": (0.001, 0.6),
    "forget": (0.0, 0.3),
    "guess": (0.01, 0.45),
    "slip": (0.01, 0.45),
}


@dataclass(frozen=True)
class BKTSequence:
    """One learner's answers on one skill.

    Attributes:
        skill: skill index in ``[0, n_skills)``.
        credit: shape ``(L,)`` floats in [0, 1], the answers in time order (1 = correct).
        item: shape ``(L,)`` ints, item index per answer in ``[0, n_items)``, or ``None`` (no per-item params).
    """

    skill: int
    credit: np.ndarray
    item: np.ndarray | None = None


@dataclass(frozen=True)
class BKTFit:
    """Per-skill arrays (shape ``(n_skills,)``) and per-item arrays (shape ``(n_items,)``, NaN = not fitted)."""

    prior: np.ndarray
    learn: np.ndarray
    forget: np.ndarray
    guess: np.ndarray
    slip: np.ndarray
    n_obs: np.ndarray
    item_guess: np.ndarray
    item_slip: np.ndarray
    item_n: np.ndarray
    log_likelihood: float
    iterations: int


class _Ragged:
    """Time-major ragged layout of a list of sequences (see module docstring)."""

    def __init__(self, seqs: Sequence[BKTSequence], n_items: int) -> None:
        lengths = np.array([len(s.credit) for s in seqs], dtype=np.int64)
        if len(seqs) == 0 or lengths.min() <= 0:
            raise FitError("every BKT sequence must contain at least one answer, and there must be one sequence")
        order = np.argsort(-lengths, kind="stable")
        self.order = order
        self.lengths = lengths[order]
        self.n_rows = len(seqs)
        t_max = int(self.lengths[0])
        # n_t = number of rows longer than t, for t = 0..t_max-1
        counts = np.bincount(self.lengths, minlength=t_max + 1)
        self.n_t = (self.n_rows - np.cumsum(counts)[:-1]).astype(np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.n_t)]).astype(np.int64)
        total = int(self.offsets[-1])
        self.credit = np.empty(total)
        self.item = np.full(total, -1, dtype=np.int64)
        self.row = np.empty(total, dtype=np.int64)
        self.skill_row = np.array([seqs[i].skill for i in order], dtype=np.int64)
        for r, i in enumerate(order):
            s = seqs[i]
            idx = self.offsets[: len(s.credit)] + r
            self.credit[idx] = s.credit
            self.row[idx] = r
            if s.item is not None and n_items > 0:
                self.item[idx] = s.item
        self.skill_flat = self.skill_row[self.row]
        self.t_max = t_max
        self.total = total


def _forward(lay: _Ragged, prior_r, learn_r, forget_r, g_flat, s_flat):
    """Returns (PI, F, loglik): predicted P(L_t=1 | o_<t), filtered P(L_t=1 | o_<=t), both shape (total,)."""
    pi = prior_r.copy()
    big_pi = np.empty(lay.total)
    big_f = np.empty(lay.total)
    ll = 0.0
    for t in range(lay.t_max):
        n = lay.n_t[t]
        a = lay.offsets[t]
        sl = slice(a, a + n)
        c = lay.credit[sl]
        g = g_flat[sl]
        s = s_flat[sl]
        p = pi[:n]
        e1 = c * (1.0 - s) + (1.0 - c) * s
        e0 = c * g + (1.0 - c) * (1.0 - g)
        num = p * e1
        den = num + (1.0 - p) * e0
        f = num / den
        ll += float(np.log(den).sum())
        big_pi[sl] = p
        big_f[sl] = f
        pi[:n] = f * (1.0 - forget_r[:n]) + (1.0 - f) * learn_r[:n]
    return big_pi, big_f, ll


def forward_predict(
    seqs: Sequence[BKTSequence],
    prior: np.ndarray,
    learn: np.ndarray,
    forget: np.ndarray,
    guess: np.ndarray,
    slip: np.ndarray,
) -> list[np.ndarray]:
    """Online BKT predictions: P(correct at t | answers before t) per sequence (same order as ``seqs``).

    Parameter arrays have shape ``(n_skills,)``; returns one array of shape ``(L,)`` per sequence.
    """
    lay = _Ragged(seqs, 0)
    sk = lay.skill_row
    g_flat = guess[lay.skill_flat]
    s_flat = slip[lay.skill_flat]
    big_pi, _, _ = _forward(lay, prior[sk].astype(float), learn[sk], forget[sk], g_flat, s_flat)
    pred_flat = big_pi * (1.0 - s_flat) + (1.0 - big_pi) * g_flat
    out: list[np.ndarray] = [np.empty(0)] * len(seqs)
    for r, i in enumerate(lay.order):
        out[i] = pred_flat[lay.offsets[: lay.lengths[r]] + r]
    return out


def fit_bkt(
    seqs: Sequence[BKTSequence],
    n_skills: int,
    *,
    n_items: int = 0,
    fit_forget: bool = True,
    init: dict[str, float] | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
    pseudo_count: float = 2.0,
    item_shrink: float = 20.0,
    item_min_obs: int = 30,
) -> BKTFit:
    """Fit BKT parameters of every skill (and per-item guess/slip) by EM.

    Args:
        seqs: training sequences (one learner x one skill each).
        n_skills: number of skills; skill indices in ``seqs`` must lie in ``[0, n_skills)``.
        n_items: number of items when sequences carry item indices (0 = per-skill guess/slip only).
        fit_forget: fit the per-opportunity forgetting probability (else it stays 0, classic BKT).
        init: starting values (and the centre of the Beta pseudo-counts) for prior, learn, forget, guess, slip.
        max_iter: EM iterations at most.
        tol: stop when the mean log-likelihood per answer improves by less than this.
        pseudo_count: weight (in answers) of the pull toward ``init`` in each M-step.
        item_shrink: pseudo-answers pulling per-item guess/slip toward the skill's values.
        item_min_obs: items with fewer answers get no guess/slip of their own (NaN).

    Returns:
        A :class:`BKTFit`; skills without any answer keep ``init`` values and ``n_obs = 0``.
    """
    init = {"prior": 0.3, "learn": 0.1, "forget": 0.02 if fit_forget else 0.0, "guess": 0.2, "slip": 0.1,
            **(init or {})}
    if n_skills <= 0:
        raise FitError("n_skills must be positive")
    for s in seqs:
        if not 0 <= s.skill < n_skills:
            raise FitError(f"skill index {s.skill} outside [0, {n_skills})")
        if np.any((s.credit < 0) | (s.credit > 1)):
            raise FitError("credits must lie in [0, 1]")
    lay = _Ragged(seqs, n_items)
    S = n_skills
    prior = np.full(S, init["prior"])
    learn = np.full(S, init["learn"])
    forget = np.full(S, init["forget"])
    guess = np.full(S, init["guess"])
    slip = np.full(S, init["slip"])
    use_items = n_items > 0 and bool(np.any(lay.item >= 0))
    item_guess = np.full(max(n_items, 0), init["guess"])
    item_slip = np.full(max(n_items, 0), init["slip"])
    item_n = np.bincount(lay.item[lay.item >= 0], minlength=n_items) if use_items else np.zeros(n_items, int)
    n_obs = np.bincount(lay.skill_flat, minlength=S)
    item_ok = item_n >= item_min_obs if use_items else np.zeros(n_items, bool)

    prev_ll = -np.inf
    ll = -np.inf
    it = 0
    a0 = pseudo_count
    for it in range(1, max_iter + 1):
        sk = lay.skill_row
        g_flat = guess[lay.skill_flat]
        s_flat = slip[lay.skill_flat]
        if use_items:
            has = (lay.item >= 0)
            has[has] = item_ok[lay.item[has]]
            g_flat = np.where(has, item_guess[np.where(has, lay.item, 0)], g_flat)
            s_flat = np.where(has, item_slip[np.where(has, lay.item, 0)], s_flat)
        learn_r, forget_r = learn[sk], forget[sk]
        big_pi, big_f, ll = _forward(lay, prior[sk], learn_r, forget_r, g_flat, s_flat)

        # Backward (smoothing) sweep: gamma_t = P(L_t = 1 | all answers), plus expected transition counts.
        gam = np.empty(lay.total)
        l_num = np.zeros(S)
        l_den = np.zeros(S)
        f_num = np.zeros(S)
        f_den = np.zeros(S)
        for t in range(lay.t_max - 1, -1, -1):
            n = lay.n_t[t]
            a = lay.offsets[t]
            n1 = lay.n_t[t + 1] if t + 1 < lay.t_max else 0
            f = big_f[a: a + n]
            gam[a + n1: a + n] = f[n1:]
            if n1 == 0:
                continue
            b = lay.offsets[t + 1]
            gnext = gam[b: b + n1]
            pnext = np.clip(big_pi[b: b + n1], 1e-12, 1 - 1e-12)
            f1 = f[:n1]
            ln = learn_r[:n1]
            fg = forget_r[:n1]
            up = gnext / pnext
            down = (1.0 - gnext) / (1.0 - pnext)
            xi11 = f1 * (1.0 - fg) * up
            xi10 = f1 * fg * down
            xi01 = (1.0 - f1) * ln * up
            xi00 = (1.0 - f1) * (1.0 - ln) * down
            gam[a: a + n1] = xi11 + xi10
            sks = sk[:n1]
            l_num += np.bincount(sks, xi01, S)
            l_den += np.bincount(sks, xi00 + xi01, S)
            f_num += np.bincount(sks, xi10, S)
            f_den += np.bincount(sks, xi10 + xi11, S)

        # M-step with Beta pseudo-counts toward init.
        g0 = gam[: lay.n_t[0]]
        n_rows_s = np.bincount(sk, minlength=S)
        prior = (np.bincount(sk, g0, S) + a0 * init["prior"]) / (n_rows_s + a0)
        learn = (l_num + a0 * init["learn"]) / (l_den + a0)
        if fit_forget:
            forget = (f_num + a0 * init["forget"]) / (f_den + a0)
        c = lay.credit
        w0 = 1.0 - gam
        guess_num = np.bincount(lay.skill_flat, w0 * c, S)
        guess_den = np.bincount(lay.skill_flat, w0, S)
        slip_num = np.bincount(lay.skill_flat, gam * (1.0 - c), S)
        slip_den = np.bincount(lay.skill_flat, gam, S)
        guess = (guess_num + a0 * init["guess"]) / (guess_den + a0)
        slip = (slip_num + a0 * init["slip"]) / (slip_den + a0)
        prior = np.clip(prior, *BOUNDS["prior"])
        learn = np.clip(learn, *BOUNDS["learn"])
        forget = np.clip(forget, *BOUNDS["forget"]) if fit_forget else np.zeros(S)
        guess = np.clip(guess, *BOUNDS["guess"])
        slip = np.clip(slip, *BOUNDS["slip"])
        if use_items:
            m = lay.item >= 0
            it_idx = lay.item[m]
            sk_of = lay.skill_flat[m]
            ig_num = np.bincount(it_idx, (w0 * c)[m], n_items)
            ig_den = np.bincount(it_idx, w0[m], n_items)
            is_num = np.bincount(it_idx, (gam * (1.0 - c))[m], n_items)
            is_den = np.bincount(it_idx, gam[m], n_items)
            # the skill of each item (first seen) for shrinkage
            item_skill = np.zeros(n_items, dtype=np.int64)
            item_skill[it_idx] = sk_of
            item_guess = np.clip((ig_num + item_shrink * guess[item_skill]) / (ig_den + item_shrink),
                                 *BOUNDS["guess"])
            item_slip = np.clip((is_num + item_shrink * slip[item_skill]) / (is_den + item_shrink), *BOUNDS["slip"])

        if ll - prev_ll < tol * lay.total:
            break
        prev_ll = ll

    item_guess = np.where(item_ok, item_guess, np.nan)
    item_slip = np.where(item_ok, item_slip, np.nan)
    return BKTFit(
        prior=prior, learn=learn, forget=forget, guess=guess, slip=slip, n_obs=n_obs,
        item_guess=item_guess, item_slip=item_slip, item_n=item_n,
        log_likelihood=float(ll), iterations=it,
    )
