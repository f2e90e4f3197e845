"""Update math: hand-computed cases, conjunctive multi-skill evidence, hints, stability on long streaks."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from curriculum.mastery import (
    InvalidObservationError,
    ItemParams,
    LearnerState,
    Observation,
    default_params,
    p_correct,
    p_mastered,
    update,
)
from curriculum.mastery.online import EPS, bkt_posteriors

from .helpers import bkt_params


def obs(skills=("a",), correct=True, **kw) -> Observation:
    return Observation(skills=tuple(skills), item_id=kw.pop("item_id", "item-" + "+".join(skills)),
                       correct=correct, **kw)


def test_single_skill_correct_matches_hand_computation():
    # prior .3, guess .2, slip .1, learn .15:
    # P(L|correct) = .3*.9 / (.3*.9 + .7*.2) = .27/.41 = 0.658537; then + (1-.658537)*.15 = 0.709756
    params = bkt_params()
    s1 = update(LearnerState.new(), obs(correct=True), params)
    assert s1.skills["a"].p_known == pytest.approx(0.7097560975609757, abs=1e-12)


def test_single_skill_wrong_matches_hand_computation():
    # P(L|wrong) = .3*.1 / (.3*.1 + .7*.8) = .03/.59 = 0.050847; then + (1-.050847)*.15 = 0.193220
    s1 = update(LearnerState.new(), obs(correct=False), bkt_params())
    assert s1.skills["a"].p_known == pytest.approx(0.19322033898305085, abs=1e-12)


def test_forgetting_transition():
    # correct with forget .1: .658537 * .9 + .341463 * .15 = 0.644
    s1 = update(LearnerState.new(), obs(), bkt_params(forget=0.1))
    assert s1.skills["a"].p_known == pytest.approx(0.6585365853658537 * 0.9 + 0.3414634146341463 * 0.15)


def test_conjunctive_wrong_shares_blame():
    # a: P=.3, b: P=.8, guess .2, slip .1. P(b lets the answer through) = .8*.9+.2*.2 = .76, so for a:
    # P(correct|a known) = .9*.76 = .684, P(correct|a unknown) = .2*.76 = .152;
    # wrong: P(a|wrong) = .3*.316 / (.3*.316 + .7*.848) = .0948/.6884 = 0.137711
    # for b: P(a through) = .41; P(b|wrong) = .8*.631/(.8*.631+.2*.918) = 0.733295, versus 1/3 if b were alone
    post = bkt_posteriors([0.3, 0.8], [0.2, 0.2], [0.1, 0.1], credit=0.0)
    assert post[0] == pytest.approx(0.13771063335270192, abs=1e-12)
    assert post[1] == pytest.approx(0.7332945961650204, abs=1e-12)
    alone = bkt_posteriors([0.8], [0.2], [0.1], credit=0.0)
    assert alone[0] == pytest.approx(1 / 3, abs=1e-12)


def test_conjunctive_correct_is_plain_bkt_per_skill():
    post = bkt_posteriors([0.3, 0.8], [0.2, 0.2], [0.1, 0.1], credit=1.0)
    assert post[0] == pytest.approx(0.27 / 0.41)
    assert post[1] == pytest.approx(0.8 * 0.9 / (0.8 * 0.9 + 0.2 * 0.2))


def test_multi_skill_item_updates_every_skill():
    # OATutor PR #125: only the first KC was updated. Here every tested skill moves.
    params = bkt_params()
    s = LearnerState.new()
    for _ in range(3):
        s = update(s, obs(("a", "b", "c")), params)
    for k in ("a", "b", "c"):
        assert s.skills[k].n == 3
        assert s.skills[k].p_known > 0.9


def test_credit_soft_evidence_from_hints_and_give_up():
    params = bkt_params()
    clean = update(LearnerState.new(), obs(correct=True), params).skills["a"].p_known
    half = update(LearnerState.new(), obs(correct=True, hints_used=1, hints_available=2), params).skills["a"].p_known
    all_hints = update(LearnerState.new(), obs(correct=True, hints_used=3, hints_available=3), params)
    wrong = update(LearnerState.new(), obs(correct=False), params).skills["a"].p_known
    gave_up = update(LearnerState.new(), obs(correct=False, gave_up=True), params).skills["a"].p_known
    assert clean > half > all_hints.skills["a"].p_known > wrong
    assert gave_up == pytest.approx(wrong)
    # hint_floor .5: all hints used = no evidence, only the learning transition: .3 + .7*.15
    assert all_hints.skills["a"].p_known == pytest.approx(0.3 + 0.7 * 0.15)
    assert all_hints.wins == pytest.approx(0.5) and all_hints.fails == pytest.approx(0.5)


def test_credit_values():
    assert obs(correct=True).credit(0.5) == 1.0
    assert obs(correct=True, hints_used=1, hints_available=4).credit(0.5) == pytest.approx(0.875)
    assert obs(correct=True, hints_used=2).credit(0.2) == pytest.approx(0.2)  # unknown total = all hints
    assert obs(correct=False, hints_used=2, hints_available=3).credit(0.5) == 0.0


@pytest.mark.parametrize("correct", [True, False])
def test_long_streaks_stay_inside_open_interval_and_do_not_drift(correct):
    params = bkt_params(forget=0.02)
    s = LearnerState.new()
    history = []
    for _ in range(3000):
        s = update(s, obs(correct=correct), params)
        history.append(s.skills["a"].p_known)
    assert all(0.0 < p < 1.0 for p in history)
    assert abs(history[-1] - history[1000]) < 1e-12  # reached a fixed point, no drift
    assert abs(s.ability) <= params.elo.bound
    pc = p_correct(s, "item-a", ("a",), params)
    assert 0.0 < pc < 1.0


@pytest.mark.parametrize("correct", [True, False])
def test_long_streaks_without_forgetting_clamp(correct):
    s = LearnerState.new()
    params = replace(bkt_params(), weights={"bkt": 1.0, "elo": 1.0, "skill_wins": 1.0, "total_wins": 1.0})
    for _ in range(5000):
        s = update(s, obs(correct=correct), params)
    p = s.skills["a"].p_known
    assert EPS <= p <= 1 - EPS
    assert -params.elo.bound <= s.ability <= params.elo.bound
    assert 0.0 < p_correct(s, "item-a", ("a",), params) < 1.0
    assert 0.0 < p_mastered(s, "a", params) < 1.0


def test_update_is_pure_and_state_roundtrips_json():
    import json

    params = default_params()
    s0 = LearnerState.new()
    s1 = update(s0, obs(("x", "y"), correct=True, timestamp=1000.0), params)
    s2 = update(s1, obs(("y",), correct=False, hints_used=1, hints_available=2, timestamp=2000.0), params)
    assert s0 == LearnerState.new() and s0.skills == {}
    assert s1.skills["y"].n == 1 and s2.skills["y"].n == 2
    back = LearnerState.from_dict(json.loads(json.dumps(s2.to_dict())))
    assert back == s2


def test_cold_start_uses_prior_and_time_decay_lowers_mastery():
    params = bkt_params(decay=0.01)
    s = LearnerState.new()
    assert p_mastered(s, "never-seen", params) == pytest.approx(0.3)
    day = 86400.0
    for k in range(6):
        s = update(s, obs(correct=True, timestamp=k * 60.0), params)
    fresh = p_mastered(s, "a", params, now=6 * 60.0)
    later = p_mastered(s, "a", params, now=6 * 60.0 + 30 * day)
    assert later == pytest.approx(fresh * math.exp(-0.01 * 30), rel=1e-6)
    assert p_mastered(s, "a", params) == pytest.approx(s.skills["a"].p_known)


def test_harder_template_predicted_harder_and_counts_more():
    params = replace(
        default_params(),
        items={"easy": ItemParams(difficulty=-1.5, n_obs=100), "hard": ItemParams(difficulty=1.5, n_obs=100)},
    )
    s = LearnerState.new()
    assert p_correct(s, "hard", ("a",), params) < p_correct(s, "easy", ("a",), params)
    # unfitted items fall back to the authored level
    assert p_correct(s, "new", ("a",), params, difficulty=3) < p_correct(s, "new", ("a",), params, difficulty=1)
    after_hard = update(s, Observation(("a",), "hard", True), params).ability
    after_easy = update(s, Observation(("a",), "easy", True), params).ability
    assert after_hard > after_easy > 0.0


def test_item_specific_guess_used_in_update():
    params = replace(bkt_params(), items={"mc": ItemParams(guess=0.45, slip=0.1, n_obs=50)})
    s_mc = update(LearnerState.new(), Observation(("a",), "mc", True), params)
    s_open = update(LearnerState.new(), Observation(("a",), "open", True), params)
    assert s_mc.skills["a"].p_known < s_open.skills["a"].p_known  # guessable item = weaker evidence


def test_timestamps_going_backwards_count_as_zero_days():
    params = bkt_params(decay=0.05)
    s = update(LearnerState.new(), obs(timestamp=10_000.0), params)
    s2 = update(s, obs(timestamp=5_000.0), params)
    s3 = update(s, obs(timestamp=10_000.0), params)
    assert s2.skills["a"].p_known == pytest.approx(s3.skills["a"].p_known)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"skills": (), "item_id": "i", "correct": True}, "at least one skill"),
        ({"skills": "a", "item_id": "i", "correct": True}, "tuple"),
        ({"skills": ("a", "a"), "item_id": "i", "correct": True}, "duplicate"),
        ({"skills": ("a",), "item_id": "", "correct": True}, "item_id"),
        ({"skills": ("a",), "item_id": "i", "correct": True, "gave_up": True}, "given up"),
        ({"skills": ("a",), "item_id": "i", "correct": False, "hints_used": -1}, "hints_used"),
        ({"skills": ("a",), "item_id": "i", "correct": False, "hints_used": 3, "hints_available": 2}, "exceeds"),
        ({"skills": ("a",), "item_id": "i", "correct": 1}, "booleans"),
        ({"skills": ("a",), "item_id": "i", "correct": True, "timestamp": float("nan")}, "timestamp"),
    ],
)
def test_bad_observations_raise_clear_errors(kwargs, message):
    with pytest.raises(InvalidObservationError, match=message):
        Observation(**kwargs)


def test_update_rejects_non_observation():
    with pytest.raises(InvalidObservationError):
        update(LearnerState.new(), {"skills": ["a"]}, default_params())  # type: ignore[arg-type]
