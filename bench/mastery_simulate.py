"""Simulated classes: how many items each selection policy needs to bring learners to mastery, and how well
P(mastered) is calibrated against the simulated learners' true knowledge.

Synthetic learners have a known true state per skill and known learning rates:

* ability ``a ~ N(0, 0.8)``; each skill starts known with its prior (0.35 for roots, 0.1 deeper down);
* after each item, every skill it tests becomes known with probability
  ``sigmoid(logit(base_rate) + 0.6 a)`` if all that skill's prerequisites are truly known, else 0.02;
* answers: P(correct | known) = 1 - slip, P(correct | unknown) = guess, by authored level
  (level 1: guess .30 slip .04; level 2: .20/.08; level 3: .10/.15); multi-skill items need every skill.

The tutor's parameters are *fitted* (``curriculum.mastery.fit``) on the log of a pilot class that did a
fixed worksheet, the way the tutor's periodic refit would; then a fresh class is run under each policy.
Policies stop a learner when every skill has P(mastered) >= 0.95; the fixed worksheet gives ``k`` items per
skill in prerequisite order for several ``k``.

Usage (from the repository root)::

    python bench/mastery_simulate.py --learners 300 --seed 1 --svg docs/img/mastery_simulation.svg
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curriculum.mastery import LearnerState, ModelParams, Observation, fit, p_mastered, update
from curriculum.selection import ItemInfo, select_next, topological_order

PREREQS: dict[str, list[str]] = {
    "whole.count": [],
    "whole.add": ["whole.count"],
    "whole.subtract": ["whole.add"],
    "whole.multiply": ["whole.add"],
    "whole.divide": ["whole.multiply"],
    "fractions.equivalent": ["whole.multiply"],
    "fractions.add": ["fractions.equivalent", "whole.add"],
    "fractions.mixed": ["fractions.add", "whole.divide"],
}
SKILLS = list(PREREQS)
BASE_RATE = {s: r for s, r in zip(SKILLS, (0.30, 0.25, 0.25, 0.20, 0.18, 0.15, 0.15, 0.12))}
PRIOR = {s: (0.35 if not PREREQS[s] else 0.10) for s in SKILLS}
GUESS = {1: 0.30, 2: 0.20, 3: 0.10}
SLIP = {1: 0.04, 2: 0.08, 3: 0.15}
ITEMS = [ItemInfo(f"{s}/L{d}", (s,), d) for s in SKILLS for d in (1, 2, 3)] + [
    ItemInfo("fractions.add+whole.multiply/L2", ("fractions.add", "whole.multiply"), 2),
    ItemInfo("fractions.mixed+whole.divide/L3", ("fractions.mixed", "whole.divide"), 3),
]
ITEM_BY_ID = {it.item_id: it for it in ITEMS}
STEP_SECONDS = 90.0
THRESHOLD = 0.95
MAX_ITEMS = 300


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class TrueLearner:
    """Ground truth of one simulated learner."""

    ability: float
    known: dict[str, bool]
    rng: random.Random

    @classmethod
    def draw(cls, seed: int) -> TrueLearner:
        rng = random.Random(seed)
        ability = rng.gauss(0.0, 0.8)
        known = {s: rng.random() < PRIOR[s] for s in SKILLS}
        return cls(ability, known, rng)

    def all_known(self) -> bool:
        return all(self.known.values())

    def answer(self, item: ItemInfo) -> bool:
        ok = True
        for s in item.skills:
            p = 1.0 - SLIP[item.difficulty] if self.known[s] else GUESS[item.difficulty]
            ok = ok and self.rng.random() < p
        for s in item.skills:  # learning from the item
            if not self.known[s]:
                ready = all(self.known[p] for p in PREREQS[s])
                rate = _sigmoid(math.log(BASE_RATE[s] / (1 - BASE_RATE[s])) + 0.6 * self.ability) if ready else 0.02
                if self.rng.random() < rate:
                    self.known[s] = True
        return ok


def worksheet(k: int) -> list[ItemInfo]:
    """k items per skill in prerequisite order, levels cycling 1, 2, 3."""
    out = []
    for s in topological_order(SKILLS, PREREQS):
        out += [ITEM_BY_ID[f"{s}/L{(j % 3) + 1}"] for j in range(k)]
    return out


def pilot_log(n: int, seed: int, k: int = 6) -> list[tuple[str, Observation]]:
    log = []
    for i in range(n):
        learner = TrueLearner.draw(seed * 100_000 + i)
        for t, item in enumerate(worksheet(k)):
            ok = learner.answer(item)
            log.append((f"pilot{i}", Observation(item.skills, item.item_id, ok, timestamp=t * STEP_SECONDS)))
    return log


@dataclass
class RunResult:
    items: int
    truly_mastered: bool
    curve: list[bool]  # all-skills-truly-known after each item (index 0 = before any)


def run_policy(policy: str, learner: TrueLearner, params: ModelParams, rng: random.Random,
               calib: list[tuple[float, bool]] | None) -> RunResult:
    state = LearnerState.new()
    recent: list[str] = []
    curve = [learner.all_known()]
    now = 0.0
    for n in range(MAX_ITEMS):
        if all(p_mastered(state, s, params, now) >= THRESHOLD for s in SKILLS):
            return RunResult(n, learner.all_known(), curve)
        sel = select_next(state, prerequisites=PREREQS, items=ITEMS, params=params, rng=rng, now=now,
                          policy=policy, mastery_threshold=THRESHOLD, recent_items=recent[-2:])
        item = ITEM_BY_ID[sel.item_id]
        ok = learner.answer(item)
        state = update(state, Observation(item.skills, item.item_id, ok, timestamp=now), params)
        now += STEP_SECONDS
        recent.append(item.item_id)
        curve.append(learner.all_known())
        if calib is not None:
            calib.extend((p_mastered(state, s, params, now), learner.known[s]) for s in SKILLS)
    return RunResult(MAX_ITEMS, learner.all_known(), curve)


def calibration_table(points: list[tuple[float, bool]], bins: int = 10) -> list[tuple[float, float, float, int]]:
    """Rows (bin low, mean predicted, observed share known, count)."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [(p, k) for p, k in points if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if sel:
            rows.append((lo, sum(p for p, _ in sel) / len(sel), sum(k for _, k in sel) / len(sel), len(sel)))
    return rows


