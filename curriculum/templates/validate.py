"""Whole-template validation: static parse issues plus what only sampling reveals.

For ``seeds`` seeds: constraints satisfiable, placeholders evaluate, the answer passes its own checker,
every listed wrong answer fails it (and is recognised as that mistake), the worked solution runs and its
result equals the answer. Every issue carries the line of the field responsible, STACK "question tests"
style, so a teacher editing in the browser sees ``line 14: answer: ...``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from curriculum.errors import CurriculumError
from curriculum.templates.checking import check_instance_answer, run_check
from curriculum.templates.compare import same_value
from curriculum.templates.expr import ExprError, reevaluate
from curriculum.templates.instantiate import instantiate, sample_values, solution_for
from curriculum.templates.model import ProblemTemplate, TemplateError, TemplateIssue
from curriculum.templates.parse import parse_template
from curriculum.templates.render import value_of


def _dedupe(issues: Iterable[TemplateIssue]) -> list[TemplateIssue]:
    seen: dict[tuple[int, str, str], TemplateIssue] = {}
    for issue in issues:
        key = (issue.line, issue.field, issue.message.split(" (seed ")[0])
        seen.setdefault(key, issue)
    return sorted(seen.values())


def check_template(template: ProblemTemplate, *, seeds: int = 20, skill_ids: Iterable[str] | None = None,
                   solutions: bool = True, isolate: bool = True) -> list[TemplateIssue]:
    """Sampling checks of an already parsed template (see module doc).

    ``isolate=False`` runs the checker in-process (fast; for trusted content in tests and the CLI).
    """
    issues: list[TemplateIssue] = []
    if skill_ids is not None:
        known = set(skill_ids)
        for i, skill in enumerate(template.skills):
            if skill not in known:
                issues.append(TemplateIssue(template.line_of(f"skills.{i}"), f"skills.{i}",
                                            f"unknown skill '{skill}'"))
    for seed in range(seeds):
        try:
            inst = instantiate(template, seed, with_solution=False)
        except TemplateError as exc:
            issues.extend(exc.issues)
            break
        own = run_check(inst.checker, inst.expected_entry, inst.answer, inst.options, isolate=isolate)
        if not own.correct:
            issues.append(TemplateIssue(template.line_of("answer"), "answer",
                                        f"the answer '{inst.expected_entry}' fails its own checker {inst.checker} "
                                        f"({own.note}: {own.feedback}) (seed {seed})"))
        for wa in inst.wrong_answers:
            idx = next(i for i, s in enumerate(template.wrong_answers) if s.note == wa.note)
            res = check_instance_answer(inst, wa.answer, isolate=isolate)
            if res.correct:
                issues.append(TemplateIssue(template.line_of(f"wrong_answers.{idx}"), f"wrong_answers.{idx}",
                                            f"listed wrong answer '{wa.answer}' is accepted as correct "
                                            f"(seed {seed})"))
            elif res.note != wa.note:
                issues.append(TemplateIssue(template.line_of(f"wrong_answers.{idx}"), f"wrong_answers.{idx}",
                                            f"listed wrong answer '{wa.answer}' is not recognised "
                                            f"(got note {res.note}) (seed {seed})"))
        if solutions and template.solution is not None:
            try:
                names = sample_values(template, seed)
                _, result = solution_for(template, names)
                answer_value, _ = value_of(template.answer, names)
            except (TemplateError, ExprError) as exc:
                issues.extend(exc.issues if isinstance(exc, TemplateError) else
                              [TemplateIssue(template.solution.line, "solution", str(exc))])
                continue
            if template.checker in ("Int", "Antidiff"):  # antiderivatives agree up to a constant
                var = sp.Symbol(str(template.options.get("var", "x")))
                result, answer_value = sp.diff(result, var), sp.diff(reevaluate(answer_value), var)
            if result is not None and not same_value(result, answer_value):
                issues.append(TemplateIssue(template.solution.line, "solution",
                                            f"the worked solution ends with {result}, but the answer is "
                                            f"{inst.answer} (seed {seed})"))
    return _dedupe(issues)


def validate_template_source(yaml_text: str, *, seeds: int = 20, first_line: int = 1,
                             skill_ids: Iterable[str] | None = None, isolate: bool = True) -> list[TemplateIssue]:
    """Every issue of one template's YAML text (empty list = valid). Never raises for bad templates.

    ``skill_ids`` defaults to the shipped skill graph's ids; pass ``()`` to skip the skill check.
    """
    try:
        template = parse_template(yaml_text, first_line=first_line)
    except TemplateError as exc:
        return list(exc.issues)
    if skill_ids is None:
        from curriculum.skills import load_skill_graph
        skill_ids = load_skill_graph().skills.keys()
    try:
        return check_template(template, seeds=seeds, skill_ids=skill_ids or None, isolate=isolate)
    except CurriculumError as exc:  # a checker authoring error (bad options) surfaces here
        return [TemplateIssue(template.line_of("options"), "options", str(exc))]


__all__ = ["check_template", "validate_template_source"]
