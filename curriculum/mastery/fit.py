"""Offline fitting from logged attempts: BKT by EM, Elo item difficulties, then the P(correct) predictor.

Pipeline (each step uses only the training log):

1. group the log per learner and sort each learner's answers by timestamp (stable);
2. EM for BKT on every (learner, skill) sequence, all skills at once (:func:`.em.fit_bkt`); per-item
   guess/slip for items with enough answers when a skill has several items;
3. two Elo passes over the log to place every item (template) on a logit difficulty scale, centred at 0;
   a skill's difficulty is the answer-weighted mean of its items';
4. replay the log through the *online* :func:`.online.update` and record :func:`.online.skill_features`
   before every answer (exactly what happens in production);
5. fit the logistic predictor (global weights, a bias per skill, per-skill weight corrections) with L2.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from scipy import sparse

from curriculum.mastery.em import BKTSequence, fit_bkt
from curriculum.mastery.errors import FitError
from curriculum.mastery.logistic import fit_logistic
from curriculum.mastery.online import FEATURES, skill_features, update
from curriculum.mastery.params import ItemParams, ModelParams, SkillParams, default_params
from curriculum.mastery.state import LearnerState, Observation

AttemptLog = Mapping[str, Sequence[Observation]] | Iterable[tuple[str, Observation]]


def group_log(attempt_log: AttemptLog) -> list[tuple[str, list[Observation]]]:
    """Normalise an attempt log to ``[(learner_id, [obs sorted by timestamp]), ...]`` (first-seen order)."""
    groups: dict[str, list[Observation]] = defaultdict(list)
    if isinstance(attempt_log, Mapping):
        items: Iterable[tuple[str, Observation]] = (
            (lid, o) for lid, seq in attempt_log.items() for o in seq
        )
    else:
        items = attempt_log
    for entry in items:
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], Observation)):
            raise FitError(f"attempt log entries must be (learner_id, Observation) pairs, got {entry!r:.80}")
        groups[str(entry[0])].append(entry[1])
    if not groups:
        raise FitError("the attempt log is empty")
    return [(lid, sorted(seq, key=lambda o: o.timestamp)) for lid, seq in groups.items()]


def _elo_difficulties(
    learners: Sequence[tuple[str, list[Observation]]], params: ModelParams, credit_of, passes: int = 2
) -> tuple[dict[str, float], dict[str, int]]:
    """Item difficulty by Elo: the item's step shrinks as 1 / (1 + 0.05 n_item)."""
    beta: dict[str, float] = defaultdict(float)
    n_item: dict[str, int] = defaultdict(int)
    elo = params.elo
    for _ in range(passes):
        seen: dict[str, int] = defaultdict(int)
        for _lid, seq in learners:
            theta = 0.0
            for k, o in enumerate(seq):
                b = beta[o.item_id]
                p = 1.0 / (1.0 + math.exp(-(theta - b)))
                r = credit_of(o) - p
                theta = min(max(theta + elo.k0 / (1.0 + elo.k_decay * k) * r, -elo.bound), elo.bound)
                beta[o.item_id] = b - 0.4 / (1.0 + 0.05 * seen[o.item_id]) * r
                seen[o.item_id] += 1
        n_item = seen
    total = sum(n_item.values())
    centre = sum(beta[i] * n for i, n in n_item.items()) / total
    return {i: beta[i] - centre for i in n_item}, dict(n_item)


