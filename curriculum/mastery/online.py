"""The online model: pure update per answer and the two predictions (P(mastered), P(correct)).

Per skill the model is Bayesian Knowledge Tracing (two hidden states, known / unknown) with

* **multi-skill items** treated as a conjunction (noisy-AND): a correct answer is evidence for every skill
  it tests; the blame for a wrong answer is shared, so a wrong answer says less about skill ``s`` when the
  item's other skills are likely unknown. With one skill this reduces exactly to textbook BKT;
* **soft evidence** from hints and give-ups: the answer enters the likelihood with a credit ``c`` in [0, 1]
  (``Observation.credit``), ``P(obs | state) = c P(correct | state) + (1 - c) P(wrong | state)``;
* **forgetting** per opportunity (``SkillParams.forget``) and over time (``decay_per_day``);
* **per-item guess/slip** where the fitter had enough data for the item (pyBKT's "multigs" idea).

On top of BKT the learner carries an Elo ability (updated against the item's Elo difficulty, so harder
templates are recognised) and counters. P(correct) is a logistic model over features built from this
constant-size state (see :data:`FEATURES`), fitted offline by :func:`curriculum.mastery.fit`:

    z = intercept + mean over the item's skills s of [ bias_s + sum_j (w_j + d_sj) * f_sj ]
    P(correct) = sigmoid(z)

P(mastered) is the BKT probability of the known state, decayed to ``now``; that is the number a teacher
reads. Every function here is pure and costs O(number of skills of the item).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from curriculum.mastery.errors import InvalidObservationError
from curriculum.mastery.params import ModelParams, SkillParams
from curriculum.mastery.state import LearnerState, Observation, SkillState

#: Probabilities kept by the state are clamped to [EPS, 1 - EPS] so long streaks cannot reach 0 or 1.
EPS = 1e-6
#: P(correct) is clipped to [P_CLIP, 1 - P_CLIP].
P_CLIP = 1e-4
SECONDS_PER_DAY = 86400.0
#: Exponential smoothing of the "recent" features: ``recent <- RECENCY_DECAY * recent + (1 - RECENCY_DECAY) * x``.
RECENCY_DECAY = 0.7

#: Predictor features, each computed per skill of the item (learner-wide ones repeat per skill):
#: bkt          logit of the BKT P(correct) for this skill and item
#: skill_wins   log(1 + evidence credit on this skill)
#: skill_fails  log(1 + (1 - credit) on this skill)
#: total_wins   log(1 + credit over all skills)
#: total_fails  log(1 + (1 - credit) over all skills)
#: last         2 * credit of the last answer on this skill - 1 (0 if never practised)
#: gap          log(1 + answers on other skills since this skill was last practised)
#: days         log(1 + days since this skill was last practised)
#: elo          learner ability - item difficulty (logit)
#: first        1 if the skill was never practised, else 0
#: skill_recent exponentially weighted mean of 2 * credit - 1 on this skill (0 if never practised)
#: prev         2 * credit - 1 of the learner's previous answer on any skill (0 before the first answer)
#: recent       exponentially weighted mean of 2 * credit - 1 over all the learner's answers
FEATURES: tuple[str, ...] = (
    "bkt", "skill_wins", "skill_fails", "total_wins", "total_fails", "last", "gap", "days", "elo", "first",
    "skill_recent", "prev", "recent",
)


def _clamp(p: float, eps: float = EPS) -> float:
    return min(max(p, eps), 1.0 - eps)


def _logit(p: float) -> float:
    p = _clamp(p)
    return math.log(p / (1.0 - p))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _days_since(skill_state: SkillState, now: float | None) -> float:
    if now is None:
        return 0.0
    return max(0.0, (now - skill_state.last_time) / SECONDS_PER_DAY)


def _known_now(skill_state: SkillState | None, sp: SkillParams, now: float | None) -> float:
    """P(known) of one skill at time ``now`` (prior if never practised)."""
    if skill_state is None:
        return sp.prior
    p = skill_state.p_known
    if sp.decay_per_day > 0.0 and now is not None:
        p *= math.exp(-sp.decay_per_day * _days_since(skill_state, now))
    return _clamp(p)


def _guess_slip(params: ModelParams, sp: SkillParams, item_id: str) -> tuple[float, float]:
    item = params.items.get(item_id)
    guess = sp.guess if item is None or item.guess is None else item.guess
    slip = sp.slip if item is None or item.slip is None else item.slip
    return guess, slip


def item_difficulty(params: ModelParams, item_id: str, skills: Sequence[str], level: int | None = None) -> float:
    """Elo difficulty (logit) of an item: its fitted value, else its skills' mean plus the level offset."""
    item = params.items.get(item_id)
    if item is not None and item.n_obs > 0:
        return item.difficulty
    base = sum(params.skill(s).difficulty for s in skills) / len(skills)
    if level is not None:
        base += params.level_difficulty.get(level, 0.0)
    return base


