"""``manage.py evaluate_explainer``: accuracy of an explanation model on fresh curriculum problems.

    python manage.py evaluate_explainer --n 300 --seed 1 [--model DIR]

Draws N problems from the shipped curriculum with seed S: template seeds come from
``curriculum.explain.eval_problem_seeds(S, N)`` (the evaluation range, disjoint from every training seed),
templates are visited round-robin in an order shuffled by S (a draw whose template fails to instantiate,
an authoring bug, is replaced by the next spare evaluation seed and reported). Each problem's prompt is
``curriculum.explain.build_prompt`` (with ``--mistake-rate`` > 0, that fraction of the problems that list
wrong answers get a "the student answered X" prompt instead); the model answers greedily; the final
``\\boxed{}`` answer is judged by ``verify_explanation`` (the template's checker). Prints accuracy per family,
tokens per second (generated tokens over generation wall time, prefill included), and, as the LAST line,
``accuracy=<float> n=<int>``.

Default model: the bundled one (``inference.bundled``). Default families and templates: those the model's
``training.json`` says it was trained on (all shipped ones when there is no such file); templates added to the
curriculum after training are skipped and counted.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

SPARE_SEEDS = 64  # extra evaluation seeds, used in order when a draw's template fails to instantiate


def trained_on(model_dir: Path) -> tuple[set[str], set[str]]:
    """(families, template ids) listed in the model's ``training.json`` corpus summary; empty when unknown."""
    manifest = model_dir / "training.json"
    if not manifest.is_file():
        return set(), set()
    try:
        corpus = json.loads(manifest.read_text(encoding="utf-8")).get("corpus") or {}
    except (json.JSONDecodeError, AttributeError) as exc:
        raise CommandError(f"{manifest} is not a valid training manifest: {exc}") from exc
    return set(corpus.get("families") or {}), set(corpus.get("templates") or [])


