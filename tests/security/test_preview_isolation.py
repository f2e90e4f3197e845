"""The template editor preview and the save-time validation run the teacher's CAS expressions in an isolated,
persistent worker process with a wall-clock limit (red-team report 1 in docs/security.md): a slow template
comes back as a "validation timed out" issue naming its line and field, the web thread is never tied up,
and the pool keeps serving ordinary previews afterwards."""

from __future__ import annotations

import json
import time

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.teacher.conftest import good_template
from tests.tutor import factories
from tutor import authoring_gateway as ag
from tutor.services.authoring import TemplateInvalid, template_save

SKILLS = ["linear_equations.one_step"]
LIMIT_S = 2.0
#: a variable whose value SymPy needs minutes to compute (did not finish in 4 s in the red-team review)
SLOW_LINE = "  w: integrate(exp(x**2)*sin(x)**7, x)\n"


def slow_template(code: str) -> str:
    return good_template(code).replace("  c: v + b\n", "  c: v + b\n" + SLOW_LINE)


def slow_line_number(source: str) -> int:
    return source.splitlines().index(SLOW_LINE.rstrip("\n")) + 1


isolated = override_settings(TUTOR_PREVIEW_ISOLATED=True, TUTOR_PREVIEW_TIMEOUT_S=LIMIT_S,
                             TUTOR_PREVIEW_WORKERS=1, TUTOR_PREVIEW_MEMORY_MB=1536)


@isolated
def test_ordinary_previews_run_in_the_warm_pool_and_stay_fast() -> None:
    first = ag.template_preview(good_template("sec.ok"), variants=3, skill_codes=SKILLS)  # may start the pool
    assert first.ok and len(first.variants) == 3 and all(v.answer_ok for v in first.variants)
    started = time.perf_counter()
    again = ag.template_preview(good_template("sec.ok"), variants=3, skill_codes=SKILLS)
    elapsed = time.perf_counter() - started
    assert again.ok and [v.statement for v in again.variants] == [v.statement for v in first.variants]
    assert elapsed < 1.5, f"a warm preview took {elapsed:.2f} s"


@isolated
def test_a_slow_template_times_out_with_an_issue_naming_line_and_field() -> None:
    ag.template_preview(good_template("sec.warm"), variants=1, skill_codes=SKILLS)  # warm the pool
    source = slow_template("sec.slow")
    started = time.perf_counter()
    preview = ag.template_preview(source, variants=2, skill_codes=SKILLS)
    elapsed = time.perf_counter() - started
    assert elapsed < LIMIT_S + 1.5, f"the preview was not cut off: {elapsed:.2f} s"
    assert not preview.ok and preview.variants == ()
    (issue,) = preview.issues
    assert issue.line == slow_line_number(source) and issue.field == "variables.w"
    assert issue.message == (f"validation timed out after {LIMIT_S:g} s: simplify the expression on line "
                             f"{issue.line} (field variables.w)")
    # the killed worker was replaced: ordinary previews keep working
    after = ag.template_preview(good_template("sec.after"), variants=1, skill_codes=SKILLS)
    assert after.ok


@isolated
def test_the_inline_path_is_not_used_when_isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """With isolation on, the request thread never parses or evaluates the template itself."""
    def refuse(*args, **kwargs):
        raise AssertionError("template evaluated in the request thread")

    monkeypatch.setattr(ag, "_preview", refuse)
    monkeypatch.setattr(ag, "parse_template", refuse)
    assert ag.template_preview(good_template("sec.remote"), variants=1, skill_codes=SKILLS).ok


@pytest.mark.django_db
@isolated
def test_saving_a_slow_template_is_refused_with_the_timeout_issue(curriculum) -> None:
    teacher = factories.teacher(username="teacher-slow")
    source = slow_template("sec.slow-save")
    ag.template_preview(good_template("sec.warm"), variants=1, skill_codes=SKILLS)  # a ready worker
    started = time.perf_counter()
    with pytest.raises(TemplateInvalid) as caught:
        template_save(author=teacher, source_yaml=source)
    assert time.perf_counter() - started < LIMIT_S + 1.5
    assert [(i.line, i.field) for i in caught.value.issues] == [(slow_line_number(source), "variables.w")]
    assert "timed out" in caught.value.issues[0].message


@pytest.mark.django_db
@isolated
def test_the_editor_api_answers_a_timeout_issue_as_json(client, curriculum) -> None:
    teacher = factories.teacher(username="teacher-slow-api")
    client.force_login(teacher)
    source = slow_template("sec.slow-api")
    response = client.post(reverse("api_teach_template_preview"), data=json.dumps({"source": source}),
                           content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert body["issues"][0]["field"] == "variables.w" and "timed out" in body["issues"][0]["message"]