def p_mastered(state: LearnerState, skill_id: str, params: ModelParams, now: float | None = None) -> float:
    """P(learner knows ``skill_id``) in (0, 1): the BKT posterior, decayed to ``now`` (unix s) if given."""
    return _known_now(state.skills.get(skill_id), params.skill(skill_id), now)


def skill_features(
    state: LearnerState,
    item_id: str,
    skills: Sequence[str],
    params: ModelParams,
    now: float | None = None,
    level: int | None = None,
) -> list[list[float]]:
    """Per-skill feature rows for predicting the next answer on ``item_id``.

    Returns a ``len(skills) x len(FEATURES)`` nested list (row order = ``skills``), computed from the state
    *before* the answer. Used identically by :func:`p_correct` and by the fitter (no train/serve skew).
    """
    if not skills:
        raise InvalidObservationError("an item must test at least one skill")
    total_wins = math.log1p(state.wins)
    total_fails = math.log1p(state.fails)
    elo = state.ability - item_difficulty(params, item_id, skills, level)
    prev = 2.0 * state.last_credit - 1.0 if state.n else 0.0
    recent = state.recent
    rows = []
    for s in skills:
        sp = params.skill(s)
        ss = state.skills.get(s)
        p = _known_now(ss, sp, now)
        guess, slip = _guess_slip(params, sp, item_id)
        bkt = _logit(p * (1.0 - slip) + (1.0 - p) * guess)
        if ss is None:
            rows.append([bkt, 0.0, 0.0, total_wins, total_fails, 0.0, 0.0, 0.0, elo, 1.0, 0.0, prev, recent])
        else:
            rows.append([
                bkt,
                math.log1p(ss.wins),
                math.log1p(ss.fails),
                total_wins,
                total_fails,
                2.0 * ss.last_credit - 1.0,
                math.log1p(max(0, state.n - ss.last_index)),
                math.log1p(_days_since(ss, now)),
                elo,
                0.0,
                ss.recent,
                prev,
                recent,
            ])
    return rows


def logit_from_features(rows: list[list[float]], skills: Sequence[str], params: ModelParams) -> float:
    """Predictor logit ``z`` from :func:`skill_features` rows (see module docstring)."""
    w = params.weights
    glob = [w.get(name, 0.0) for name in FEATURES]
    z = 0.0
    for s, row in zip(skills, rows):
        sp = params.skill(s)
        d = sp.weights
        acc = sp.bias
        for j, name in enumerate(FEATURES):
            acc += (glob[j] + d.get(name, 0.0)) * row[j]
        z += acc
    return w.get("intercept", 0.0) + z / len(skills)


def p_correct(
    state: LearnerState,
    item_id: str,
    skills: Sequence[str],
    params: ModelParams,
    now: float | None = None,
    *,
    difficulty: int | None = None,
) -> float:
    """P(the learner answers ``item_id`` correctly next), clipped to [1e-4, 1 - 1e-4].

    Args:
        state: the learner's state before the answer.
        item_id: template id; its fitted difficulty and guess/slip are used when known.
        skills: skills the item tests (non-empty).
        params: model parameters.
        now: unix seconds; time decay and the "days" feature use it (``None`` = no decay).
        difficulty: authored level 1..3, used only for items without a fitted difficulty.
    """
    skills = tuple(skills)
    rows = skill_features(state, item_id, skills, params, now, difficulty)
    return min(max(_sigmoid(logit_from_features(rows, skills, params)), P_CLIP), 1.0 - P_CLIP)


