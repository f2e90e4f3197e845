"""Writes of the template editor: save a teacher's template as a new immutable version, copy, archive,
and import template files (YAML, one or more documents) or simple CSV question/answer lists.

Saving never edits an existing :class:`TemplateVersion`: a changed source becomes version N+1 and the
template's ``current_version`` moves to it; problems already served keep the version they were made from.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import yaml
from django.db import transaction

from tutor import authoring_gateway as ag
from tutor.errors import NotAllowed, NotFound, ValidationFailed
from tutor.models import ProblemTemplate, Skill, TemplateVersion, User
from tutor.selectors.authoring import (
    active_skill_codes,
    template_get_for_teacher,
    template_list_for_teacher,
    template_may_edit,
)
from tutor.services.curriculum import template_version_add

#: seeds sampled by the full validation run before a save (the preview samples fewer, for speed).
SAVE_VALIDATION_SEEDS = 12
#: most templates one import may create.
MAX_IMPORT_TEMPLATES = 200
#: most bytes of one uploaded file.
MAX_IMPORT_BYTES = 1_000_000
CSV_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,60}$")


class TemplateInvalid(ValidationFailed):
    """The template has authoring issues (``issues``: :class:`tutor.authoring_gateway.Issue` values)."""

    code = "template_invalid"

    def __init__(self, issues: list[ag.Issue] | tuple[ag.Issue, ...], message: str | None = None) -> None:
        self.issues = tuple(sorted(issues))
        n = len(self.issues)
        super().__init__(message or f"The template has {n} problem{'s' if n != 1 else ''}; fix {'them' if n != 1 else 'it'} "
                                    f"before saving.")


@dataclass(frozen=True)
class SaveOutcome:
    """What :func:`template_save` did: the template, its (new or identical existing) version, and whether
    the template row or a new version was created."""

    template: ProblemTemplate
    version: TemplateVersion
    created_template: bool
    created_version: bool


def _require_teacher(user: User) -> None:
    if not user.is_teacher:
        raise NotAllowed("Only teachers can author templates.")


def _identity_conflicts(*, author: User, identity: ag.TemplateIdentity, source_yaml: str,
                        template: ProblemTemplate | None) -> list[ag.Issue]:
    line = ag.id_line(source_yaml)
    if template is not None:
        if identity.code != template.code:
            return [ag.Issue(line, "id", f"the id of a saved template cannot change (it is '{template.code}'); "
                                         f"use “Copy” to start a new template with another id")]
        return []
    clash = ProblemTemplate.objects.filter(code=identity.code).first()
    if clash is None:
        return []
    if clash.author_id == author.pk:
        return [ag.Issue(line, "id", f"you already have a template with the id '{identity.code}'; open it to "
                                     f"edit it, or choose another id")]
    return [ag.Issue(line, "id", f"the id '{identity.code}' is already used by another template; choose "
                                 f"another id (for example '{identity.code}.mine')")]


@transaction.atomic
def template_save(*, author: User, source_yaml: str, template_id: int | None = None) -> SaveOutcome:
    """Validate ``source_yaml`` and store it as a new version of the author's template.

    ``template_id=None`` creates a new teacher template whose code is the YAML ``id``; otherwise the
    YAML's ``id`` must equal the template's code. An identical source returns the existing version.
    Raises TemplateInvalid (with line-numbered issues), NotFound (template not visible), NotAllowed
    (not the author, or a shipped template).
    """
    _require_teacher(author)
    source_yaml = source_yaml.replace("\r\n", "\n")
    template = None
    if template_id is not None:
        template = template_get_for_teacher(teacher=author, template_id=template_id)
        if not template_may_edit(user=author, template=template):
            raise NotAllowed("Only the author can change this template. Use “Copy” to make your own.")
        template = ProblemTemplate.objects.select_for_update().get(pk=template.pk)
    preview = ag.template_preview(source_yaml, variants=1, skill_codes=active_skill_codes(),
                                  validation_seeds=SAVE_VALIDATION_SEEDS)
    issues = list(preview.issues)
    if preview.identity is not None:
        issues += _identity_conflicts(author=author, identity=preview.identity, source_yaml=source_yaml,
                                      template=template)
    if issues or preview.identity is None:
        raise TemplateInvalid(issues or [ag.Issue(1, "", "the template could not be read")])
    identity = preview.identity
    created_template = template is None
    if template is None:
        template = ProblemTemplate.objects.create(
            code=identity.code, title=identity.title[:200], origin=ProblemTemplate.Origin.TEACHER, author=author,
            school=author.school, difficulty=identity.difficulty,
        )
    else:
        template.title, template.difficulty = identity.title[:200], identity.difficulty
        template.save(update_fields=["title", "difficulty", "updated_at"])
    before = set(template.versions.values_list("pk", flat=True))
    version = template_version_add(template=template, source_yaml=source_yaml, declared_version=identity.version)
    template.skills.set(Skill.objects.filter(code__in=identity.skills))
    return SaveOutcome(template=template, version=version, created_template=created_template,
                       created_version=version.pk not in before)


def template_copy_source(*, teacher: User, template_id: int) -> str:
    """The YAML of a visible template with a fresh id (``<code>.copy``, ``.copy2``...) and ``(copy)`` added
    to its title: the starting text of a new template. Nothing is saved."""
    _require_teacher(teacher)
    template = template_get_for_teacher(teacher=teacher, template_id=template_id)
    if template.current_version is None:
        raise NotFound("This template has no saved version to copy.")
    base = f"{template.code}.copy"
    new_id, n = base, 1
    while ProblemTemplate.objects.filter(code=new_id).exists():
        n += 1
        new_id = f"{base}{n}"
    return ag.with_new_id(template.current_version.source_yaml, new_id, title_suffix=" (copy)")


@transaction.atomic
def template_set_active(*, author: User, template_id: int, active: bool) -> ProblemTemplate:
    """Archive (``active=False``) or restore one of the author's templates. Archived templates are not
    served for new practice; past attempts and problem-set entries keep working."""
    _require_teacher(author)
    template = template_get_for_teacher(teacher=author, template_id=template_id)
    if not template_may_edit(user=author, template=template):
        raise NotAllowed("Only the author can archive this template.")
    template.is_active = active
    template.save(update_fields=["is_active", "updated_at"])
    return template


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What an import did (or would have done). ``errors``: ``(where, message)`` pairs; when non-empty
    nothing was saved (imports are all or nothing)."""

    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problem_sets: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        parts = [f"{len(self.created)} new template{'s' if len(self.created) != 1 else ''}",
                 f"{len(self.new_versions)} new version{'s' if len(self.new_versions) != 1 else ''}",
                 f"{len(self.unchanged)} unchanged"]
        if self.problem_sets:
            parts.append(f"{len(self.problem_sets)} problem set{'s' if len(self.problem_sets) != 1 else ''}")
        return ", ".join(parts)


