"""The authoring side's adapter to ``curriculum.templates``: validate a teacher's YAML, preview variants.

:mod:`tutor.curriculum_gateway` serves the practice loop (stored versions, student answers); this module
serves the template editor, which works on *unsaved* YAML text. It returns only the frozen dataclasses
below, so views and services never handle curriculum objects. Every answer check goes through
``curriculum_gateway.answer_check`` (the isolated checker pool in production, in-process in tests).

Shapes:

* :class:`Issue` — ``line`` (1-based line of the YAML text), ``field`` (a dotted path such as
  ``"answer"``, ``"variables.a"``, ``"wrong_answers.0"``; ``""`` for YAML syntax errors), ``message``.
* :class:`TemplatePreview` — ``issues`` plus up to ``variants`` rendered :class:`Variant` values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from curriculum.checking import CHECKERS, teacher_to_latex
from curriculum.errors import CurriculumError
from curriculum.templates import (
    TemplateError,
    check_instance_answer,
    check_template,
    instantiate,
    parse_template,
)
from curriculum.templates.model import INPUT_KINDS
from curriculum.templates.yamlsource import split_documents
from tutor import curriculum_gateway as cg

#: most variants one preview may ask for (each costs 1 + len(wrong_answers) checker calls).
MAX_PREVIEW_VARIANTS = 12
#: most characters of YAML accepted from the editor or an imported file (per template document).
MAX_SOURCE_CHARS = 20_000


@dataclass(frozen=True, order=True)
class Issue:
    """One authoring problem, pointing at a line and a field of the YAML text."""

    line: int
    field: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class WrongAnswerResult:
    """A listed wrong answer run through the variant's checker: it must be *rejected* (``correct`` False)
    and recognised as its own mistake (``note_got == note``) for ``passed``."""

    answer: str
    answer_latex: str
    note: str
    note_got: str
    correct: bool
    feedback: str

    @property
    def passed(self) -> bool:
        return not self.correct and self.note_got == self.note


@dataclass(frozen=True)
class Variant:
    """One rendered instance of the template (``seed``), its answer checked by its own checker.

    ``statement`` and ``hints`` are Markdown with ``$LaTeX$``; ``answer_ok`` is True when the expected
    entry passes the template's checker; ``answer_note`` is the checker's answer note.
    """

    seed: int
    statement: str
    answer: str
    answer_latex: str
    checker: str
    answer_ok: bool
    answer_note: str
    hints: tuple[str, ...]
    solution_steps: tuple[tuple[str, str], ...]
    wrong_answers: tuple[WrongAnswerResult, ...]
    error: str = ""


@dataclass(frozen=True)
class TemplateIdentity:
    """What the database row mirrors from a valid template: id, title, skill codes, difficulty 1..3,
    and the template's own version (first 12 hex digits of sha256 of its source)."""

    code: str
    title: str
    skills: tuple[str, ...]
    difficulty: int
    version: str


@dataclass(frozen=True)
class TemplatePreview:
    """Result of :func:`template_preview`. ``ok`` means no issues at all (the template may be saved)."""

    issues: tuple[Issue, ...]
    variants: tuple[Variant, ...]
    identity: TemplateIdentity | None
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.issues and self.identity is not None


def _issues(raw: Iterable[Any]) -> list[Issue]:
    return sorted({Issue(int(i.line), str(i.field), str(i.message)) for i in raw})


def _latex(answer: str) -> str:
    try:
        return str(teacher_to_latex(answer))
    except CurriculumError:
        return ""


def _check_via_gateway(inst: Any, text: str) -> Any:
    """Request-thread answer check (``TUTOR_PREVIEW_ISOLATED = False``): the gateway's checker path."""
    return cg.answer_check(inst, text=text, input_format="text")


