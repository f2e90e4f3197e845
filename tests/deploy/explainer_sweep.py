"""How the end-to-end test's explained problem was chosen: the bundled model on EVERY distinct problem of one
template (not a sample), greedy on the CPU, each explanation's final answer checked by the template's checker.

    python -m tests.deploy.explainer_sweep integers.multiply_divide.product [--limit 400] [--threads 1]

Prints the number of distinct problems, then per prompt kind (``mistake``: the prompt quotes the template's
first listed wrong answer, as when a student made that mistake; ``solve``: the plain prompt) how many were
verified, the seconds taken, and every failure (statement, boxed answer, expected answer). Distinct problems
are found by instantiating seeds 0, 1, 2, ... until ``--limit`` distinct statements or 20,000 seeds.
Not a test (pytest does not collect it): it measures, for docs/deploy.md.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", help="template id, e.g. integers.multiply_divide.product")
    parser.add_argument("--limit", type=int, default=400, help="at most this many distinct problems")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--max-new-tokens", type=int, default=768)
    args = parser.parse_args(argv)
    if args.limit < 1 or args.threads < 1 or args.max_new_tokens < 1:
        parser.error("--limit, --threads and --max-new-tokens must be >= 1")

    import torch

    from curriculum.explain import build_prompt, verify_explanation
    from curriculum.templates import instantiate, load_templates
    from inference import load_pretrained
    from inference.bundled import bundled_model_dir
    from inference.generate import stream

    torch.set_num_threads(args.threads)
    model_dir = bundled_model_dir()
    if model_dir is None:
        print("no bundled model (inference/bundled/) to sweep", file=sys.stderr)
        return 2
    templates = load_templates(None)
    if args.template not in templates:
        print(f"unknown template {args.template!r}", file=sys.stderr)
        return 2
    template = templates[args.template]
    problems = {}
    for seed in range(20_000):
        problem = instantiate(template, seed)
        problems.setdefault(problem.statement.strip(), problem)
        if len(problems) >= args.limit:
            break
    kinds = ["mistake", "solve"] if template.wrong_answers else ["solve"]
    print(f"{args.template}: {len(problems)} distinct problems; model {model_dir.name}", flush=True)
    model, tokenizer = load_pretrained(model_dir, device="cpu")
    for kind in kinds:
        started, verified, failures = time.perf_counter(), 0, []
        for statement, problem in problems.items():
            if kind == "mistake":
                wrong = problem.wrong_answers[0]
                prompt = build_prompt(problem, student_answer=str(wrong.answer), note=wrong.note or "WRONG_ANSWER",
                                      feedback=wrong.feedback or None)
            else:
                prompt = build_prompt(problem)
            ids = list(stream(model, tokenizer.chat_prompt_ids(prompt), max_new_tokens=args.max_new_tokens,
                              temperature=0.0, stop_ids=tokenizer.stop_ids))
            # in-process checking: this script's own, trusted run (the server isolates model output)
            verdict = verify_explanation(problem, tokenizer.decode(ids), isolate=False)
            verified += int(verdict.correct)
            if not verdict.correct:
                failures.append(f"  {statement!r}: boxed {verdict.final_answer!r}, expected {problem.answer_latex!r}")
        print(f"{kind}: verified {verified} of {len(problems)} in {time.perf_counter() - started:.0f} s", flush=True)
        for failure in failures:
            print(failure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