class ImportFailed(ValidationFailed):
    """An import was refused; ``report.errors`` says where and why (nothing was saved)."""

    code = "import_failed"

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        n = len(report.errors)
        super().__init__(f"Nothing was imported: {n} problem{'s' if n != 1 else ''} to fix first.")


def _import_one(*, author: User, source: str, first_line: int, where: str, report: ImportReport) -> str | None:
    """Save one template document of an import; returns its code, or None after recording errors."""
    identity = ag.template_identity(source)
    existing = ProblemTemplate.objects.filter(code=identity.code).select_related("current_version").first() \
        if identity else None
    if (existing is not None and not template_may_edit(user=author, template=existing)
            and existing.current_version is not None
            and existing.current_version.source_yaml.strip() == source.strip()
            and template_list_for_teacher(teacher=author).filter(pk=existing.pk).exists()):
        report.unchanged.append(existing.code)  # a visible, identical template of someone else: refer to it
        return existing.code
    try:
        with transaction.atomic():
            outcome = template_save(author=author, source_yaml=source,
                                    template_id=existing.pk if existing is not None and
                                    template_may_edit(user=author, template=existing) else None)
    except TemplateInvalid as exc:
        for issue in exc.issues:
            line = issue.line + first_line - 1
            report.errors.append((f"{where} line {line}", f"{issue.field + ': ' if issue.field else ''}{issue.message}"))
        return None
    code = outcome.template.code
    if outcome.created_template:
        report.created.append(code)
    elif outcome.created_version:
        report.new_versions.append(code)
    else:
        report.unchanged.append(code)
    return code


def _decode(data: bytes | str, *, what: str) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_IMPORT_BYTES:
            raise ValidationFailed(f"The {what} is too large (at most {MAX_IMPORT_BYTES // 1000} kB).", code="too_large")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(f"The {what} is not UTF-8 text (byte {exc.start}).", code="not_text") from exc
    if len(text) > MAX_IMPORT_BYTES:
        raise ValidationFailed(f"The {what} is too large (at most {MAX_IMPORT_BYTES // 1000} kB).", code="too_large")
    return text.replace("\r\n", "\n")


def _is_problem_set_doc(doc: str) -> bool:
    return re.search(r"^problem_set\s*:", doc, re.MULTILINE) is not None


