"""Template authoring: preview (variants checked by their own checker, issues with lines), versioned saves
that never change past attempts, ownership rules, copy, archive, YAML and CSV import, set files."""

from __future__ import annotations

import pytest

from tests.teacher.conftest import good_template
from tests.tutor import factories
from tutor import authoring_gateway as ag
from tutor.errors import NotAllowed, NotFound, ValidationFailed
from tutor.models import ProblemInstance, ProblemSet, ProblemTemplate, TemplateVersion
from tutor.selectors.authoring import active_skill_codes
from tutor.services.authoring import (
    ImportFailed,
    TemplateInvalid,
    template_copy_source,
    template_save,
    template_set_active,
    templates_import_csv,
    templates_import_yaml,
)
from tutor.services.practice import attempt_submit, problem_next
from tutor.services.problem_sets import problem_set_create, problem_set_export

pytestmark = pytest.mark.django_db


def _line_of(source: str, startswith: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), start=1) if line.startswith(startswith))


def test_preview_renders_variants_whose_answers_pass_and_wrong_answers_fail(curriculum) -> None:
    preview = ag.template_preview(good_template("t.one"), variants=4, skill_codes=active_skill_codes())
    assert preview.ok and preview.issues == ()
    assert [v.seed for v in preview.variants] == [0, 1, 2, 3]
    for v in preview.variants:
        b = int(v.statement.split("x + ")[1].split(" =")[0])
        assert v.answer_ok and v.answer_note, v
        assert v.wrong_answers and all(w.passed and not w.correct for w in v.wrong_answers)
        assert v.wrong_answers[0].note == "SAME_OPERATION"
        assert v.solution_steps and b >= 2
    assert len({v.statement for v in preview.variants}) > 1  # different seeds, different problems


def test_preview_flags_an_unknown_variable_next_to_its_line(curriculum) -> None:
    source = good_template("t.bad").replace("answer: x = v", "answer: x = w")
    preview = ag.template_preview(source, variants=2, skill_codes=active_skill_codes())
    assert not preview.ok
    assert any(i.field == "answer" and i.line == _line_of(source, "answer:") and "'w'" in i.message
               for i in preview.issues), preview.issues


def test_preview_flags_a_wrong_answer_that_is_actually_right(curriculum) -> None:
    source = good_template("t.bad2").replace("answer: x = c + b", "answer: x = c - b")
    preview = ag.template_preview(source, variants=2, skill_codes=active_skill_codes())
    line = _line_of(source, "  - answer: x = c - b")
    assert any(i.field == "wrong_answers.0" and i.line == line and "gives the correct answer" in i.message
               for i in preview.issues), preview.issues


def test_preview_reports_yaml_syntax_errors_unknown_skills_and_empty_text(curriculum) -> None:
    broken = good_template("t.x").replace("difficulty: 1", "difficulty: [1")
    line = ag.template_preview(broken, skill_codes=active_skill_codes()).issues[0].line
    assert line in (_line_of(broken, "difficulty"), _line_of(broken, "difficulty") + 1)  # YAML notices it a line late
    unknown = good_template("t.y").replace("linear_equations.one_step", "no.such.skill")
    issues = ag.template_preview(unknown, skill_codes=active_skill_codes()).issues
    assert any(i.field.startswith("skills") and "no.such.skill" in i.message for i in issues)
    assert ag.template_preview("   ", skill_codes=[]).issues[0].message == "the template is empty"
    two = good_template("t.a") + "---\n" + good_template("t.b")
    assert "several documents" in ag.template_preview(two, skill_codes=active_skill_codes()).issues[0].message


def test_save_creates_a_teacher_template_with_version_1(curriculum) -> None:
    teacher = factories.teacher(school_obj=factories.school())
    outcome = template_save(author=teacher, source_yaml=good_template("t.save"))
    t = outcome.template
    assert outcome.created_template and outcome.created_version and outcome.version.number == 1
    assert (t.code, t.origin, t.author, t.school, t.difficulty) == ("t.save", "teacher", teacher, teacher.school, 1)
    assert list(t.skills.values_list("code", flat=True)) == ["linear_equations.one_step"]
    assert t.current_version == outcome.version