class Command(BaseCommand):
    help = "Generate explanations for N fresh problems and check their boxed answers; last line accuracy=... n=..."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--n", type=int, required=True, help="number of problems")
        parser.add_argument("--seed", type=int, required=True, help="draws the problems (evaluation seeds only)")
        parser.add_argument("--model", type=Path, default=None, help="HF-layout model dir (default: bundled)")
        parser.add_argument("--families", default="", help="comma-separated families (default: trained ones)")
        parser.add_argument("--templates", default=None, help="template file or directory (default: shipped)")
        parser.add_argument("--max-new-tokens", type=int, default=1024)
        parser.add_argument("--mistake-rate", type=float, default=0.0)
        parser.add_argument("--device", default="cpu")
        parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
        parser.add_argument("--show-failures", type=int, default=3, help="print up to K wrong explanations")
        parser.add_argument("--json", type=Path, default=None, help="write every problem's result here")

    def handle(self, *args: Any, **opts: Any) -> None:
        import torch

        from curriculum.errors import CurriculumError
        from curriculum.explain import build_prompt, eval_problem_seeds, family_of, verify_explanation
        from curriculum.templates import TemplateError, instantiate, load_templates
        from inference import InferenceError, load_pretrained
        from inference.bundled import bundled_model_dir
        from inference.generate import stream

        n, seed = opts["n"], opts["seed"]
        if n < 1 or opts["max_new_tokens"] < 1 or not 0.0 <= opts["mistake_rate"] <= 1.0:
            raise CommandError("need --n >= 1, --max-new-tokens >= 1 and 0 <= --mistake-rate <= 1")
        model_dir = opts["model"] or bundled_model_dir()
        if model_dir is None:
            raise CommandError("no --model given and no bundled model is installed (inference/bundled/)")
        if opts["threads"]:
            torch.set_num_threads(opts["threads"])
        try:
            model, tokenizer = load_pretrained(model_dir, device=opts["device"])
        except InferenceError as exc:
            raise CommandError(f"cannot load {model_dir}: {exc}") from exc
        try:
            templates = load_templates(opts["templates"])
        except TemplateError as exc:
            raise CommandError(f"the curriculum does not load: {exc}") from exc
        known = {family_of(t) for t in templates.values()}
        trained_families, trained_templates = trained_on(Path(model_dir))
        wanted = {f.strip() for f in opts["families"].split(",") if f.strip()} or \
            (trained_families & known) or known
        if wanted - known:
            raise CommandError(f"unknown families {sorted(wanted - known)}; known: {sorted(known)}")
        pool = sorted((t for t in templates.values() if family_of(t) in wanted), key=lambda t: t.id)
        if trained_templates:  # templates added to the curriculum after training are not the model's job
            untrained = [t.id for t in pool if t.id not in trained_templates]
            pool = [t for t in pool if t.id in trained_templates]
            if untrained:
                self.stdout.write(f"skipping {len(untrained)} templates the model was not trained on")
        if not pool:
            raise CommandError("no template to evaluate (check --families / --templates)")
        rng = random.Random(seed)
        rng.shuffle(pool)
        seeds = eval_problem_seeds(seed, n)
        # replacements for draws whose template fails to instantiate (an authoring bug), used in order
        spares = [s for s in eval_problem_seeds(-1 - seed, SPARE_SEEDS) if s not in set(seeds)]

        per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        records, failures = [], 0
        gen_tokens, gen_seconds = 0, 0.0
        broken: list[str] = []
        for i, problem_seed in enumerate(seeds):
            template = pool[i % len(pool)]
            while True:
                try:
                    instance = instantiate(template, problem_seed)
                    break
                except CurriculumError as exc:
                    broken.append(f"{template.id}#{problem_seed}: {str(exc)[:160]}")
                    if not spares:
                        raise CommandError(f"too many problems fail to instantiate: {broken[-3:]}") from exc
                    problem_seed = spares.pop(0)
            kind = "solve"
            if instance.wrong_answers and rng.random() < opts["mistake_rate"]:
                wrong = instance.wrong_answers[rng.randrange(len(instance.wrong_answers))]
                prompt = build_prompt(instance, student_answer=wrong.answer, note=wrong.note or "WRONG_ANSWER",
                                      feedback=wrong.feedback or None)
                kind = "mistake"
            else:
                prompt = build_prompt(instance)
            t0 = time.perf_counter()
            ids = list(stream(model, tokenizer.chat_prompt_ids(prompt), max_new_tokens=opts["max_new_tokens"],
                              temperature=0.0, stop_ids=tokenizer.stop_ids))
            gen_seconds += time.perf_counter() - t0
            gen_tokens += len(ids)
            text = tokenizer.decode(ids)
            verdict = verify_explanation(instance, text)
            family = family_of(instance)
            per_family[family][0] += int(verdict.correct)
            per_family[family][1] += 1
            records.append({"template_id": template.id, "seed": problem_seed, "family": family, "kind": kind,
                            "correct": verdict.correct, "note": verdict.note, "final_answer": verdict.final_answer,
                            "expected": instance.answer_latex, "tokens": len(ids), "text": text})
            if not verdict.correct and failures < opts["show_failures"]:
                failures += 1
                self.stdout.write(f"--- wrong: {template.id} seed={problem_seed} note={verdict.note} "
                                  f"boxed={verdict.final_answer!r} expected={instance.answer_latex!r}\n{text}\n---")
        if opts["json"] is not None:
            opts["json"].write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if broken:
            self.stdout.write(f"replaced {len(broken)} draws whose template failed to instantiate:")
            for line in broken[:10]:
                self.stdout.write(f"  {line}")
        for family, (ok, total) in sorted(per_family.items()):
            self.stdout.write(f"family={family} n={total} accuracy={ok / total:.4f}")
        correct = sum(ok for ok, _ in per_family.values())
        self.stdout.write(f"model={Path(model_dir).name} device={opts['device']} threads={torch.get_num_threads()} "
                          f"generated_tokens={gen_tokens} seconds={gen_seconds:.1f} "
                          f"tokens_per_s={gen_tokens / max(gen_seconds, 1e-9):.1f}")
        self.stdout.write(f"accuracy={correct / n:.4f} n={n}")
