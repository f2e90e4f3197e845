"""``manage.py build_explainer_corpus``: write the explainer training corpus from the shipped curriculum.

    python manage.py build_explainer_corpus --out var/explainer-data --train-seeds 300 --val-seeds 4

Writes ``train.jsonl.gz`` (template seeds 0 .. N-1, all in ``curriculum.explain.TRAIN_SEEDS``) and
``val.jsonl.gz`` (held-out seeds drawn from ``EVAL_SEEDS``, for the validation loss) and prints counts per
family. Each template gets its own ``random.Random`` (from ``--seed`` and the template id), so the output
does not depend on ``--workers``.
"""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _examples_for(args: tuple[str, str, str, list[int], str, int, float]
                  ) -> tuple[list[dict[str, Any]], list[str]]:
    """Worker: (every example of one template, "template#seed: reason" for seeds that do not instantiate).

    The template is parsed from the source text the parent loaded once (so a curriculum edited while this
    runs cannot mix versions). A seed whose draw fails (an authoring bug in the template) is skipped and
    reported instead of losing the whole corpus.
    """
    from curriculum.errors import CurriculumError
    from curriculum.explain import generate_corpus
    from curriculum.templates import parse_template

    source, origin, template_id, seeds, split, seed, mistake_rate = args
    template = parse_template(source, origin=origin)
    if template.id != template_id:  # pragma: no cover - the parent parsed the same text
        raise CommandError(f"template source of {template_id} parsed as {template.id}")
    rng = random.Random(f"{seed}:{split}:{template_id}")
    examples: list[dict[str, Any]] = []
    skipped: list[str] = []
    for s in seeds:
        try:
            examples.extend(generate_corpus([template], [s], rng, split=split, mistake_rate=mistake_rate))
        except CurriculumError as exc:
            skipped.append(f"{template_id}#{s}: {str(exc)[:200]}")
    return examples, skipped


class Command(BaseCommand):
    help = "Write train.jsonl.gz / val.jsonl.gz prompt-response examples for the explainer model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=Path("var/explainer-data"))
        parser.add_argument("--train-seeds", type=int, default=300, help="template seeds 0..N-1 per template")
        parser.add_argument("--val-seeds", type=int, default=4, help="held-out (evaluation-range) seeds per template")
        parser.add_argument("--seed", type=int, default=0, help="phrasing / mistake choices")
        parser.add_argument("--mistake-rate", type=float, default=0.5)
        parser.add_argument("--families", default="", help="comma-separated skill families (default: all)")
        parser.add_argument("--templates", default=None, help="template file or directory (default: shipped)")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **opts: Any) -> None:
        from curriculum.explain import TRAIN_SEEDS, eval_problem_seeds, family_of
        from curriculum.templates import TemplateError, load_templates

        n_train, n_val = opts["train_seeds"], opts["val_seeds"]
        if not 1 <= n_train <= len(TRAIN_SEEDS) or n_val < 0 or opts["workers"] < 1:
            raise CommandError("need 1 <= --train-seeds <= 1000000, --val-seeds >= 0, --workers >= 1")
        try:
            templates = load_templates(opts["templates"])
        except TemplateError as exc:
            raise CommandError(f"the curriculum does not load: {exc}") from exc
        wanted = {f.strip() for f in opts["families"].split(",") if f.strip()}
        known = {family_of(t) for t in templates.values()}
        if wanted - known:
            raise CommandError(f"unknown families {sorted(wanted - known)}; known: {sorted(known)}")
        chosen = sorted((t for t in templates.values() if not wanted or family_of(t) in wanted), key=lambda t: t.id)
        out: Path = opts["out"]
        out.mkdir(parents=True, exist_ok=True)
        val_seeds = eval_problem_seeds(opts["seed"] + 7919, n_val)
        jobs = {"train": list(range(n_train)), "val": val_seeds}
        for name, seeds in jobs.items():
            if not seeds:
                continue
            split = "train" if name == "train" else "eval"
            tasks = [(t.source, t.origin, t.id, seeds, split, opts["seed"], opts["mistake_rate"]) for t in chosen]
            families: Counter[str] = Counter()
            kinds: Counter[str] = Counter()
            skipped: list[str] = []
            path = out / f"{name}.jsonl.gz"
            with ProcessPoolExecutor(max_workers=opts["workers"]) as pool, \
                    gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as f:
                for examples, bad in pool.map(_examples_for, tasks):
                    skipped.extend(bad)
                    for ex in examples:
                        f.write(json.dumps(ex, ensure_ascii=False) + "\n")
                        families[ex["family"]] += 1
                        kinds[ex["kind"]] += 1
            total = sum(families.values())
            self.stdout.write(f"{path}: {total} examples ({dict(kinds)}) from {len(chosen)} templates")
            for fam, n in sorted(families.items()):
                self.stdout.write(f"  {fam}: {n}")
            if skipped:
                self.stdout.write(f"  skipped {len(skipped)} (template, seed) pairs that do not instantiate:")
                for line in skipped[:20]:
                    self.stdout.write(f"    {line}")