# ---------------------------------------------------------------------------------------------- SVG plot
COLORS = {"adaptive": "#1b7837", "lowest_mastery": "#2166ac", "fixed_order": "#b2182b", "worksheet": "#555555"}


def svg_plot(curves: dict[str, list[float]], sheet_pts: list[tuple[int, float]],
             calib: list[tuple[float, float, float, int]], path: Path) -> None:
    W, H, pad = 1000, 420, 60
    pw = (W - 3 * pad) / 2
    ph = H - 2 * pad
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="white"/>')]

    def panel(x0: float, title: str, xlabel: str, ylabel: str, xmax: float, xticks: list[float]) -> None:
        out.append(f'<text x="{x0 + pw / 2}" y="{pad - 25}" text-anchor="middle" font-size="14" '
                   f'font-weight="bold">{title}</text>')
        out.append(f'<rect x="{x0}" y="{pad}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
        for t in xticks:
            x = x0 + pw * t / xmax
            out.append(f'<line x1="{x}" y1="{pad + ph}" x2="{x}" y2="{pad + ph + 5}" stroke="#333"/>')
            out.append(f'<text x="{x}" y="{pad + ph + 18}" text-anchor="middle">{t:g}</text>')
        for v in (0, 0.25, 0.5, 0.75, 1.0):
            y = pad + ph * (1 - v)
            out.append(f'<line x1="{x0 - 5}" y1="{y}" x2="{x0}" y2="{y}" stroke="#333"/>')
            out.append(f'<line x1="{x0}" y1="{y}" x2="{x0 + pw}" y2="{y}" stroke="#eee"/>')
            out.append(f'<text x="{x0 - 8}" y="{y + 4}" text-anchor="end">{v:g}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{pad + ph + 38}" text-anchor="middle">{xlabel}</text>')
        out.append(f'<text transform="translate({x0 - 42},{pad + ph / 2}) rotate(-90)" '
                   f'text-anchor="middle">{ylabel}</text>')

    xmax = 160.0
    x0 = pad
    panel(x0, "Items to bring a class to mastery", "items answered per learner",
          "share of class knowing every skill", xmax, [0, 40, 80, 120, 160])

    def xy(x: float, y: float, x_origin: float, xm: float) -> str:
        return f"{x_origin + pw * min(x, xm) / xm:.1f},{pad + ph * (1 - y):.1f}"

    for name, ys in curves.items():
        pts = " ".join(xy(t, y, x0, xmax) for t, y in enumerate(ys) if t <= xmax)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS[name]}" stroke-width="2"/>')
    pts = " ".join(xy(x, y, x0, xmax) for x, y in sheet_pts if x <= xmax)
    out.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS["worksheet"]}" stroke-width="2" '
               f'stroke-dasharray="5,4"/>')
    for x, y in sheet_pts:
        if x <= xmax:
            cx, cy = xy(x, y, x0, xmax).split(",")
            out.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{COLORS["worksheet"]}"/>')
    labels = list(curves) + ["worksheet"]
    for i, name in enumerate(labels):
        ly = pad + 18 + 16 * i
        dash = ' stroke-dasharray="5,4"' if name == "worksheet" else ""
        out.append(f'<line x1="{x0 + 10}" y1="{ly}" x2="{x0 + 35}" y2="{ly}" stroke="{COLORS[name]}" '
                   f'stroke-width="2"{dash}/>')
        text = "fixed worksheet (k items/skill)" if name == "worksheet" else f"{name} (stops at P&gt;=0.95)"
        out.append(f'<text x="{x0 + 40}" y="{ly + 4}">{text}</text>')

    x1 = 2 * pad + pw
    panel(x1, "Calibration of P(mastered) (adaptive run)", "predicted P(mastered)",
          "share truly knowing the skill", 1.0, [0, 0.25, 0.5, 0.75, 1.0])
    out.append(f'<line x1="{x1}" y1="{pad + ph}" x2="{x1 + pw}" y2="{pad}" stroke="#999" stroke-dasharray="3,3"/>')
    pts = " ".join(xy(mp, obs, x1, 1.0) for _, mp, obs, _ in calib)
    out.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS["adaptive"]}" stroke-width="2"/>')
    total = sum(n for *_, n in calib)
    for _, mp, obs, n in calib:
        cx, cy = xy(mp, obs, x1, 1.0).split(",")
        r = 2 + 6 * math.sqrt(n / total)
        out.append(f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}" fill="{COLORS["adaptive"]}" fill-opacity="0.6"/>')
    out.append(f'<text x="{x1 + 10}" y="{pad + 16}">dot area ~ number of (learner, skill, step) points</text>')
    out.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=300, help="learners per simulated class")
    ap.add_argument("--pilot", type=int, default=200, help="learners in the pilot class used for fitting")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--svg", type=Path, help="write the plot here")
    args = ap.parse_args(argv)
    t0 = time.monotonic()

    params = fit(pilot_log(args.pilot, args.seed))
    print(f"fitted on pilot class: {params.meta['fitted_on']} in {params.meta['fit_seconds']}s")
    for s in SKILLS:
        sp = params.skills[s]
        print(f"  {s:<22} prior={sp.prior:.2f} learn={sp.learn:.2f} guess={sp.guess:.2f} slip={sp.slip:.2f}")

    n = args.learners
    seeds = [args.seed * 1_000_003 + 7 * i for i in range(n)]
    results: dict[str, list[RunResult]] = {}
    calib: list[tuple[float, bool]] = []
    for policy in ("adaptive", "lowest_mastery", "fixed_order"):
        rng = random.Random(args.seed)
        results[policy] = [run_policy(policy, TrueLearner.draw(sd), params, rng,
                                      calib if policy == "adaptive" else None) for sd in seeds]

    sheet: list[tuple[int, float]] = []
    for k in (2, 4, 6, 8, 10, 12, 15, 20):
        ok = 0
        for sd in seeds:
            learner = TrueLearner.draw(sd)
            for item in worksheet(k):
                learner.answer(item)
            ok += learner.all_known()
        sheet.append((k * len(SKILLS), ok / n))

    print()
    print("| policy | items per learner (mean) | median | 90th pct | learners knowing every skill at stop |")
    print("|---|---|---|---|---|")
    for policy, rs in results.items():
        items = sorted(r.items for r in rs)
        mean = sum(items) / n
        share = sum(r.truly_mastered for r in rs) / n
        print(f"| {policy} | {mean:.1f} | {items[n // 2]} | {items[int(0.9 * n)]} | {100 * share:.1f}% |")
    for x, share in sheet:
        print(f"| fixed worksheet, {x // len(SKILLS)} items/skill | {x} | {x} | {x} | {100 * share:.1f}% |")

    rows = calibration_table(calib)
    total = sum(r[3] for r in rows)
    ece = sum(abs(mp - ob) * c for _, mp, ob, c in rows) / total
    brier = sum((p - k) ** 2 for p, k in calib) / len(calib)
    print()
    print("| P(mastered) bin | mean predicted | share truly known | points |")
    print("|---|---|---|---|")
    for lo, mp, ob, c in rows:
        print(f"| {lo:.1f}-{lo + 0.1:.1f} | {mp:.3f} | {ob:.3f} | {c} |")
    print(f"\nexpected calibration error (10 bins) = {ece:.3f}; Brier score = {brier:.3f}; points = {len(calib)}")

    if args.svg:
        curves = {}
        for policy, rs in results.items():
            curves[policy] = [sum(r.curve[min(t, len(r.curve) - 1)] for r in rs) / n for t in range(MAX_ITEMS + 1)]
        svg_plot(curves, [(0, sum(TrueLearner.draw(sd).all_known() for sd in seeds) / n)] + sheet, rows, args.svg)
        print(f"wrote {args.svg}")
    print(f"total {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
