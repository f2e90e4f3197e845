"""Teacher pages and JSON endpoints of the template editor: list, edit (form + source view with live
preview), save as a new version, copy, archive, export and import (YAML files, CSV lists)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutor import authoring_gateway as ag
from tutor import ratelimit
from tutor.errors import TutorError
from tutor.models import ProblemTemplate, Skill
from tutor.rendering import markdown_math_to_html
from tutor.selectors.authoring import (
    active_skill_codes,
    skill_choices,
    template_get_for_teacher,
    template_list_for_teacher,
    template_may_edit,
    template_versions,
)
from tutor.services.authoring import (
    ImportFailed,
    TemplateInvalid,
    template_copy_source,
    template_export,
    template_save,
    template_set_active,
    templates_import_csv,
    templates_import_yaml,
)
from tutor.views.access import (
    json_error,
    json_from_tutor_error,
    page_from_tutor_error,
    teacher_required,
    yaml_attachment,
)

STARTER_TEMPLATE = """\
# A new template. Everything between {{ }} is filled in from the variables for each student.
id: {id}
title: Two-step equation
skills: [linear_equations.two_step]
difficulty: 1
variables:
  a: {{int: [2, 9]}}
  b: {{int: [1, 20]}}
  v: {{int: [-10, 10]}}
  c: a*v + b
statement: |
  Solve ${{{{a*x + b = c}}}}$.
answer: x = v
checker: AlgEquiv
input_kind: equation
hints:
  - First subtract {{{{b}}}} from both sides.
  - Then divide both sides by {{{{a}}}}.
wrong_answers:
  - answer: x = (c + b)/a
    feedback: Subtract {{{{b}}}} from both sides; here it was added.
    note: SIGN_ERROR
solution:
  method: linear_equation
  given: {{equation: a*x + b = c}}
"""


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _suggested_id(request: HttpRequest) -> str:
    base = "".join(ch if ch.isalnum() else "-" for ch in request.user.username.lower()).strip("-") or "teacher"
    n = 1
    while ProblemTemplate.objects.filter(code=f"{base}.template-{n}").exists():
        n += 1
    return f"{base}.template-{n}"


@teacher_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    """Every template the teacher may use: their own first, then the school's and the shipped bank."""
    q = request.GET.get("q", "").strip()[:100]
    origin = request.GET.get("origin", "")
    templates = template_list_for_teacher(teacher=request.user)
    if q:
        templates = templates.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(skills__name__icontains=q)).distinct()
    if origin == "mine":
        templates = templates.filter(author=request.user)
    elif origin == "shipped":
        templates = templates.filter(origin=ProblemTemplate.Origin.SHIPPED)
    elif origin == "school":
        templates = templates.filter(origin=ProblemTemplate.Origin.TEACHER).exclude(author=request.user)
    templates = templates.order_by("origin", "code")
    mine = [t for t in templates if t.author_id == request.user.pk]
    others = [t for t in templates if t.author_id != request.user.pk]
    return render(request, "teacher/templates_list.html",
                  {"mine": mine, "others": others, "q": q, "origin": origin})


def _editor(request: HttpRequest, *, template: ProblemTemplate | None, source: str) -> HttpResponse:
    may_edit = template is None or template_may_edit(user=request.user, template=template)
    context = {
        "template_obj": template,
        "source": source,
        "may_edit": may_edit,
        "versions": template_versions(template=template) if template else [],
        "editor_config": {
            "previewUrl": reverse("api_teach_template_preview"),
            "saveUrl": reverse("api_teach_template_save"),
            "templateId": template.pk if template else None,
            "readOnly": not may_edit,
            "skills": [{"code": c, "name": n, "family": f} for c, n, f in skill_choices()],
            "checkers": list(ag.checker_names()),
            "inputKinds": list(ag.input_kinds()),
            "maxVariants": ag.MAX_PREVIEW_VARIANTS,
        },
    }
    return render(request, "teacher/template_editor.html", context)