def fit(
    attempt_log: AttemptLog,
    *,
    base: ModelParams | None = None,
    fit_forget: bool = True,
    per_skill_weights: bool = True,
    l2_global: float = 0.1,
    l2_bias: float = 1.0,
    l2_skill_weights: float = 10.0,
    item_min_obs: int = 30,
    em_max_iter: int = 200,
    exclude_features: Sequence[str] = (),
) -> ModelParams:
    """Fit model parameters from logged attempts (the tutor's periodic refit).

    Args:
        attempt_log: ``{learner_id: [Observation, ...]}`` or an iterable of ``(learner_id, Observation)``.
        base: parameters providing the cold-start default skill, Elo constants, hint floor and level
            offsets (default: :func:`default_params`).
        fit_forget: fit per-opportunity forgetting in BKT.
        per_skill_weights: let each skill correct the global predictor weights (L2 ``l2_skill_weights``).
        l2_global, l2_bias, l2_skill_weights: L2 penalties (in units of summed log-loss) on the global
            weights, the per-skill biases and the per-skill weight corrections.
        item_min_obs: items with fewer answers keep the skill's guess/slip.
        em_max_iter: EM iteration cap.
        exclude_features: predictor features to leave out (weight fixed at 0), for ablations.

    Returns:
        A new :class:`ModelParams` with every skill and item of the log.
    """
    t0 = time.monotonic()
    unknown = set(exclude_features) - set(FEATURES)
    if unknown:
        raise FitError(f"unknown features to exclude: {sorted(unknown)}; known: {list(FEATURES)}")
    keep = [j for j, name in enumerate(FEATURES) if name not in exclude_features]
    base = base or default_params()
    learners = group_log(attempt_log)
    hint_floor = base.hint_floor

    def credit_of(o: Observation) -> float:
        return o.credit(hint_floor)

    # --- 1-2. BKT by EM ---------------------------------------------------------------------------------
    skill_ids = sorted({s for _, seq in learners for o in seq for s in o.skills})
    sidx = {s: i for i, s in enumerate(skill_ids)}
    items_of_skill: dict[str, set[str]] = defaultdict(set)
    single_skill_items: set[str] = set()
    multi_skill_items: set[str] = set()
    for _, seq in learners:
        for o in seq:
            for s in o.skills:
                items_of_skill[s].add(o.item_id)
            (single_skill_items if len(o.skills) == 1 else multi_skill_items).add(o.item_id)
    # per-item guess/slip only for single-skill items of skills that have several items
    skill_of_item = {o.item_id: o.skills[0] for _, seq in learners for o in seq if len(o.skills) == 1}
    item_ids = sorted(i for i in single_skill_items - multi_skill_items
                      if len(items_of_skill[skill_of_item[i]]) > 1)
    iidx = {i: k for k, i in enumerate(item_ids)}
    seqs: list[BKTSequence] = []
    for _, seq in learners:
        per_skill: dict[str, tuple[list[float], list[int]]] = defaultdict(lambda: ([], []))
        for o in seq:
            c = credit_of(o)
            for s in o.skills:
                cs, its = per_skill[s]
                cs.append(c)
                its.append(iidx.get(o.item_id, -1))
        for s, (cs, its) in per_skill.items():
            seqs.append(BKTSequence(sidx[s], np.asarray(cs, float), np.asarray(its, np.int64) if item_ids else None))
    d = base.default_skill
    bkt = fit_bkt(
        seqs, len(skill_ids), n_items=len(item_ids), fit_forget=fit_forget,
        init={"prior": d.prior, "learn": d.learn, "guess": d.guess, "slip": d.slip,
              "forget": max(d.forget, 0.02) if fit_forget else 0.0},
        max_iter=em_max_iter, item_min_obs=item_min_obs,
    )

    # --- 3. Elo difficulties ------------------------------------------------------------------------------
    beta, n_item = _elo_difficulties(learners, base, credit_of)
    skill_diff: dict[str, float] = {}
    for s in skill_ids:
        its = items_of_skill[s]
        tot = sum(n_item[i] for i in its)
        skill_diff[s] = sum(beta[i] * n_item[i] for i in its) / tot
    items: dict[str, ItemParams] = {}
    for i, b in beta.items():
        k = iidx.get(i)
        g = s_ = None
        if k is not None and not math.isnan(bkt.item_guess[k]):
            g, s_ = float(bkt.item_guess[k]), float(bkt.item_slip[k])
            if g + s_ >= 1.0:
                g = s_ = None
        items[i] = ItemParams(difficulty=float(b), guess=g, slip=s_, n_obs=int(n_item[i]))

    skills = {
        s: SkillParams(
            prior=float(bkt.prior[k]), learn=float(bkt.learn[k]), guess=float(bkt.guess[k]),
            slip=float(bkt.slip[k]), forget=float(bkt.forget[k]), decay_per_day=d.decay_per_day,
            difficulty=float(skill_diff[s]), n_obs=int(bkt.n_obs[k]),
        )
        for s, k in sidx.items()
    }
    params = replace(base, skills=skills, items=items, weights={})

    # --- 4. replay the log through the online model ------------------------------------------------------
    m = len(FEATURES)
    n_s = len(skill_ids)
    rows_i: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    ys: list[float] = []
    r = 0
    col_bias = 1 + m
    col_delta = col_bias + n_s
    for _, seq in learners:
        state = LearnerState.new()
        for o in seq:
            feats = skill_features(state, o.item_id, o.skills, params, now=o.timestamp)
            k = len(o.skills)
            inv = 1.0 / k
            rows_i.append(r), cols.append(0), vals.append(1.0)
            mean = [sum(f[j] for f in feats) * inv for j in range(m)]
            for j in keep:
                if mean[j] != 0.0:
                    rows_i.append(r), cols.append(1 + j), vals.append(mean[j])
            for s, f in zip(o.skills, feats):
                si = sidx[s]
                rows_i.append(r), cols.append(col_bias + si), vals.append(inv)
                if per_skill_weights:
                    for j in keep:
                        if f[j] != 0.0:
                            rows_i.append(r), cols.append(col_delta + si * m + j), vals.append(f[j] * inv)
            ys.append(credit_of(o))
            state = update(state, o, params)
            r += 1
    n_cols = col_delta + (n_s * m if per_skill_weights else 0)
    X = sparse.csr_matrix((vals, (rows_i, cols)), shape=(r, n_cols))
    l2 = np.concatenate([
        [0.0], np.full(m, l2_global), np.full(n_s, l2_bias),
        np.full(n_s * m if per_skill_weights else 0, l2_skill_weights),
    ])

    # --- 5. logistic predictor ---------------------------------------------------------------------------
    w = fit_logistic(X, np.asarray(ys), l2)
    weights = {"intercept": float(w[0]), **{name: float(w[1 + j]) for j, name in enumerate(FEATURES)}}
    final_skills = {}
    for s, si in sidx.items():
        deltas: dict[str, float] = {}
        if per_skill_weights:
            blk = w[col_delta + si * m: col_delta + (si + 1) * m]
            deltas = {name: float(v) for name, v in zip(FEATURES, blk) if abs(v) > 1e-9}
        final_skills[s] = replace(skills[s], bias=float(w[col_bias + si]), weights=deltas)
    meta: dict[str, Any] = {
        "fitted_on": {"learners": len(learners), "answers": r, "skills": n_s, "items": len(items)},
        "em": {"iterations": bkt.iterations, "log_likelihood": bkt.log_likelihood, "fit_forget": fit_forget},
        "predictor": {"per_skill_weights": per_skill_weights, "exclude_features": list(exclude_features), "l2_global": l2_global, "l2_bias": l2_bias,
                      "l2_skill_weights": l2_skill_weights},
        "fit_seconds": round(time.monotonic() - t0, 2),
    }
    return replace(params, skills=final_skills, weights=weights, meta=meta)