def test_editing_adds_a_version_and_past_problems_keep_theirs(curriculum) -> None:
    teacher = factories.teacher()
    template = template_save(author=teacher, source_yaml=good_template("t.ver")).template
    student = factories.student()
    from tutor.services.problem_sets import assignment_create

    classroom = factories.classroom(teacher)
    from tutor.services.school import enrollment_join

    enrollment_join(student=student, join_code=classroom.join_code)
    ps = problem_set_create(owner=teacher, title="S", template_codes=["t.ver"])
    assignment_create(teacher=teacher, set_id=ps.pk, classroom_id=classroom.pk)
    instance = problem_next(learner=student)
    v1 = instance.template_version
    assert v1.template == template and v1.number == 1
    old_statement = instance.template_version.source_yaml
    edited = good_template("t.ver").replace("title: Add a constant", "title: Add a constant (v2)")
    outcome = template_save(author=teacher, source_yaml=edited, template_id=template.pk)
    assert outcome.version.number == 2 and outcome.created_version and not outcome.created_template
    instance.refresh_from_db()
    assert instance.template_version_id == v1.pk and instance.template_version.source_yaml == old_statement
    assert TemplateVersion.objects.get(pk=v1.pk).source_yaml == old_statement
    result = attempt_submit(learner=student, instance_id=instance.pk, raw_input="x = 1", input_format="text")
    assert result.attempt.instance.template_version_id == v1.pk
    again = template_save(author=teacher, source_yaml=edited, template_id=template.pk)
    assert again.version.number == 2 and not again.created_version
    template.refresh_from_db()
    assert template.title == "Add a constant (v2)"


def test_save_refuses_invalid_templates_with_their_issues(curriculum) -> None:
    teacher = factories.teacher()
    with pytest.raises(TemplateInvalid) as info:
        template_save(author=teacher, source_yaml=good_template("t.inv").replace("hints:\n  - Subtract {{b}} from both sides.\n", ""))
    assert any("hints" in i.message for i in info.value.issues)
    assert not ProblemTemplate.objects.filter(code="t.inv").exists()


def test_ids_are_unique_and_fixed_once_saved(curriculum) -> None:
    teacher, other = factories.teacher(), factories.teacher()
    template = template_save(author=teacher, source_yaml=good_template("t.id")).template
    with pytest.raises(TemplateInvalid) as info:
        template_save(author=other, source_yaml=good_template("t.id"))
    assert "already used by another template" in info.value.issues[0].message
    with pytest.raises(TemplateInvalid) as info:
        template_save(author=teacher, source_yaml=good_template("t.id"))
    assert "you already have" in info.value.issues[0].message
    with pytest.raises(TemplateInvalid) as info:
        template_save(author=teacher, source_yaml=good_template("t.renamed"), template_id=template.pk)
    assert info.value.issues[0].field == "id" and info.value.issues[0].line == 1
    shipped = ProblemTemplate.objects.filter(origin="shipped").first()
    with pytest.raises(TemplateInvalid):
        template_save(author=teacher, source_yaml=good_template(shipped.code))


def test_only_the_author_edits_and_shipped_templates_are_read_only(curriculum) -> None:
    school = factories.school()
    author, colleague = factories.teacher(school_obj=school), factories.teacher(school_obj=school)
    stranger = factories.teacher(school_obj=factories.school())
    template = template_save(author=author, source_yaml=good_template("t.own")).template
    with pytest.raises(NotAllowed):
        template_save(author=colleague, source_yaml=good_template("t.own"), template_id=template.pk)
    with pytest.raises(NotFound):
        template_save(author=stranger, source_yaml=good_template("t.own"), template_id=template.pk)
    shipped = ProblemTemplate.objects.filter(origin="shipped").first()
    with pytest.raises(NotAllowed):
        template_save(author=author, source_yaml=shipped.current_version.source_yaml, template_id=shipped.pk)
    with pytest.raises(NotAllowed):
        template_save(author=factories.student(), source_yaml=good_template("t.student"))
    with pytest.raises(NotAllowed):
        template_set_active(author=colleague, template_id=template.pk, active=False)


