"""Selection: outer fringe, assignment, target band, review spacing, determinism, policies, bad input."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from curriculum.mastery import ItemParams, LearnerState, SkillParams, default_params
from curriculum.mastery.state import SkillState
from curriculum.selection import (
    POLICIES,
    ItemInfo,
    Selection,
    SelectionError,
    register_policy,
    select_next,
    topological_order,
)

DAY = 86400.0
NOW = 1_700_000_000.0
PREREQS = {"fractions.add": ["fractions.equivalent"], "fractions.equivalent": ["whole.multiply"],
           "whole.multiply": []}
ITEMS = [
    ItemInfo("mul-1", ("whole.multiply",), 1),
    ItemInfo("mul-2", ("whole.multiply",), 2),
    ItemInfo("eq-1", ("fractions.equivalent",), 1),
    ItemInfo("eq-3", ("fractions.equivalent",), 3),
    ItemInfo("add-1", ("fractions.add",), 1),
    ItemInfo("add-2", ("fractions.add",), 2),
    ItemInfo("add-3", ("fractions.add",), 3),
]


def state_with(**mastery: float | tuple[float, float]) -> LearnerState:
    """Learner whose skills have the given P(known) (optionally with days since last practice)."""
    skills = {}
    for name, v in mastery.items():
        p, days = v if isinstance(v, tuple) else (v, 0.0)
        skills[name.replace("__", ".")] = SkillState(p_known=p, wins=5, fails=1, n=6, last_time=NOW - days * DAY,
                                                     last_index=6, last_credit=1.0)
    return LearnerState(skills=skills, n=6 * len(skills))


def pick(state, **kw) -> Selection:
    args = {"prerequisites": PREREQS, "items": ITEMS, "params": default_params(), "rng": random.Random(0), "now": NOW}
    args.update(kw)
    return select_next(state, **args)


def test_new_learner_starts_at_the_root_of_the_prerequisite_graph():
    sel = pick(LearnerState.new())
    assert sel.skill_id == "whole.multiply"
    assert sel.reason.startswith("new skill whole.multiply")
    assert 0.0 < sel.predicted_p_correct < 1.0


def test_outer_fringe_moves_on_when_prerequisites_are_mastered():
    sel = pick(state_with(whole__multiply=0.97))
    assert sel.skill_id == "fractions.equivalent"
    sel = pick(state_with(whole__multiply=0.97, fractions__equivalent=0.96))
    assert sel.skill_id == "fractions.add"
    assert "prerequisites mastered" in sel.reason


def test_threshold_is_configurable():
    s = state_with(whole__multiply=0.9)
    assert pick(s).skill_id == "whole.multiply"
    assert pick(s, mastery_threshold=0.85).skill_id == "fractions.equivalent"


def test_assignment_is_respected_and_missing_prerequisite_is_offered():
    s = state_with(whole__multiply=0.97)
    sel = pick(s, assignment=["fractions.add"])
    assert sel.skill_id == "fractions.equivalent"
    assert "prerequisite fractions.equivalent" in sel.reason and "assigned fractions.add" in sel.reason
    s2 = state_with(whole__multiply=0.97, fractions__equivalent=0.97)
    assert pick(s2, assignment=["fractions.add"]).skill_id == "fractions.add"
    # without an assignment constraint, only the assigned skill's scope counts
    assert pick(state_with(), assignment=["whole.multiply"]).skill_id == "whole.multiply"


def test_item_difficulty_targets_the_band():
    params = replace(
        default_params(),
        items={
            "add-1": ItemParams(difficulty=-3.0, n_obs=500),  # far too easy
            "add-2": ItemParams(difficulty=-0.8, n_obs=500),
            "add-3": ItemParams(difficulty=2.5, n_obs=500),  # far too hard
        },
    )
    s = state_with(whole__multiply=0.97, fractions__equivalent=0.97, fractions__add=0.5)
    sel = pick(s, params=params)
    assert sel.item_id == "add-2"
    assert 0.6 <= sel.predicted_p_correct <= 0.8
    # a band the hard item fits
    hard = pick(s, params=params, target_band=(0.05, 0.3))
    assert hard.item_id == "add-3"


def test_recent_items_are_avoided_unless_nothing_else():
    s = state_with(whole__multiply=0.97, fractions__equivalent=0.97, fractions__add=0.5)
    first = pick(s)
    second = pick(s, recent_items=[first.item_id])
    assert second.item_id != first.item_id
    only = pick(s, recent_items=["add-1", "add-2", "add-3"])
    assert only.skill_id == "fractions.add"


def test_review_of_mastered_skill_after_spacing():
    s = state_with(whole__multiply=(0.99, 9.0), fractions__equivalent=0.5)
    params = replace(default_params(), default_skill=replace(default_params().default_skill, decay_per_day=0.0))
    sel = pick(s, params=params, review_share=1.0)
    assert sel.skill_id == "whole.multiply"
    assert sel.reason == "review: last practised 9 days ago"
    assert pick(s, params=params, review_share=0.0).skill_id == "fractions.equivalent"
    assert pick(s, params=params, review_share=1.0, review_after_days=10.0).skill_id == "fractions.equivalent"


def test_decayed_mastery_brings_a_skill_back():
    params = replace(default_params(), default_skill=replace(default_params().default_skill, decay_per_day=0.01))
    s = state_with(whole__multiply=(0.97, 60.0))
    sel = pick(s, params=params, review_share=0.0)
    assert sel.skill_id == "whole.multiply"
    assert sel.reason.startswith("relearn whole.multiply: mastery fell to 0.53 after 60 days away")


def test_all_mastered_reviews_the_weakest():
    s = state_with(whole__multiply=0.99, fractions__equivalent=0.96, fractions__add=0.98)
    sel = pick(s, review_share=0.0)
    assert sel.skill_id == "fractions.equivalent" and sel.reason.startswith("all skills mastered")


def test_deterministic_given_rng_and_ties_use_it():
    items = [ItemInfo(f"t{k}", ("s",), 2) for k in range(6)]
    picks = [select_next(LearnerState.new(), prerequisites={}, items=items, params=default_params(),
                         rng=random.Random(seed), now=NOW).item_id for seed in range(20)]
    again = [select_next(LearnerState.new(), prerequisites={}, items=items, params=default_params(),
                         rng=random.Random(seed), now=NOW).item_id for seed in range(20)]
    assert picks == again
    assert len(set(picks)) > 1  # six identical items: the rng decides


def test_cyclic_prerequisites_do_not_deadlock():
    items = [ItemInfo("a", ("a",), 2), ItemInfo("b", ("b",), 2)]
    sel = select_next(LearnerState.new(), prerequisites={"a": ["b"], "b": ["a"]}, items=items,
                      params=default_params(), rng=random.Random(1), now=NOW)
    assert sel.skill_id in {"a", "b"} and "cycle" in sel.reason
    assert topological_order(["a", "b"], {"a": ["b"], "b": ["a"]}) == ["a", "b"]
    assert topological_order(["add", "eq", "mul"], {"add": ["eq"], "eq": ["mul"]}) == ["mul", "eq", "add"]


def test_multi_skill_item_preferred_only_when_other_skills_mastered():
    items = [ItemInfo("mix", ("a", "b"), 2), ItemInfo("pure-a", ("a",), 2)]
    sel = select_next(LearnerState.new(), prerequisites={}, items=items, params=default_params(),
                      rng=random.Random(0), now=NOW, assignment=["a"])
    assert sel.item_id == "pure-a"


def test_lowest_mastery_policy_is_oatutor_heuristic():
    s = state_with(whole__multiply=0.5, fractions__equivalent=0.2, fractions__add=0.4)
    sel = pick(s, policy="lowest_mastery")
    assert sel.skill_id == "fractions.equivalent"  # ignores prerequisites, lowest first
    assert sel.reason.startswith("lowest mastery")


def test_fixed_order_policy_walks_skills_in_prerequisite_order():
    s = state_with(whole__multiply=0.97)
    sel = pick(s, policy="fixed_order")
    assert sel.skill_id == "fractions.equivalent" and sel.item_id == "eq-1"
    assert pick(s, policy="fixed_order", recent_items=["eq-1"]).item_id == "eq-3"
    assert pick(s, policy="fixed_order", assignment=["fractions.add", "whole.multiply"]).skill_id == "fractions.add"


def test_policies_are_pluggable():
    assert {"adaptive", "lowest_mastery", "fixed_order"} <= set(POLICIES)

    @register_policy("first_item_for_test")
    def first(ctx):
        it = ctx.items[0]
        return Selection(it.skills[0], it.item_id, 0.5, "first")

    try:
        assert pick(LearnerState.new(), policy="first_item_for_test").item_id == "mul-1"
        with pytest.raises(SelectionError, match="already registered"):
            register_policy("first_item_for_test")(first)
    finally:
        POLICIES.pop("first_item_for_test")


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"policy": "magic"}, "unknown policy"),
        ({"items": []}, "no items"),
        ({"items": [ITEMS[0], ITEMS[0]]}, "duplicate item ids"),
        ({"assignment": ["geometry.area"]}, "without any item"),
        ({"assignment": "fractions.add"}, "non-empty sequence"),
        ({"target_band": (0.8, 0.6)}, "target_band"),
        ({"target_band": (0.0, 0.5)}, "target_band"),
        ({"mastery_threshold": 1.0}, "mastery_threshold"),
        ({"rng": random}, "rng must be"),
        ({"now": float("inf")}, "now must be"),
        ({"prerequisites": {"a": "b"}}, "prerequisites"),
    ],
)
def test_bad_input_raises(kw, message):
    with pytest.raises(SelectionError, match=message):
        pick(LearnerState.new(), **kw)


def test_item_info_validation():
    with pytest.raises(SelectionError):
        ItemInfo("x", ("a",), 4)
    with pytest.raises(SelectionError):
        ItemInfo("x", (), 1)
    with pytest.raises(SelectionError):
        ItemInfo("", ("a",), 1)


def test_selection_uses_fitted_skill_params():
    params = replace(default_params(), skills={"whole.multiply": SkillParams(prior=0.97, learn=0.1, guess=0.2,
                                                                             slip=0.1)})
    assert pick(LearnerState.new(), params=params).skill_id == "fractions.equivalent"
