"""Writing the explainer corpus files: ``train.jsonl.gz`` and ``val.jsonl.gz`` (pure Python, any machine).

    python -m curriculum.explain.build --out var/explainer-data --train-seeds 300 --val-seeds 3 --workers 8

(``python manage.py build_explainer_corpus`` is the same thing behind the web app's command line.)

* train: template seeds ``0 .. N-1`` of every template (all inside ``TRAIN_SEEDS``);
* ``--family-min-seeds M``: a family with few templates gets more seeds per template, ``max(N, ceil(M / its
  templates))``, so every family contributes at least M (template, seed) pairs (families hold 3 to 12 templates:
  at 1000 seeds a 3-template family had a quarter of a 12-template family's examples);
* val: ``--val-seeds`` seeds per template from ``eval_problem_seeds`` (inside ``EVAL_SEEDS``), for the
  validation loss only.
* ``--drill-share F``: that fraction of the training file is arithmetic drill
  (:mod:`curriculum.explain.drill`, indices ``0 .. K-1`` of ``TRAIN_SEEDS``), appended after the templates.

Each template gets its own ``random.Random(f"{seed}:{split}:{template_id}")`` and is parsed in the worker
from the source text loaded once here, so the files depend only on the arguments and the curriculum, not on
``--workers`` or on edits made while this runs. A (template, seed) pair that fails to instantiate (an
authoring bug) is skipped and reported, not fatal.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curriculum.errors import CurriculumError
from curriculum.explain.corpus import generate_corpus
from curriculum.explain.drill import drill_examples
from curriculum.explain.errors import ExplainError
from curriculum.explain.seeds import TRAIN_SEEDS, eval_problem_seeds, family_of
from curriculum.templates import load_templates, parse_template

VAL_SEED_OFFSET = 7919  # val seeds come from eval_problem_seeds(seed + this, n)


@dataclass
class SplitReport:
    """What one file holds: examples per family and kind, and the skipped (template, seed) pairs."""

    path: Path
    families: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)

    def lines(self, templates: int) -> list[str]:
        total = sum(self.families.values())
        out = [f"{self.path}: {total} examples ({dict(self.kinds)}) from {templates} templates"]
        out += [f"  {fam}: {n}" for fam, n in sorted(self.families.items())]
        if self.skipped:
            out.append(f"  skipped {len(self.skipped)} (template, seed) pairs that do not instantiate:")
            out += [f"    {line}" for line in self.skipped[:20]]
        return out


def _examples_for(args: tuple[str, str, str, list[int], str, int, float]
                  ) -> tuple[list[dict[str, Any]], list[str]]:
    """Worker: (every example of one template, "template#seed: reason" for seeds that do not instantiate)."""
    source, origin, template_id, seeds, split, seed, mistake_rate = args
    template = parse_template(source, origin=origin)
    if template.id != template_id:  # pragma: no cover - the parent parsed the same text
        raise ExplainError(f"template source of {template_id} parsed as {template.id}")
    rng = random.Random(f"{seed}:{split}:{template_id}")
    examples: list[dict[str, Any]] = []
    skipped: list[str] = []
    for s in seeds:
        try:
            examples.extend(generate_corpus([template], [s], rng, split=split, mistake_rate=mistake_rate))
        except CurriculumError as exc:
            skipped.append(f"{template_id}#{s}: {str(exc)[:200]}")
    return examples, skipped


def _drill_chunk(args: tuple[int, int, int]) -> list[dict[str, Any]]:
    """Worker: drill examples ``start .. stop-1`` (training split)."""
    start, stop, seed = args
    return list(drill_examples(range(start, stop), "train", seed))


def build_corpus(out: Path, *, train_seeds: int, val_seeds: int, seed: int = 0, mistake_rate: float = 0.5,
                 families: Sequence[str] = (), templates_path: str | None = None, workers: int = 1,
                 drill_share: float = 0.0, family_min_seeds: int = 0, echo: Callable[[str], None] = print
                 ) -> dict[str, SplitReport]:
    """Write ``out/train.jsonl.gz`` and (if ``val_seeds``) ``out/val.jsonl.gz``; return a report per split."""
    if not 1 <= train_seeds <= len(TRAIN_SEEDS) or val_seeds < 0 or workers < 1:
        raise ExplainError(f"need 1 <= train_seeds <= {len(TRAIN_SEEDS)}, val_seeds >= 0, workers >= 1")
    if not 0 <= family_min_seeds <= len(TRAIN_SEEDS):
        raise ExplainError(f"family_min_seeds={family_min_seeds} must be in [0, {len(TRAIN_SEEDS)}]")
    if not 0.0 <= drill_share < 1.0:
        raise ExplainError(f"drill_share={drill_share} must be in [0, 1)")
    templates = load_templates(templates_path)
    wanted = set(families)
    known = {family_of(t) for t in templates.values()}
    if wanted - known:
        raise ExplainError(f"unknown families {sorted(wanted - known)}; known: {sorted(known)}")
    chosen = sorted((t for t in templates.values() if not wanted or family_of(t) in wanted), key=lambda t: t.id)
    out.mkdir(parents=True, exist_ok=True)
    per_family = Counter(family_of(t) for t in chosen)
    train_counts = {t.id: train_seeds_for(per_family[family_of(t)], train_seeds, family_min_seeds) for t in chosen}
    val = eval_problem_seeds(seed + VAL_SEED_OFFSET, val_seeds)
    reports: dict[str, SplitReport] = {}
    for name in ("train", "val"):
        if name == "val" and not val:
            continue
        split = "train" if name == "train" else "eval"
        tasks = [(t.source, t.origin, t.id, list(range(train_counts[t.id])) if name == "train" else val, split,
                  seed, mistake_rate) for t in chosen]
        report = SplitReport(out / f"{name}.jsonl.gz")
        with ProcessPoolExecutor(max_workers=workers) as pool, \
                gzip.open(report.path, "wt", encoding="utf-8", compresslevel=6) as f:
            for examples, bad in pool.map(_examples_for, tasks):
                report.skipped.extend(bad)
                for ex in examples:
                    f.write(json.dumps(ex, ensure_ascii=False) + "\n")
                    report.families[ex["family"]] += 1
                    report.kinds[ex["kind"]] += 1
            if name == "train" and drill_share > 0:
                total = round(sum(report.families.values()) * drill_share / (1.0 - drill_share))
                chunks = [(i, min(i + 2000, total), seed) for i in range(0, total, 2000)]
                for examples in pool.map(_drill_chunk, chunks):
                    for ex in examples:
                        f.write(json.dumps(ex, ensure_ascii=False) + "\n")
                        report.families[ex["family"]] += 1
                        report.kinds[ex["kind"]] += 1
        for line in report.lines(len(chosen)):
            echo(line)
        reports[name] = report
    return reports


def train_seeds_for(templates_in_family: int, train_seeds: int, family_min_seeds: int) -> int:
    """Training seeds per template of a family with that many templates: at least `train_seeds`, and enough that
    the family holds `family_min_seeds` (template, seed) pairs (capped at the training range)."""
    wanted = -(-family_min_seeds // max(1, templates_in_family))
    return min(len(TRAIN_SEEDS), max(train_seeds, wanted))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m curriculum.explain.build", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("var/explainer-data"))
    ap.add_argument("--train-seeds", type=int, default=300, help="template seeds 0..N-1 per template")
    ap.add_argument("--val-seeds", type=int, default=3, help="held-out (evaluation-range) seeds per template")
    ap.add_argument("--seed", type=int, default=0, help="phrasing / mistake choices")
    ap.add_argument("--mistake-rate", type=float, default=0.5)
    ap.add_argument("--families", default="", help="comma-separated skill families (default: all)")
    ap.add_argument("--templates", default=None, help="template file or directory (default: shipped)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--drill-share", type=float, default=0.0,
                    help="fraction of the training file that is arithmetic drill (curriculum.explain.drill)")
    ap.add_argument("--family-min-seeds", type=int, default=0,
                    help="every family gets at least this many (template, seed) pairs: more seeds per template "
                         "for families with few templates")
    args = ap.parse_args(argv)
    try:
        build_corpus(args.out, train_seeds=args.train_seeds, val_seeds=args.val_seeds, seed=args.seed,
                     mistake_rate=args.mistake_rate, families=[f.strip() for f in args.families.split(",")
                                                               if f.strip()],
                     templates_path=args.templates, workers=args.workers, drill_share=args.drill_share,
                     family_min_seeds=args.family_min_seeds)
    except CurriculumError as exc:
        ap.exit(2, f"error: {exc}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
