"""Loading the shipped curriculum into the database: skills and versioned templates. Idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from tutor import curriculum_gateway as cg
from tutor.models import ProblemTemplate, Skill, TemplateVersion


@dataclass
class LoadReport:
    """What ``curriculum_load`` changed (codes of skills/templates)."""

    skills_created: list[str] = field(default_factory=list)
    skills_updated: list[str] = field(default_factory=list)
    skills_retired: list[str] = field(default_factory=list)
    templates_created: list[str] = field(default_factory=list)
    versions_added: list[str] = field(default_factory=list)
    templates_retired: list[str] = field(default_factory=list)
    unchanged_templates: int = 0

    def summary(self) -> str:
        return (
            f"skills: {len(self.skills_created)} new, {len(self.skills_updated)} updated, "
            f"{len(self.skills_retired)} retired; templates: {len(self.templates_created)} new, "
            f"{len(self.versions_added)} new versions, {self.unchanged_templates} unchanged, "
            f"{len(self.templates_retired)} retired"
        )


def _skills_sync(records: Sequence[cg.SkillRecord], report: LoadReport) -> dict[str, Skill]:
    by_code = {s.code: s for s in Skill.objects.all()}
    for rec in records:
        skill = by_code.get(rec.code)
        fields = {"name": rec.name, "family": rec.family, "description": rec.description, "order": rec.order,
                  "is_active": True}
        if skill is None:
            by_code[rec.code] = Skill.objects.create(code=rec.code, **fields)
            report.skills_created.append(rec.code)
        elif any(getattr(skill, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(skill, k, v)
            skill.save()
            report.skills_updated.append(rec.code)
    for rec in records:
        wanted = {by_code[p].pk for p in rec.prerequisites if p in by_code}
        skill = by_code[rec.code]
        if set(skill.prerequisites.values_list("pk", flat=True)) != wanted:
            skill.prerequisites.set(wanted)
            if rec.code not in report.skills_created and rec.code not in report.skills_updated:
                report.skills_updated.append(rec.code)
    shipped = {r.code for r in records}
    for code, skill in by_code.items():
        if code not in shipped and skill.is_active:
            skill.is_active = False
            skill.save(update_fields=["is_active"])
            report.skills_retired.append(code)
    return by_code


def template_version_add(*, template: ProblemTemplate, source_yaml: str, declared_version: str) -> TemplateVersion:
    """Add ``source_yaml`` as the template's newest version (or return the existing identical one) and
    make it current. Earlier versions, and instances made from them, are untouched."""
    digest = cg.source_hash(source_yaml)
    existing = TemplateVersion.objects.filter(template=template, source_hash=digest).first()
    if existing is None:
        number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        existing = TemplateVersion.objects.create(
            template=template, number=number, declared_version=declared_version[:40], source_yaml=source_yaml,
            source_hash=digest,
        )
    if template.current_version_id != existing.pk:
        template.current_version = existing
        template.save(update_fields=["current_version", "updated_at"])
    return existing


@transaction.atomic
def curriculum_load() -> LoadReport:
    """Mirror the curriculum's skills and shipped templates into the database.

    Idempotent: running it twice changes nothing. A shipped template whose YAML changed gets a new
    :class:`TemplateVersion` (past instances keep theirs); skills/templates no longer shipped are
    deactivated, never deleted. New templates are inserted in bulk (a handful of queries for a fresh
    database, whatever the number of templates).
    """
    report = LoadReport()
    skills = _skills_sync(cg.skills_shipped(), report)
    records = cg.templates_shipped()
    existing = {
        t.code: t
        for t in ProblemTemplate.objects.select_related("current_version").prefetch_related("skills")
    }
    fresh = [r for r in records if r.code not in existing]
    _templates_create(fresh, skills)
    report.templates_created.extend(r.code for r in fresh)
    for rec in records:
        template = existing.get(rec.code)
        if template is None:
            continue
        wanted = (rec.title[:200], rec.difficulty, True)
        if (template.title, template.difficulty, template.is_active) != wanted:
            template.title, template.difficulty, template.is_active = wanted
            template.save(update_fields=["title", "difficulty", "is_active", "updated_at"])
        current = template.current_version
        if current is not None and current.source_hash == rec.source_hash:
            report.unchanged_templates += 1
        else:
            template_version_add(template=template, source_yaml=rec.source_yaml,
                                 declared_version=rec.declared_version)
            report.versions_added.append(rec.code)
        wanted_skills = {skills[c].pk for c in rec.skills if c in skills}
        if {s.pk for s in template.skills.all()} != wanted_skills:
            template.skills.set(wanted_skills)
    shipped = {r.code for r in records}
    for template in existing.values():
        if template.origin == ProblemTemplate.Origin.SHIPPED and template.is_active and template.code not in shipped:
            template.is_active = False
            template.save(update_fields=["is_active", "updated_at"])
            report.templates_retired.append(template.code)
    return report


def _templates_create(records: Sequence[cg.TemplateRecord], skills: dict[str, Skill]) -> None:
    """Insert new shipped templates with their first version and skills, in bulk."""
    if not records:
        return
    templates = ProblemTemplate.objects.bulk_create([
        ProblemTemplate(code=r.code, title=r.title[:200], origin=ProblemTemplate.Origin.SHIPPED,
                        difficulty=r.difficulty)
        for r in records
    ])
    versions = TemplateVersion.objects.bulk_create([
        TemplateVersion(template=t, number=1, declared_version=r.declared_version[:40],
                        source_yaml=r.source_yaml, source_hash=r.source_hash)
        for t, r in zip(templates, records)
    ])
    for t, v in zip(templates, versions):
        t.current_version = v
    ProblemTemplate.objects.bulk_update(templates, ["current_version"])
    through = ProblemTemplate.skills.through
    through.objects.bulk_create([
        through(problemtemplate_id=t.pk, skill_id=skills[c].pk)
        for t, r in zip(templates, records) for c in dict.fromkeys(r.skills) if c in skills
    ])