@transaction.atomic
def templates_import_yaml(*, author: User, data: bytes | str, filename: str = "upload.yaml") -> ImportReport:
    """Import a YAML file of template documents (separated by ``---``), optionally with problem-set
    documents (``problem_set: {title, mode, goal, items: [template ids]}``) that refer to shipped
    templates, the author's templates, or templates in the same file.

    All or nothing: raises ImportFailed (with the report's errors, file lines included) and saves nothing
    if any document has a problem. Templates with an id the author already owns get a new version.
    """
    from tutor.services.problem_sets import problem_set_from_document  # set documents refer to templates

    _require_teacher(author)
    text = _decode(data, what="file")
    docs = ag.split_template_file(text)
    if not docs:
        raise ValidationFailed("The file holds no templates.", code="empty")
    template_docs = [(d, line) for d, line in docs if not _is_problem_set_doc(d)]
    set_docs = [(d, line) for d, line in docs if _is_problem_set_doc(d)]
    if len(template_docs) > MAX_IMPORT_TEMPLATES:
        raise ValidationFailed(f"At most {MAX_IMPORT_TEMPLATES} templates per import.", code="too_many")
    report = ImportReport()
    for doc, first_line in template_docs:
        _import_one(author=author, source=doc, first_line=first_line, where=filename, report=report)
    for doc, first_line in set_docs:
        try:
            problem_set = problem_set_from_document(owner=author, text=doc)
        except ValidationFailed as exc:
            report.errors.append((f"{filename} line {first_line}", exc.message))
        else:
            report.problem_sets.append(problem_set.title)
    if report.errors:
        transaction.set_rollback(True)
        raise ImportFailed(report)
    return report


def _csv_template(*, code: str, title: str, skill: str, question: str, answer: str, hint: str,
                  checker: str) -> str:
    """The YAML of a fixed (non-random) template for one CSV row."""
    input_kind = "equation" if "=" in answer and not any(op in answer for op in ("<", ">")) else "expression"
    if re.fullmatch(r"\s*-?\d+(\.\d+)?(\s*/\s*\d+)?\s*", answer):
        input_kind = "number"
    data = {
        "id": code, "title": title, "skills": [skill], "difficulty": 1,
        "statement": question.replace("{{", "{ {").replace("}}", "} }"), "answer": answer, "checker": checker,
        "input_kind": input_kind,
        "hints": [hint or "Work one step at a time, then check your answer against the question."],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


@transaction.atomic
def templates_import_csv(*, author: User, data: bytes | str, skill_code: str, id_prefix: str,
                         checker: str = "AlgEquiv", filename: str = "upload.csv") -> ImportReport:
    """Import a CSV list of question/answer pairs as fixed templates ``<id_prefix>.001``, ``.002``...

    The header row names the columns: ``question`` and ``answer`` are required; ``hint`` and ``title`` are
    optional. Questions may contain ``$LaTeX$``; answers use the checker syntax (``3/4``, ``x = 5``,
    ``2*(x+1)``). All or nothing, like :func:`templates_import_yaml`.
    """
    _require_teacher(author)
    if checker not in ag.checker_names():
        raise ValidationFailed(f"Unknown checker '{checker}'.", code="bad_checker")
    if not Skill.objects.filter(code=skill_code, is_active=True).exists():
        raise ValidationFailed("Choose the skill these questions practise.", code="bad_skill")
    prefix = id_prefix.strip().lower()
    if not CSV_ID_RE.match(prefix):
        raise ValidationFailed("The id prefix uses lower-case letters, digits, '.', '_' and '-' (e.g. "
                               "'ms-smith.week3').", code="bad_prefix")
    text = _decode(data, what="CSV file")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValidationFailed(f"The CSV file could not be read: {exc}.", code="bad_csv") from exc
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ValidationFailed("The CSV file needs a header row (question,answer) and at least one question.",
                               code="empty")
    header = [h.strip().lower() for h in rows[0]]
    if "question" not in header or "answer" not in header:
        raise ValidationFailed("The header row must name the columns 'question' and 'answer' "
                               f"(found: {', '.join(h for h in header if h) or 'nothing'}).", code="bad_header")
    if len(rows) - 1 > MAX_IMPORT_TEMPLATES:
        raise ValidationFailed(f"At most {MAX_IMPORT_TEMPLATES} questions per import.", code="too_many")
    col = {name: header.index(name) for name in ("question", "answer", "hint", "title") if name in header}
    report = ImportReport()
    for n, row in enumerate(rows[1:], start=1):
        def cell(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        where = f"{filename} row {n + 1}"
        question, answer = cell("question"), cell("answer")
        if not question or not answer:
            report.errors.append((where, "a question and an answer are both needed"))
            continue
        source = _csv_template(code=f"{prefix}.{n:03d}", title=cell("title") or f"{prefix} question {n}",
                               skill=skill_code, question=question, answer=answer, hint=cell("hint"),
                               checker=checker)
        before = len(report.errors)
        _import_one(author=author, source=source, first_line=1, where=where, report=report)
        for k in range(before, len(report.errors)):  # YAML lines mean nothing to a CSV author: name the column
            report.errors[k] = (where, report.errors[k][1])
    if report.errors:
        transaction.set_rollback(True)
        raise ImportFailed(report)
    return report


def template_export(*, teacher: User, template_id: int) -> tuple[str, str]:
    """``(filename, yaml text)`` of a visible template's current version."""
    template = template_get_for_teacher(teacher=teacher, template_id=template_id)
    if template.current_version is None:
        raise NotFound("This template has no saved version.")
    return f"{template.code}.yaml", template.current_version.source_yaml