def test_copy_gives_a_fresh_id_and_saves_as_the_copier(curriculum) -> None:
    teacher = factories.teacher()
    shipped = ProblemTemplate.objects.get(code="linear_equations.two_step.basic")
    source = template_copy_source(teacher=teacher, template_id=shipped.pk)
    assert source.startswith("id: linear_equations.two_step.basic.copy\n")
    assert "title: Two-step equation (copy)" in source
    copy = template_save(author=teacher, source_yaml=source).template
    assert copy.author == teacher and copy.origin == "teacher"
    assert template_copy_source(teacher=teacher, template_id=shipped.pk).startswith(
        "id: linear_equations.two_step.basic.copy2\n")


def test_archived_templates_are_not_served_but_keep_their_history(curriculum) -> None:
    teacher = factories.teacher()
    template = template_save(author=teacher, source_yaml=good_template("t.arch")).template
    template_set_active(author=teacher, template_id=template.pk, active=False)
    template.refresh_from_db()
    assert not template.is_active
    with pytest.raises(ValidationFailed):
        problem_set_create(owner=teacher, title="S", template_codes=["t.arch"])


def test_yaml_import_creates_templates_and_sets_and_new_versions(curriculum) -> None:
    teacher = factories.teacher()
    text = (good_template("imp.one") + "---\n" + good_template("imp.two").replace("difficulty: 1", "difficulty: 2")
            + "---\nproblem_set:\n  title: Imported set\n  mode: adaptive\n  goal: 5\n"
              "  items: [imp.one, imp.two, linear_equations.two_step.basic]\n")
    report = templates_import_yaml(author=teacher, data=text.encode(), filename="bank.yaml")
    assert report.created == ["imp.one", "imp.two"] and report.problem_sets == ["Imported set"]
    ps = ProblemSet.objects.get(title="Imported set")
    assert (ps.owner, ps.mode, ps.goal) == (teacher, "adaptive", 5)
    assert list(ps.items.order_by("position").values_list("template__code", flat=True)) == \
        ["imp.one", "imp.two", "linear_equations.two_step.basic"]
    again = templates_import_yaml(author=teacher, data=good_template("imp.one").replace("Add a", "Add one"))
    assert again.new_versions == ["imp.one"]


def test_yaml_import_is_all_or_nothing_and_names_file_lines(curriculum) -> None:
    teacher = factories.teacher()
    bad = good_template("imp.bad").replace("answer: x = v", "answer: x = nope")
    text = good_template("imp.good") + "---\n" + bad
    with pytest.raises(ImportFailed) as info:
        templates_import_yaml(author=teacher, data=text, filename="mixed.yaml")
    answer_line = _line_of(text, "answer: x = nope")
    assert any(where == f"mixed.yaml line {answer_line}" and "nope" in msg for where, msg in info.value.report.errors)
    assert not ProblemTemplate.objects.filter(code__in=["imp.good", "imp.bad"]).exists()
    with pytest.raises(ValidationFailed):
        templates_import_yaml(author=teacher, data=b"\xff\xfe not utf8")
    with pytest.raises(ImportFailed) as info:
        templates_import_yaml(author=teacher, data=good_template("imp.c") + "---\nproblem_set:\n  title: X\n  items: [no.such]\n")
    assert "no.such" in info.value.report.errors[0][1]


