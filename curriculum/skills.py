"""The skill graph: skills with stable ids and prerequisites, loaded from YAML.

``load_skill_graph()`` reads the shipped ``curriculum/content/skills.yaml``::

    skills:
      - id: fractions.add_subtract          # stable: <family>.<skill>, stored in the database
        name: Add and subtract fractions
        description: Unlike denominators via the least common multiple.
        prerequisites: [fractions.simplify]

Validation (duplicate ids, unknown prerequisites, cycles, missing fields) raises
:class:`curriculum.templates.TemplateError` whose issues carry the YAML line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from curriculum.templates.model import TemplateError, TemplateIssue
from curriculum.templates.yamlsource import YamlSourceError, load_with_lines

SKILLS_PATH = Path(__file__).resolve().parent / "content" / "skills.yaml"
SKILL_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Skill:
    """One skill. ``family`` is the part of ``id`` before the dot (``"fractions"``)."""

    id: str
    name: str
    family: str
    description: str
    prerequisites: tuple[str, ...]


class SkillGraph:
    """Skills in curriculum order plus their prerequisite edges (a DAG, checked on construction)."""

    def __init__(self, skills: Mapping[str, Skill] | list[Skill]) -> None:
        items = list(skills.values()) if isinstance(skills, Mapping) else list(skills)
        self._skills: dict[str, Skill] = {}
        for s in items:
            if s.id in self._skills:
                raise TemplateError([TemplateIssue(1, "skills", f"duplicate skill id '{s.id}'")])
            self._skills[s.id] = s
        issues = [TemplateIssue(1, s.id, f"unknown prerequisite '{p}'")
                  for s in items for p in s.prerequisites if p not in self._skills]
        if issues:
            raise TemplateError(issues)
        cycle = self._find_cycle()
        if cycle:
            raise TemplateError([TemplateIssue(1, cycle[0], "prerequisite cycle: " + " -> ".join(cycle))])
        self.skills: Mapping[str, Skill] = MappingProxyType(self._skills)

    def __len__(self) -> int:
        return len(self._skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._skills

    def prerequisites(self, skill_id: str) -> tuple[str, ...]:
        """Direct prerequisites; ``KeyError`` for an unknown id."""
        return self._skills[skill_id].prerequisites

    def all_prerequisites(self, skill_id: str) -> frozenset[str]:
        """Transitive prerequisites (not including the skill itself)."""
        seen: set[str] = set()
        stack = list(self.prerequisites(skill_id))
        while stack:
            p = stack.pop()
            if p not in seen:
                seen.add(p)
                stack.extend(self._skills[p].prerequisites)
        return frozenset(seen)

    def topological_order(self) -> list[str]:
        """Every id after all of its prerequisites; ties keep curriculum (file) order."""
        order: list[str] = []
        done: set[str] = set()
        remaining = list(self._skills)
        while remaining:
            for sid in remaining:
                if all(p in done for p in self._skills[sid].prerequisites):
                    order.append(sid)
                    done.add(sid)
                    remaining.remove(sid)
                    break
        return order

    def as_mapping(self) -> dict[str, tuple[str, ...]]:
        """``{skill_id: prerequisites}`` (what the mastery/selection code consumes)."""
        return {sid: s.prerequisites for sid, s in self._skills.items()}

    def families(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for s in self._skills.values():
            out.setdefault(s.family, []).append(s.id)
        return out

    def _find_cycle(self) -> list[str]:
        color: dict[str, int] = {}
        stack: list[str] = []

        def visit(sid: str) -> list[str]:
            color[sid] = 1
            stack.append(sid)
            for p in self._skills[sid].prerequisites:
                if color.get(p) == 1:
                    return stack[stack.index(p):] + [p]
                if p not in color:
                    found = visit(p)
                    if found:
                        return found
            stack.pop()
            color[sid] = 2
            return []

        for sid in self._skills:
            if sid not in color:
                found = visit(sid)
                if found:
                    return found
        return []


def parse_skill_graph(yaml_text: str, origin: str = "<skills>") -> SkillGraph:
    """Parse skills YAML; every problem is reported with its line."""
    try:
        data, lines = load_with_lines(yaml_text)
    except YamlSourceError as exc:
        raise TemplateError([TemplateIssue(exc.line, "", str(exc))], origin) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("skills"), list):
        raise TemplateError([TemplateIssue(1, "skills", "expected a top-level 'skills:' list")], origin)
    issues: list[TemplateIssue] = []
    skills: list[Skill] = []
    index: dict[str, int] = {}
    for i, item in enumerate(data["skills"]):
        line = lines.get(("skills", i), 1)
        if not isinstance(item, Mapping):
            issues.append(TemplateIssue(line, f"skills.{i}", "each skill is a mapping"))
            continue
        sid = str(item.get("id", ""))
        if not SKILL_ID_RE.match(sid):
            issues.append(TemplateIssue(line, f"skills.{i}.id", f"invalid skill id '{sid}' (family.skill)"))
            continue
        if sid in index:
            issues.append(TemplateIssue(line, f"skills.{i}.id", f"duplicate skill id '{sid}'"))
            continue
        for key in ("name", "description"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                issues.append(TemplateIssue(line, f"skills.{i}.{key}", f"'{key}' is required"))
        for extra in set(item) - {"id", "name", "description", "prerequisites"}:
            issues.append(TemplateIssue(lines.get(("skills", i, extra), line), f"skills.{i}.{extra}",
                                        f"unknown field '{extra}'"))
        prereqs = item.get("prerequisites") or []
        if not isinstance(prereqs, list):
            issues.append(TemplateIssue(line, f"skills.{i}.prerequisites", "must be a list"))
            prereqs = []
        index[sid] = line
        skills.append(Skill(sid, str(item.get("name", "")), sid.split(".")[0], str(item.get("description", "")),
                            tuple(str(p) for p in prereqs)))
    known = {s.id for s in skills}
    for i, s in enumerate(skills):
        for p in s.prerequisites:
            if p not in known:
                issues.append(TemplateIssue(index[s.id], f"{s.id}.prerequisites", f"unknown prerequisite '{p}'"))
    if issues:
        raise TemplateError(issues, origin)
    try:
        return SkillGraph(skills)
    except TemplateError as exc:
        fixed = [TemplateIssue(index.get(i.field, 1), i.field, i.message) for i in exc.issues]
        raise TemplateError(fixed, origin) from None


def load_skill_graph(path: str | Path | None = None) -> SkillGraph:
    """Load and validate the skill graph (default: the shipped ``content/skills.yaml``)."""
    p = Path(path) if path is not None else SKILLS_PATH
    return parse_skill_graph(p.read_text(encoding="utf-8"), origin=str(p))