def _variant(template: Any, seed: int, check: Callable[[Any, str], Any] = _check_via_gateway) -> Variant:
    """Instantiate ``seed`` and run its answer and listed wrong answers through its checker.

    ``check(instance, text)`` returns an object with ``correct`` and ``note``."""
    try:
        inst = instantiate(template, seed)
    except TemplateError as exc:
        return Variant(seed, "", "", "", template.checker, False, "", (), (), (),
                       error="; ".join(str(i) for i in exc.issues))
    except CurriculumError as exc:
        return Variant(seed, "", "", "", template.checker, False, "", (), (), (), error=str(exc))
    try:
        own = check(inst, inst.expected_entry)
        wrong = []
        for w in inst.wrong_answers:
            res = check(inst, w.answer)
            wrong.append(WrongAnswerResult(w.answer, _latex(w.answer), w.note, res.note, res.correct,
                                           w.feedback))
    except CurriculumError as exc:  # bad checker options: an authoring error, reported as such
        return Variant(seed, inst.statement, inst.answer, inst.answer_latex, inst.checker, False, "",
                       tuple(inst.hints), (), (), error=str(exc))
    steps = tuple((s.text, s.latex or "") for s in inst.solution.steps) if inst.solution else ()
    return Variant(seed=seed, statement=inst.statement, answer=inst.expected_entry, answer_latex=inst.answer_latex,
                   checker=inst.checker, answer_ok=own.correct, answer_note=own.note, hints=tuple(inst.hints),
                   solution_steps=steps, wrong_answers=tuple(wrong))


def _never_wrong(template: Any, seeds: int) -> list[Issue]:
    """Listed wrong answers (with a unique note) that equal the correct answer in every sampled variant:
    instantiation drops them, so they could never be recognised. Sampling only, no checker calls."""
    notes = [w.note for w in template.wrong_answers]
    present: set[str] = set()
    for seed in range(seeds):
        try:
            inst = instantiate(template, seed, with_solution=False)
        except CurriculumError:
            return []  # already reported by the full validation
        present.update(w.note for w in inst.wrong_answers)
    return [Issue(template.line_of(f"wrong_answers.{i}"), f"wrong_answers.{i}",
                  f"listed wrong answer '{w.answer}' gives the correct answer in all {seeds} variants tried, "
                  f"so it can never be recognised")
            for i, w in enumerate(template.wrong_answers)
            if w.note and notes.count(w.note) == 1 and w.note not in present]


def _fields(template: Any) -> dict[str, Any]:
    """The parsed template as plain JSON values for the form view (what the YAML says, not sampled)."""
    return {
        "id": template.id, "title": template.title, "skills": list(template.skills),
        "difficulty": template.difficulty, "checker": template.checker, "input_kind": template.input_kind,
        "statement": template.statement, "answer": template.answer, "hints": list(template.hints),
        "options": dict(template.options),
        "wrong_answers": [{"answer": w.answer, "feedback": w.feedback, "note": w.note}
                          for w in template.wrong_answers],
    }


#: template functions whose cost cannot be bounded before they run (named in a timeout issue).
UNBOUNDED_FUNCTIONS = ("integrate", "simplify", "factor", "apart", "cancel", "together")
_UNBOUNDED_CALL = re.compile(r"\b(" + "|".join(UNBOUNDED_FUNCTIONS) + r")\s*\(")


def _likely_slow_part(source_yaml: str, template: Any) -> tuple[int, str]:
    """``(line, field)`` of the first line calling an :data:`UNBOUNDED_FUNCTIONS` function (``(0, "")`` if
    none): what a timeout issue points the teacher at. The field is the deepest path starting on or
    before that line."""
    for number, text in enumerate(source_yaml.splitlines(), start=1):
        if _UNBOUNDED_CALL.search(text.split("#", 1)[0]):
            best = ("", 0)
            for path, line in dict(getattr(template, "lines", {})).items():
                if path and line <= number and (line, len(path)) > (best[1], len(best[0])):
                    best = (path, line)
            return number, best[0]
    return 0, ""


def _prechecks(source_yaml: str) -> TemplatePreview | None:
    """Cheap refusals done in the request thread: too long, empty, several documents."""
    if len(source_yaml) > MAX_SOURCE_CHARS:
        return TemplatePreview((Issue(1, "", f"the template is too long (at most {MAX_SOURCE_CHARS} "
                                             f"characters)"),), (), None)
    if not source_yaml.strip():
        return TemplatePreview((Issue(1, "", "the template is empty"),), (), None)
    if re.search(r"^---[ \t]*$", source_yaml, re.MULTILINE) and len(split_documents(source_yaml)) > 1:
        line = 1 + source_yaml[: re.search(r"^---[ \t]*$", source_yaml, re.MULTILINE).start()].count("\n")
        return TemplatePreview((Issue(line, "", "one template per editor: this text holds several documents "
                                                "(split on '---'); import the file instead"),), (), None)
    return None