def bkt_posteriors(
    priors: Sequence[float], guesses: Sequence[float], slips: Sequence[float], credit: float
) -> list[float]:
    """Conjunctive (noisy-AND) BKT evidence step for one answer on a k-skill item, before the transition.

    ``P(correct | K) = prod_s (K_s ? 1 - slip_s : guess_s)``. For skill s, with ``Q_s`` the probability that
    every *other* skill "lets the answer through", ``P(correct | L_s = 1) = (1 - slip_s) Q_s`` and
    ``P(correct | L_s = 0) = guess_s Q_s``; the soft observation has likelihood
    ``c P(correct | .) + (1 - c) (1 - P(correct | .))``. Returns P(L_s = 1 | answer) per skill.
    """
    through = [p * (1.0 - sl) + (1.0 - p) * g for p, g, sl in zip(priors, guesses, slips)]
    out = []
    for i, (p, g, sl) in enumerate(zip(priors, guesses, slips)):
        q = 1.0
        for j, t in enumerate(through):
            if j != i:
                q *= t
        pc1 = (1.0 - sl) * q
        pc0 = g * q
        like1 = credit * pc1 + (1.0 - credit) * (1.0 - pc1)
        like0 = credit * pc0 + (1.0 - credit) * (1.0 - pc0)
        num = p * like1
        den = num + (1.0 - p) * like0
        out.append(num / den if den > 0.0 else p)
    return out


def update(state: LearnerState, obs: Observation, params: ModelParams) -> LearnerState:
    """New learner state after one answer (pure; ``state`` is not modified).

    Every skill in ``obs.skills`` is updated (conjunctive evidence, then the learn/forget transition); the
    Elo ability moves toward the answer's credit; counters advance. Cost: O(len(obs.skills)^2), independent
    of how many answers came before. Timestamps earlier than a skill's last practice count as 0 days.
    """
    if not isinstance(obs, Observation):
        raise InvalidObservationError(f"update() needs an Observation, got {type(obs).__name__}")
    credit = obs.credit(params.hint_floor)
    now = float(obs.timestamp)
    sps = [params.skill(s) for s in obs.skills]
    olds = [state.skills.get(s) for s in obs.skills]
    priors = [_known_now(ss, sp, now) for ss, sp in zip(olds, sps)]
    gs = [_guess_slip(params, sp, obs.item_id) for sp in sps]
    posts = bkt_posteriors(priors, [g for g, _ in gs], [s for _, s in gs], credit)

    new_n = state.n + 1
    x = 2.0 * credit - 1.0
    skills = dict(state.skills)
    for sid, sp, ss, post in zip(obs.skills, sps, olds, posts):
        p_next = _clamp(post * (1.0 - sp.forget) + (1.0 - post) * sp.learn)
        if ss is None:
            ss = SkillState(p_known=sp.prior)
        skills[sid] = SkillState(
            p_known=p_next,
            wins=ss.wins + credit,
            fails=ss.fails + (1.0 - credit),
            n=ss.n + 1,
            last_time=now,
            last_index=new_n,
            last_credit=credit,
            recent=RECENCY_DECAY * ss.recent + (1.0 - RECENCY_DECAY) * x,
        )

    elo = params.elo
    beta = item_difficulty(params, obs.item_id, obs.skills)
    expected = _sigmoid(state.ability - beta)
    step = elo.k0 / (1.0 + elo.k_decay * state.n)
    ability = min(max(state.ability + step * (credit - expected), -elo.bound), elo.bound)
    return replace(
        state,
        skills=skills,
        ability=ability,
        n=new_n,
        wins=state.wins + credit,
        fails=state.fails + (1.0 - credit),
        last_credit=credit,
        recent=RECENCY_DECAY * state.recent + (1.0 - RECENCY_DECAY) * x,
    )