@teacher_required
@require_GET
def template_new(request: HttpRequest) -> HttpResponse:
    """The editor with a working starter template, or a copy of ``?from=<template id>``."""
    source_id = request.GET.get("from", "")
    if source_id:
        if not source_id.isdigit():
            return redirect("teach_templates")
        try:
            source = template_copy_source(teacher=request.user, template_id=int(source_id))
        except TutorError as exc:
            page_from_tutor_error(exc)
    else:
        source = STARTER_TEMPLATE.format(id=_suggested_id(request))
    return _editor(request, template=None, source=source)


@teacher_required
@require_GET
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    """The editor on a saved template's current version (read-only unless the teacher is its author)."""
    try:
        template = template_get_for_teacher(teacher=request.user, template_id=template_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    source = template.current_version.source_yaml if template.current_version else ""
    return _editor(request, template=template, source=source)


def _preview_json(preview: ag.TemplatePreview) -> dict[str, Any]:
    variants = []
    for v in preview.variants:
        variants.append({
            "seed": v.seed,
            "error": v.error,
            "statement_html": str(markdown_math_to_html(v.statement)) if v.statement else "",
            "answer": v.answer,
            "answer_latex": v.answer_latex,
            "checker": v.checker,
            "answer_ok": v.answer_ok,
            "answer_note": v.answer_note,
            "hints_html": [str(markdown_math_to_html(h)) for h in v.hints],
            "solution": [{"html": str(markdown_math_to_html(t)), "latex": latex} for t, latex in v.solution_steps],
            "wrong_answers": [{"answer": w.answer, "answer_latex": w.answer_latex, "note": w.note,
                               "note_got": w.note_got, "correct": w.correct, "passed": w.passed,
                               "feedback_html": str(markdown_math_to_html(w.feedback))}
                              for w in v.wrong_answers],
        })
    return {"ok": preview.ok, "issues": [i.as_json() for i in preview.issues], "variants": variants,
            "fields": preview.fields,
            "identity": None if preview.identity is None else {
                "code": preview.identity.code, "title": preview.identity.title,
                "skills": list(preview.identity.skills), "difficulty": preview.identity.difficulty}}


@teacher_required
@require_POST
@ratelimit.limit_json("template_preview", ratelimit.user_key)
def api_template_preview(request: HttpRequest) -> JsonResponse:
    """POST JSON ``{"source", "variants"?, "first_seed"?}`` -> ``{"ok", "issues": [{line, field, message}],
    "variants": [...], "fields", "identity"}``. Nothing is saved."""
    data = _body(request)
    source = data.get("source")
    if not isinstance(source, str):
        return json_error(400, "invalid", "Send the template source as text.")
    try:
        variants = int(data.get("variants", 4))
        first_seed = int(data.get("first_seed", 0))
    except (TypeError, ValueError):
        return json_error(400, "invalid", "variants and first_seed must be whole numbers.")
    if not 0 <= first_seed < 2**31:
        return json_error(400, "invalid", "first_seed must be between 0 and 2^31 - 1.")
    preview = ag.template_preview(source, variants=variants, first_seed=first_seed,
                                  skill_codes=active_skill_codes())
    return JsonResponse(_preview_json(preview))


@teacher_required
@require_POST
@ratelimit.limit_json("template_preview", ratelimit.user_key)
def api_template_save(request: HttpRequest) -> JsonResponse:
    """POST JSON ``{"source", "template_id"?}`` -> ``{"template_id", "version", "created", "url"}``, or 400
    with ``{"error", "issues"}`` when the template has problems (nothing saved)."""
    data = _body(request)
    source = data.get("source")
    template_id = data.get("template_id")
    if not isinstance(source, str):
        return json_error(400, "invalid", "Send the template source as text.")
    if template_id is not None and (isinstance(template_id, bool) or not isinstance(template_id, int)):
        return json_error(400, "invalid", "template_id must be a number.")
    try:
        outcome = template_save(author=request.user, source_yaml=source, template_id=template_id)
    except TemplateInvalid as exc:
        response = json_from_tutor_error(exc)
        body = json.loads(response.content)
        body["issues"] = [i.as_json() for i in exc.issues]
        return JsonResponse(body, status=400)
    except TutorError as exc:
        return json_from_tutor_error(exc)
    return JsonResponse({
        "template_id": outcome.template.pk,
        "version": outcome.version.number,
        "created": outcome.created_template,
        "new_version": outcome.created_version,
        "url": reverse("teach_template", args=[outcome.template.pk]),
    })


@teacher_required
@require_GET
def template_download(request: HttpRequest, template_id: int) -> HttpResponse:
    """The template's current YAML as a file download."""
    try:
        filename, text = template_export(teacher=request.user, template_id=template_id)
    except TutorError as exc:
        page_from_tutor_error(exc)
    return yaml_attachment(filename, text)


@teacher_required
@require_POST
def template_archive(request: HttpRequest, template_id: int) -> HttpResponse:
    """POST ``active=0|1``: archive or restore one of the teacher's templates."""
    try:
        template = template_set_active(author=request.user, template_id=template_id,
                                       active=request.POST.get("active") == "1")
    except TutorError as exc:
        page_from_tutor_error(exc)
    messages.success(request, f"“{template.title}” is {'back in use' if template.is_active else 'archived'}.")
    return redirect("teach_template", template_id=template.pk)


class ImportForm(forms.Form):
    KIND_CHOICES = [("yaml", "Template or problem-set file (YAML)"), ("csv", "Question/answer list (CSV)")]
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="yaml", widget=forms.RadioSelect, label="File type")
    file = forms.FileField(label="File", help_text="At most 1 MB, UTF-8 text.")
    skill = forms.ChoiceField(label="Skill (CSV only)", required=False)
    id_prefix = forms.CharField(label="Id prefix (CSV only)", required=False, max_length=60,
                                help_text="Templates become <prefix>.001, <prefix>.002, ...")
    checker = forms.ChoiceField(label="Checker (CSV only)", required=False, initial="AlgEquiv")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", "—")] + [(c, f"{n} ({c})") for c, n, _ in skill_choices()]
        self.fields["checker"].choices = [(c, c) for c in ag.checker_names()]