def _no_progress(line: int, field: str, stage: str) -> None:
    return None


def _preview(source_yaml: str, *, variants: int, first_seed: int, skill_codes: Sequence[str],
             validation_seeds: int | None, isolate_checks: bool, check: Callable[[Any, str], Any],
             progress: Callable[[int, str, str], None]) -> TemplatePreview:
    """The whole validation and preview (CAS work included); ``progress(line, field, stage)`` is called
    before each stage with the part of the template most likely to be slow."""
    variants = max(1, min(int(variants), MAX_PREVIEW_VARIANTS))
    progress(1, "", "reading the YAML")
    try:
        template = parse_template(source_yaml, origin="<editor>")
    except TemplateError as exc:
        return TemplatePreview(tuple(_issues(exc.issues)), (), None)
    line, path = _likely_slow_part(source_yaml, template)
    seeds = max(variants, 8) if validation_seeds is None else max(1, int(validation_seeds))
    progress(line, path, "validation")
    try:
        issues = _issues(check_template(template, seeds=seeds, skill_ids=list(skill_codes),
                                        isolate=isolate_checks))
    except CurriculumError as exc:
        issues = [Issue(template.line_of("options"), "options", str(exc))]
    progress(line, path, "wrong-answer sampling")
    issues += _never_wrong(template, seeds)
    rendered = []
    for k in range(variants):
        progress(line, path, f"variant {first_seed + k}")
        rendered.append(_variant(template, first_seed + k, check))
    identity = TemplateIdentity(code=template.id, title=template.title, skills=tuple(template.skills),
                                difficulty=int(template.difficulty), version=str(template.version))
    return TemplatePreview(tuple(issues), tuple(rendered), identity, _fields(template))


def preview_in_worker(*, source_yaml: str, variants: int, first_seed: int, skill_codes: Sequence[str],
                      validation_seeds: int | None, locale: str,
                      progress: Callable[[int, str, str], None] = _no_progress) -> TemplatePreview:
    """Entry point of a :mod:`tutor.preview_isolation` worker process (reads no Django settings): the
    worker is itself the isolation, so answer checks run in-process with ``locale``."""
    def check(inst: Any, text: str) -> Any:
        return check_instance_answer(inst, text, input_format="text", locale=locale, isolate=False)

    return _preview(source_yaml, variants=variants, first_seed=first_seed, skill_codes=list(skill_codes),
                    validation_seeds=validation_seeds, isolate_checks=False, check=check, progress=progress)


def _timeout_issue(outcome: Any, limit_s: float) -> Issue:
    where = outcome.progress
    limit = f"{limit_s:g}"
    if where.line > 0 and where.field:
        return Issue(where.line, where.field,
                     f"validation timed out after {limit} s: simplify the expression on line {where.line} "
                     f"(field {where.field})")
    return Issue(max(1, where.line), where.field,
                 f"validation timed out after {limit} s (during {where.stage}): simplify the template's "
                 f"expressions ({', '.join(UNBOUNDED_FUNCTIONS)} of large arguments can run for minutes)")


