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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from curriculum.checking import CHECKERS, teacher_to_latex
from curriculum.errors import CurriculumError
from curriculum.templates import TemplateError, check_template, instantiate, parse_template
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


def _variant(template: Any, seed: int) -> Variant:
    """Instantiate ``seed`` and run its answer and listed wrong answers through its checker."""
    try:
        inst = instantiate(template, seed)
    except TemplateError as exc:
        return Variant(seed, "", "", "", template.checker, False, "", (), (), (),
                       error="; ".join(str(i) for i in exc.issues))
    except CurriculumError as exc:
        return Variant(seed, "", "", "", template.checker, False, "", (), (), (), error=str(exc))
    try:
        own = cg.answer_check(inst, text=inst.expected_entry, input_format="text")
        wrong = []
        for w in inst.wrong_answers:
            res = cg.answer_check(inst, text=w.answer, input_format="text")
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


def template_preview(source_yaml: str, *, variants: int = 4, first_seed: int = 0,
                     skill_codes: Sequence[str], validation_seeds: int | None = None) -> TemplatePreview:
    """Validate ``source_yaml`` and render ``variants`` instances (seeds ``first_seed``, ``first_seed+1``...).

    ``skill_codes``: the skills a template may name (the loaded, active skills). ``validation_seeds``
    (default: ``max(variants, 8)``) is how many seeds the full validation samples: constraints
    satisfiable, answer passes its own checker, each listed wrong answer fails and is recognised, the
    worked solution ends at the answer. Never raises for a bad template: problems come back as issues.
    """
    if len(source_yaml) > MAX_SOURCE_CHARS:
        return TemplatePreview((Issue(1, "", f"the template is too long (at most {MAX_SOURCE_CHARS} "
                                             f"characters)"),), (), None)
    if not source_yaml.strip():
        return TemplatePreview((Issue(1, "", "the template is empty"),), (), None)
    if re.search(r"^---[ \t]*$", source_yaml, re.MULTILINE) and len(split_documents(source_yaml)) > 1:
        line = 1 + source_yaml[: re.search(r"^---[ \t]*$", source_yaml, re.MULTILINE).start()].count("\n")
        return TemplatePreview((Issue(line, "", "one template per editor: this text holds several documents "
                                                "(split on '---'); import the file instead"),), (), None)
    variants = max(1, min(int(variants), MAX_PREVIEW_VARIANTS))
    try:
        template = parse_template(source_yaml, origin="<editor>")
    except TemplateError as exc:
        return TemplatePreview(tuple(_issues(exc.issues)), (), None)
    seeds = max(variants, 8) if validation_seeds is None else max(1, int(validation_seeds))
    try:
        issues = _issues(check_template(template, seeds=seeds, skill_ids=list(skill_codes),
                                        isolate=not settings.TUTOR_CHECK_IN_PROCESS))
    except CurriculumError as exc:
        issues = [Issue(template.line_of("options"), "options", str(exc))]
    issues += _never_wrong(template, seeds)
    rendered = tuple(_variant(template, first_seed + k) for k in range(variants))
    identity = TemplateIdentity(code=template.id, title=template.title, skills=tuple(template.skills),
                                difficulty=int(template.difficulty), version=str(template.version))
    return TemplatePreview(tuple(issues), rendered, identity, _fields(template))


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
    "MAX_PREVIEW_VARIANTS", "MAX_SOURCE_CHARS", "Issue", "TemplateIdentity", "TemplatePreview", "Variant",
    "WrongAnswerResult", "checker_names", "id_line", "input_kinds", "split_template_file", "template_identity",
    "template_preview", "with_new_id",
]
