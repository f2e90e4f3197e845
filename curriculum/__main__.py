"""Command line for template authors.

    python -m curriculum preview TEMPLATE.yaml [--seeds 5] [--start 0]
    python -m curriculum validate [DIR_OR_FILE ...] [--seeds 20] [--isolate]
    python -m curriculum skills [SKILLS.yaml]

``validate`` prints ``file:line: field: message`` per problem and exits 1 when there is any (also for
an unknown skill id or a duplicate template id); with no path it validates the shipped content.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from curriculum.errors import CurriculumError


def _preview(args: argparse.Namespace) -> int:
    from curriculum.templates import instantiate, iter_template_files, parse_template

    status = 0
    for doc in iter_template_files(args.path):
        try:
            template = parse_template(doc.text, first_line=doc.first_line, origin=str(doc.path))
        except CurriculumError as exc:
            for issue in getattr(exc, "issues", ()):
                print(f"{doc.path}:{issue.line}: {issue.field + ': ' if issue.field else ''}{issue.message}")
            status = 1
            continue
        print(f"=== {template.id} (v{template.version}, difficulty {template.difficulty}, "
              f"skills {', '.join(template.skills)})")
        for seed in range(args.start, args.start + args.seeds):
            try:
                inst = instantiate(template, seed)
            except CurriculumError as exc:
                print(f"{doc.path}: seed {seed}: {exc}")
                status = 1
                continue
            print(f"--- seed {seed}")
            print(inst.statement.strip())
            print(f"answer ({inst.checker}{' ' + str(dict(inst.options)) if inst.options else ''}): {inst.answer}")
            for w in inst.wrong_answers:
                print(f"  wrong {w.answer!r} [{w.note}]: {w.feedback}")
            for i, h in enumerate(inst.hints, 1):
                print(f"  hint {i}: {h}")
            assert inst.solution is not None
            print("  worked solution:")
            for line in inst.solution.as_text().splitlines():
                print(f"    {line}")
    return status


def _validate(args: argparse.Namespace) -> int:
    from curriculum.skills import load_skill_graph
    from curriculum.templates import check_template, iter_template_files, parse_template

    skill_ids = list(load_skill_graph(args.skills).skills) if args.skills or not args.no_skills else None
    paths = args.paths or [None]
    problems, count = 0, 0
    seen: dict[str, str] = {}
    for path in paths:
        try:
            docs = list(iter_template_files(path))
        except CurriculumError as exc:
            print(f"{path}: {exc}")
            problems += 1
            continue
        for doc in docs:
            count += 1
            try:
                template = parse_template(doc.text, first_line=doc.first_line, origin=str(doc.path))
                issues = check_template(template, seeds=args.seeds, skill_ids=skill_ids, isolate=args.isolate)
                if template.id in seen:
                    from curriculum.templates import TemplateIssue

                    issues.append(TemplateIssue(template.line_of("id"), "id",
                                                f"duplicate template id '{template.id}' (also in {seen[template.id]})"))
                seen.setdefault(template.id, f"{doc.path}:{template.line_of('id')}")
            except CurriculumError as exc:
                issues = list(getattr(exc, "issues", ())) or []
                if not issues:
                    print(f"{doc.path}:{doc.first_line}: {exc}")
                    problems += 1
            for issue in issues:
                print(f"{doc.path}:{issue.line}: {issue.field + ': ' if issue.field else ''}{issue.message}")
                problems += 1
    print(f"{count} template(s), {problems} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def _skills(args: argparse.Namespace) -> int:
    from curriculum.skills import load_skill_graph

    graph = load_skill_graph(args.path)
    for sid in graph.topological_order():
        skill = graph.skills[sid]
        print(f"{sid:40s} {skill.name}  <- {', '.join(skill.prerequisites) or '-'}")
    print(f"{len(graph)} skills", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m curriculum", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("preview", help="print instances, answers and worked solutions of a template file")
    p.add_argument("path", type=Path)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--start", type=int, default=0)
    p.set_defaults(func=_preview)
    v = sub.add_parser("validate", help="validate template files; non-zero exit on any problem")
    v.add_argument("paths", nargs="*", type=Path)
    v.add_argument("--seeds", type=int, default=20)
    v.add_argument("--skills", type=Path, default=None, help="skill graph to check skill ids against")
    v.add_argument("--no-skills", action="store_true", help="do not check skill ids")
    v.add_argument("--isolate", action="store_true", help="run the checker in its sandboxed worker (slower)")
    v.set_defaults(func=_validate)
    s = sub.add_parser("skills", help="print the skill graph in topological order")
    s.add_argument("path", nargs="?", type=Path, default=None)
    s.set_defaults(func=_skills)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except CurriculumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