def template_preview(source_yaml: str, *, variants: int = 4, first_seed: int = 0,
                     skill_codes: Sequence[str], validation_seeds: int | None = None) -> TemplatePreview:
    """Validate ``source_yaml`` and render ``variants`` instances (seeds ``first_seed``, ``first_seed+1``...).

    ``skill_codes``: the skills a template may name (the loaded, active skills). ``validation_seeds``
    (default: ``max(variants, 8)``) is how many seeds the full validation samples: constraints
    satisfiable, answer passes its own checker, each listed wrong answer fails and is recognised, the
    worked solution ends at the answer. Never raises for a bad template: problems come back as issues.

    With ``TUTOR_PREVIEW_ISOLATED`` (the default) all of that runs in a :mod:`tutor.preview_isolation`
    worker process killed after ``TUTOR_PREVIEW_TIMEOUT_S`` seconds (``RLIMIT_AS`` of
    ``TUTOR_PREVIEW_MEMORY_MB`` MiB); a timeout comes back as one issue naming the likely line and field.
    """
    refused = _prechecks(source_yaml)
    if refused is not None:
        return refused
    if not getattr(settings, "TUTOR_PREVIEW_ISOLATED", True):
        return _preview(source_yaml, variants=variants, first_seed=first_seed, skill_codes=skill_codes,
                        validation_seeds=validation_seeds, isolate_checks=not settings.TUTOR_CHECK_IN_PROCESS,
                        check=_check_via_gateway, progress=_no_progress)
    from tutor.preview_isolation import get_pool

    limit_s = float(settings.TUTOR_PREVIEW_TIMEOUT_S)
    pool = get_pool(int(settings.TUTOR_PREVIEW_WORKERS), int(settings.TUTOR_PREVIEW_MEMORY_MB))
    outcome = pool.run({"source_yaml": source_yaml, "variants": int(variants), "first_seed": int(first_seed),
                        "skill_codes": [str(c) for c in skill_codes],
                        "validation_seeds": None if validation_seeds is None else int(validation_seeds),
                        "locale": str(settings.TUTOR_LOCALE)}, timeout_s=limit_s)
    if outcome.timed_out:
        return TemplatePreview((_timeout_issue(outcome, limit_s),), (), None)
    if outcome.failure:
        where = outcome.progress
        return TemplatePreview((Issue(max(1, where.line), where.field, outcome.failure),), (), None)
    return outcome.value


def template_identity(source_yaml: str) -> TemplateIdentity | None:
    """The id/title/skills/difficulty of a template that parses (``None`` if it does not)."""
    try:
        template = parse_template(source_yaml, origin="<identity>")
    except TemplateError:
        return None
    return TemplateIdentity(code=template.id, title=template.title, skills=tuple(template.skills),
                            difficulty=int(template.difficulty), version=str(template.version))


def id_line(source_yaml: str) -> int:
    """1-based line of the top-level ``id:`` key (1 when there is none)."""
    m = re.search(r"^id\s*:", source_yaml, re.MULTILINE)
    return 1 + source_yaml[: m.start()].count("\n") if m else 1


def with_new_id(source_yaml: str, new_id: str, *, title_suffix: str = "") -> str:
    """``source_yaml`` with its top-level ``id:`` replaced by ``new_id`` (and `` (copy)``-style suffix added
    to a one-line ``title:``), keeping every other byte, comment and key order."""
    out = re.sub(r"^id\s*:.*$", f"id: {new_id}", source_yaml, count=1, flags=re.MULTILINE)
    if title_suffix:
        def add_suffix(m: re.Match[str]) -> str:
            value = m.group(1).strip()
            if value[:1] in "'\"" or value[:1] in "|>" or not value:
                return m.group(0)
            return f"title: {value}{title_suffix}"
        out = re.sub(r"^title\s*:(.*)$", add_suffix, out, count=1, flags=re.MULTILINE)
    return out


def split_template_file(text: str) -> list[tuple[str, int]]:
    """A multi-document YAML file -> ``[(document, first line), ...]`` (empty documents dropped)."""
    return split_documents(text)


def checker_names() -> tuple[str, ...]:
    """Every checker a template may name (the curriculum's registry)."""
    return tuple(CHECKERS)


def input_kinds() -> tuple[str, ...]:
    """The answer widgets the practice page knows."""
    return tuple(INPUT_KINDS)


__all__ = [
    "MAX_PREVIEW_VARIANTS",
    "MAX_SOURCE_CHARS",
    "UNBOUNDED_FUNCTIONS",
    "Issue",
    "TemplateIdentity",
    "TemplatePreview",
    "Variant",
    "WrongAnswerResult",
    "checker_names",
    "id_line",
    "input_kinds",
    "preview_in_worker",
    "split_template_file",
    "template_identity",
    "template_preview",
    "with_new_id",
]