@teacher_required
@require_http_methods(["GET", "POST"])
def template_import(request: HttpRequest) -> HttpResponse:
    """Upload a YAML file (templates and problem sets) or a CSV list of question/answer pairs."""
    form = ImportForm(request.POST or None, request.FILES or None,
                      initial={"id_prefix": f"{request.user.username.lower()}.imported"})
    report = None
    errors: list[tuple[str, str]] = []
    limited = ratelimit.limited_post(request, "template_preview", ratelimit.user_key)
    if limited is not None:
        messages.error(request, limited.message)
        return ratelimit.with_retry_after(render(request, "teacher/template_import.html", {
            "form": ImportForm(initial=form.initial), "report": None, "errors": [],
            "skills": Skill.objects.filter(is_active=True)}), limited)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(2_000_001)
        try:
            if form.cleaned_data["kind"] == "csv":
                report = templates_import_csv(author=request.user, data=data,
                                              skill_code=form.cleaned_data["skill"] or "",
                                              id_prefix=form.cleaned_data["id_prefix"] or "",
                                              checker=form.cleaned_data["checker"] or "AlgEquiv",
                                              filename=upload.name)
            else:
                report = templates_import_yaml(author=request.user, data=data, filename=upload.name)
        except ImportFailed as exc:
            errors = exc.report.errors
            form.add_error(None, exc.message)
        except TutorError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Imported: {report.summary()}.")
    return render(request, "teacher/template_import.html", {"form": form, "report": report, "errors": errors,
                                                            "skills": Skill.objects.filter(is_active=True)})
