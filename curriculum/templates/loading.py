"""Loading template files: one or more templates per ``.yaml`` file, separated by ``---`` lines.

The shipped bank lives in ``curriculum/content/templates/<family>/<skill>.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from curriculum.templates.model import ProblemTemplate, TemplateError, TemplateIssue
from curriculum.templates.parse import parse_template
from curriculum.templates.yamlsource import split_documents

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content" / "templates"


@dataclass(frozen=True)
class TemplateFile:
    """One document of a template file: its text and the file line it starts on."""

    path: Path
    text: str
    first_line: int


def iter_template_files(path: str | Path | None = None) -> Iterator[TemplateFile]:
    """Every template document under ``path`` (a file or a directory searched recursively), sorted."""
    root = Path(path) if path is not None else CONTENT_DIR
    if not root.exists():
        raise TemplateError([TemplateIssue(1, "", f"no such file or directory: {root}")], str(root))
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    for file in files:
        text = file.read_text(encoding="utf-8")
        for chunk, first in split_documents(text):
            yield TemplateFile(file, chunk, first)


def load_templates(path: str | Path | None = None) -> dict[str, ProblemTemplate]:
    """Parse every template under ``path`` (default: the shipped content) -> ``{id: template}``.

    Raises :class:`TemplateError` listing all parse errors (as ``file:line``) and duplicate ids.
    """
    out: dict[str, ProblemTemplate] = {}
    issues: list[TemplateIssue] = []
    errors: list[str] = []
    for doc in iter_template_files(path):
        try:
            t = parse_template(doc.text, first_line=doc.first_line, origin=str(doc.path))
        except TemplateError as exc:
            issues.extend(exc.issues)
            errors.extend(f"{doc.path}:{i.line}: {i.field + ': ' if i.field else ''}{i.message}" for i in exc.issues)
            continue
        if t.id in out:
            issue = TemplateIssue(t.line_of("id"), "id", f"duplicate template id '{t.id}' "
                                                           f"(first in {out[t.id].origin})")
            issues.append(issue)
            errors.append(f"{doc.path}:{issue.line}: id: {issue.message}")
            continue
        out[t.id] = t
    if issues:
        err = TemplateError(issues, str(path or CONTENT_DIR))
        err.args = ("\n".join(errors),)
        raise err
    return out