def test_csv_import_makes_fixed_templates(curriculum) -> None:
    teacher = factories.teacher()
    csv_text = ('question,answer,hint\n'
                '"What is $\\frac{6}{8}$ in lowest terms?",3/4,Divide top and bottom by 2\n'
                'Solve $2x + 3 = 11$,x = 4,Subtract 3 first\n')
    report = templates_import_csv(author=teacher, data=csv_text.encode(), skill_code="fractions.simplify",
                                  id_prefix="ms.week3")
    assert report.created == ["ms.week3.001", "ms.week3.002"]
    t = ProblemTemplate.objects.get(code="ms.week3.002")
    assert t.author == teacher and "input_kind: equation" in t.current_version.source_yaml
    preview = ag.template_preview(t.current_version.source_yaml, variants=1, skill_codes=active_skill_codes())
    assert preview.ok and preview.variants[0].answer_ok


def test_csv_import_reports_bad_rows_and_headers(curriculum) -> None:
    teacher = factories.teacher()
    with pytest.raises(ImportFailed) as info:
        templates_import_csv(author=teacher, data="question,answer\nWhat?,3/\nOk?,\n", skill_code="fractions.simplify",
                             id_prefix="p")
    errors = info.value.report.errors
    assert errors[0][0].endswith("row 2") and "syntax error" in errors[0][1]
    assert errors[1][0].endswith("row 3") and "both needed" in errors[1][1]
    with pytest.raises(ValidationFailed, match="header row"):
        templates_import_csv(author=teacher, data="q,a\n1,2\n", skill_code="fractions.simplify", id_prefix="p")
    with pytest.raises(ValidationFailed, match="skill"):
        templates_import_csv(author=teacher, data="question,answer\n1,2\n", skill_code="nope", id_prefix="p")
    with pytest.raises(ValidationFailed, match="prefix"):
        templates_import_csv(author=teacher, data="question,answer\n1,2\n", skill_code="fractions.simplify",
                             id_prefix="Bad Prefix!")
    assert not ProblemTemplate.objects.filter(author=teacher).exists()


def test_problem_set_export_round_trips_through_import(curriculum) -> None:
    school = factories.school()
    teacher, colleague = factories.teacher(school_obj=school), factories.teacher(school_obj=school)
    template_save(author=teacher, source_yaml=good_template("rt.one"))
    ps = problem_set_create(owner=teacher, title="Round trip", mode="adaptive", goal=7,
                            template_codes=["rt.one", "linear_equations.two_step.basic"])
    filename, text = problem_set_export(teacher=teacher, set_id=ps.pk)
    assert filename == "round-trip.yaml" and text.startswith("problem_set:\n")
    assert "id: rt.one" in text and "id: linear_equations.two_step.basic" not in text
    # A colleague sees the template: the identical copy in the file is referred to, not duplicated.
    report = templates_import_yaml(author=colleague, data=text)
    assert report.unchanged == ["rt.one"] and report.problem_sets == ["Round trip"]
    copy = ProblemSet.objects.get(owner=colleague)
    assert (copy.mode, copy.goal, copy.items.count()) == ("adaptive", 7, 2)
    # A teacher of another school cannot see it: the id clash is reported, nothing is imported.
    stranger = factories.teacher(school_obj=factories.school())
    with pytest.raises(ImportFailed) as info:
        templates_import_yaml(author=stranger, data=text, filename="set.yaml")
    assert any("already used by another template" in msg for _, msg in info.value.report.errors)
    assert not ProblemSet.objects.filter(owner=stranger).exists()
    # The owner re-importing their own export changes nothing but adds the set again.
    again = templates_import_yaml(author=teacher, data=text)
    assert again.unchanged == ["rt.one"] and ProblemSet.objects.filter(owner=teacher).count() == 2


def test_problem_instances_count(curriculum) -> None:
    """Saving and previewing never creates problem instances (nothing is served to students)."""
    teacher = factories.teacher()
    ag.template_preview(good_template("t.count"), variants=6, skill_codes=active_skill_codes())
    template_save(author=teacher, source_yaml=good_template("t.count"))
    assert ProblemInstance.objects.count() == 0
