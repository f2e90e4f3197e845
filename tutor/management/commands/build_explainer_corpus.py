"""``manage.py build_explainer_corpus``: write the explainer training corpus from the shipped curriculum.

    python manage.py build_explainer_corpus --out var/explainer-data --train-seeds 300 --val-seeds 3

A thin wrapper of ``curriculum.explain.build.build_corpus`` (also runnable without Django as
``python -m curriculum.explain.build``): ``train.jsonl.gz`` from template seeds 0..N-1 (training range),
``val.jsonl.gz`` from held-out evaluation-range seeds, counts per family printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Write train.jsonl.gz / val.jsonl.gz prompt-response examples for the explainer model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=Path("var/explainer-data"))
        parser.add_argument("--train-seeds", type=int, default=300, help="template seeds 0..N-1 per template")
        parser.add_argument("--val-seeds", type=int, default=3, help="held-out (evaluation-range) seeds per template")
        parser.add_argument("--seed", type=int, default=0, help="phrasing / mistake choices")
        parser.add_argument("--mistake-rate", type=float, default=0.5)
        parser.add_argument("--families", default="", help="comma-separated skill families (default: all)")
        parser.add_argument("--templates", default=None, help="template file or directory (default: shipped)")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--drill-share", type=float, default=0.0,
                            help="fraction of the training file that is arithmetic drill (curriculum.explain.drill)")
        parser.add_argument("--family-min-seeds", type=int, default=0,
                            help="every family gets at least this many (template, seed) pairs")

    def handle(self, *args: Any, **opts: Any) -> None:
        from curriculum.errors import CurriculumError
        from curriculum.explain.build import build_corpus

        try:
            build_corpus(opts["out"], train_seeds=opts["train_seeds"], val_seeds=opts["val_seeds"],
                         seed=opts["seed"], mistake_rate=opts["mistake_rate"],
                         families=[f.strip() for f in opts["families"].split(",") if f.strip()],
                         templates_path=opts["templates"], workers=opts["workers"],
                         drill_share=opts["drill_share"], family_min_seeds=opts["family_min_seeds"],
                         echo=self.stdout.write)
        except CurriculumError as exc:
            raise CommandError(str(exc)) from exc
