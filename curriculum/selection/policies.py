"""Selection policies, registered by name. Each maps a :class:`SelectionContext` to a :class:`Selection`.

* ``adaptive`` (default): ALEKS-style *outer fringe* (own mastery below threshold, every prerequisite
  mastered), teacher assignment respected (unready assigned skills send the learner to the missing
  prerequisite), spaced review of mastered skills, and an item whose predicted success lies in the target band.
* ``lowest_mastery``: OATutor's default heuristic: the not-yet-mastered item with the lowest mastery
  (product over its skills), random tie-break; no prerequisites, no difficulty targeting.
* ``fixed_order``: a worksheet that moves on at mastery: skills in assignment (or prerequisite) order, items
  in the caller's order, skipping recently seen items.

Ties are broken with the injected ``rng`` only, so a policy is deterministic given the rng's seed.
Register more with :func:`register_policy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from curriculum.mastery import p_correct
from curriculum.mastery.online import SECONDS_PER_DAY
from curriculum.selection.errors import SelectionError
from curriculum.selection.types import ItemInfo, Selection, SelectionContext

Policy = Callable[[SelectionContext], Selection]
POLICIES: dict[str, Policy] = {}

_TIE = 1e-9


def register_policy(name: str) -> Callable[[Policy], Policy]:
    """Decorator adding a policy to :data:`POLICIES` under ``name`` (names must be unique)."""

    def deco(fn: Policy) -> Policy:
        if name in POLICIES:
            raise SelectionError(f"policy {name!r} is already registered")
        POLICIES[name] = fn
        return fn

    return deco


def _pick_min(ctx: SelectionContext, cands: Sequence[tuple[float, str]]) -> str:
    """The key with the smallest score; exact ties (within 1e-9) broken by ``ctx.rng``."""
    best = min(score for score, _ in cands)
    tied = sorted(k for score, k in cands if score <= best + _TIE)
    return tied[0] if len(tied) == 1 else ctx.rng.choice(tied)


def _predict(ctx: SelectionContext, item: ItemInfo) -> float:
    return p_correct(ctx.state, item.item_id, item.skills, ctx.params, ctx.now, difficulty=item.difficulty)


def _fresh(ctx: SelectionContext, items: Sequence[ItemInfo]) -> list[ItemInfo]:
    """Items not shown recently; all of them if every one was."""
    fresh = [it for it in items if it.item_id not in ctx.recent_items]
    return fresh or list(items)


def choose_item(ctx: SelectionContext, skill_id: str) -> tuple[ItemInfo, float]:
    """The item for ``skill_id`` whose predicted success is in (or nearest to) the target band.

    Prefers items whose *other* skills are mastered (so a failure is informative about ``skill_id``), then
    items not shown recently. Among those, the score is the distance to the band (0 inside), then the
    distance to the band's centre. Returns the item and its P(correct).
    """
    items = list(ctx.items_by_skill[skill_id])
    clean = [it for it in items if all(s == skill_id or ctx.mastered(s) for s in it.skills)]
    pool = _fresh(ctx, clean or items)
    lo, hi = ctx.target_band
    mid = 0.5 * (lo + hi)
    preds = {it.item_id: _predict(ctx, it) for it in pool}
    scored = []
    for it in pool:
        p = preds[it.item_id]
        outside = lo - p if p < lo else (p - hi if p > hi else 0.0)
        scored.append((outside * 10.0 + abs(p - mid), it.item_id))
    chosen = _pick_min(ctx, scored)
    item = next(it for it in pool if it.item_id == chosen)
    return item, preds[chosen]


def _days_since(ctx: SelectionContext, skill_id: str) -> float | None:
    ss = ctx.state.skills.get(skill_id)
    if ss is None:
        return None
    return max(0.0, (ctx.now - ss.last_time) / SECONDS_PER_DAY)


def _practisable(ctx: SelectionContext, skill_id: str) -> bool:
    return bool(ctx.items_by_skill.get(skill_id))


def _blocking_prereqs(ctx: SelectionContext, skill_id: str) -> list[str]:
    """Direct prerequisites that are not mastered and can be practised here (others cannot block)."""
    return [p for p in ctx.prerequisites.get(skill_id, ()) if _practisable(ctx, p) and not ctx.mastered(p)]


def _missing_foundation(ctx: SelectionContext, skill_id: str) -> list[str]:
    """Unmastered, practisable prerequisites (transitively) of ``skill_id`` that are themselves ready."""
    out: list[str] = []
    seen: set[str] = {skill_id}
    stack = list(reversed(_blocking_prereqs(ctx, skill_id)))
    while stack:
        s = stack.pop()
        if s in seen:
            continue
        seen.add(s)
        below = _blocking_prereqs(ctx, s)
        if below:
            stack.extend(reversed(below))
        else:
            out.append(s)
    return out


def _fmt_days(days: float) -> str:
    if days < 1.0:
        return f"{days * 24:.0f} hours"
    return f"{days:.0f} day" + ("" if round(days) == 1 else "s")


def _review_candidates(ctx: SelectionContext) -> list[tuple[float, str]]:
    """Mastered skills in scope not practised for ``review_after_days``; score = -(days overdue)."""
    out = []
    for s in ctx.scope:
        days = _days_since(ctx, s)
        if days is not None and ctx.mastered(s) and days >= ctx.review_after_days:
            out.append((-days, s))
    return out


@register_policy("adaptive")
def adaptive(ctx: SelectionContext) -> Selection:
    """Outer fringe + assignment + spaced review + target-band difficulty (see module docstring)."""
    reviews = _review_candidates(ctx)
    if reviews and ctx.rng.random() < ctx.review_share:
        s = _pick_min(ctx, reviews)
        item, p = choose_item(ctx, s)
        return Selection(s, item.item_id, p, f"review: last practised {_fmt_days(_days_since(ctx, s) or 0.0)} ago")

    ready: dict[str, str] = {}  # skill -> reason
    for s in ctx.scope:
        if ctx.mastered(s):
            continue
        blocking = _blocking_prereqs(ctx, s)
        if not blocking:
            days = _days_since(ctx, s)
            ss = ctx.state.skills.get(s)
            if ss is not None and ss.p_known >= ctx.mastery_threshold and days is not None:
                ready[s] = f"relearn {s}: mastery fell to {ctx.mastery[s]:.2f} after {_fmt_days(days)} away"
            else:
                pre = "prerequisites mastered" if ctx.prerequisites.get(s) else "no prerequisites"
                if ss is None:
                    ready[s] = f"new skill {s}: {pre}"
                else:
                    ready[s] = f"practise {s}: mastery {ctx.mastery[s]:.2f}, {pre}"
        elif ctx.assignment is not None:
            for f in _missing_foundation(ctx, s):
                ready.setdefault(f, f"prerequisite {f} (mastery {ctx.mastery[f]:.2f}) of assigned {s}")

    if ready:
        # Finish what is closest to mastery first (blocked practice, like a skill builder).
        s = _pick_min(ctx, [(-ctx.mastery[k], k) for k in ready])
        item, p = choose_item(ctx, s)
        return Selection(s, item.item_id, p, f"{ready[s]}; predicted success {p:.2f}")

    unmastered = [s for s in ctx.scope if not ctx.mastered(s)]
    if unmastered:
        # Only possible with cyclic prerequisites: take the skill with the fewest blockers.
        s = _pick_min(ctx, [(float(len(_blocking_prereqs(ctx, k))), k) for k in unmastered])
        item, p = choose_item(ctx, s)
        return Selection(s, item.item_id, p, f"practise {s}: prerequisites form a cycle; predicted success {p:.2f}")

    # Everything in scope is mastered: review the weakest (ties: longest ago).
    s = _pick_min(ctx, [(ctx.mastery[k] - 1e-6 * (_days_since(ctx, k) or 0.0), k) for k in ctx.scope])
    item, p = choose_item(ctx, s)
    return Selection(s, item.item_id, p, f"all skills mastered: review {s} (mastery {ctx.mastery[s]:.2f})")


@register_policy("lowest_mastery")
def lowest_mastery(ctx: SelectionContext) -> Selection:
    """OATutor's default: the item with the lowest mastery among items not yet mastered; random tie-break."""
    scope = set(ctx.scope)
    pool = _fresh(ctx, [it for it in ctx.items if any(s in scope for s in it.skills)])
    scored = []
    for it in pool:
        m = 1.0
        for s in it.skills:
            m *= ctx.mastery[s]
        if any(not ctx.mastered(s) for s in it.skills if s in scope):
            scored.append((m, it.item_id))
    if not scored:  # everything mastered: any item, at random
        scored = [(0.0, it.item_id) for it in pool]
    chosen = _pick_min(ctx, scored)
    item = next(it for it in pool if it.item_id == chosen)
    s = min((k for k in item.skills if k in scope), key=lambda k: ctx.mastery[k])
    p = _predict(ctx, item)
    return Selection(s, item.item_id, p, f"lowest mastery: {s} at {ctx.mastery[s]:.2f}")


def topological_order(skills: Sequence[str], prerequisites: Mapping[str, Sequence[str]]) -> list[str]:
    """``skills`` reordered so prerequisites come first (stable; skills in a cycle keep their order)."""
    prereq = prerequisites
    remaining = list(dict.fromkeys(skills))
    inside = set(remaining)
    done: list[str] = []
    placed: set[str] = set()
    while remaining:
        progress = False
        for s in list(remaining):
            if all(p in placed or p not in inside for p in prereq.get(s, ())):
                done.append(s)
                placed.add(s)
                remaining.remove(s)
                progress = True
                break
        if not progress:  # cycle: place the first remaining skill
            s = remaining.pop(0)
            done.append(s)
            placed.add(s)
    return done


@register_policy("fixed_order")
def fixed_order(ctx: SelectionContext) -> Selection:
    """Skills in order (assignment order, else prerequisites first), moving on at mastery; items in order."""
    order = list(ctx.scope) if ctx.assignment is not None else topological_order(ctx.scope, ctx.prerequisites)
    todo = [s for s in order if not ctx.mastered(s)]
    s = todo[0] if todo else order[0]
    items = _fresh(ctx, ctx.items_by_skill[s])
    item = items[0]
    p = _predict(ctx, item)
    k = order.index(s) + 1
    return Selection(s, item.item_id, p, f"fixed order: skill {k} of {len(order)} ({s})")
