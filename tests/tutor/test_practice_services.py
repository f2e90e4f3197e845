"""The practice loop services: next problem, submit, hints, give up, mastery, and curriculum loading."""

from __future__ import annotations

import os
import random
from dataclasses import replace

import pytest

from tests.tutor import factories
from tests.tutor.conftest import make_instance
from tutor import curriculum_gateway as cg
from tutor.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from tutor.models import (
    Attempt,
    LearnerModelState,
    ProblemInstance,
    ProblemTemplate,
    Skill,
    SkillMastery,
    TemplateVersion,
)
from tutor.services import curriculum as curriculum_services
from tutor.services.curriculum import curriculum_load, template_version_add
from tutor.services.practice import attempt_submit, hint_request, problem_give_up, problem_next

pytestmark = pytest.mark.django_db


# ----------------------------------------------------------------------------- curriculum loading


def test_load_curriculum_mirrors_skills_and_templates_and_is_idempotent(curriculum) -> None:
    skills = cg.skills_shipped()
    templates = cg.templates_shipped()
    assert Skill.objects.filter(is_active=True).count() == len(skills) > 0
    assert ProblemTemplate.objects.filter(is_active=True).count() == len(templates) > 0
    assert TemplateVersion.objects.count() == len(templates)
    for rec in skills[:5]:
        row = Skill.objects.get(code=rec.code)
        assert sorted(row.prerequisites.values_list("code", flat=True)) == sorted(rec.prerequisites)
    again = curriculum_load()
    assert (again.skills_created, again.skills_updated, again.templates_created, again.versions_added) == (
        [], [], [], [])
    assert again.unchanged_templates == len(templates)
    assert TemplateVersion.objects.count() == len(templates)


def test_changed_shipped_template_adds_a_version_and_old_instances_keep_theirs(
    curriculum, student, monkeypatch
) -> None:
    made = make_instance(student, need_wrong=False, need_hints=0)
    old_version = made.instance.template_version
    before = cg.problem_build(source_yaml=old_version.source_yaml, seed=made.instance.seed)
    code = old_version.template.code
    records = cg.templates_shipped()
    changed = [replace(r, source_yaml=r.source_yaml + "\n# wording reviewed\n") if r.code == code else r
               for r in records]
    monkeypatch.setattr(curriculum_services.cg, "templates_shipped", lambda: changed)
    report = curriculum_load()
    assert report.versions_added == [code]
    template = ProblemTemplate.objects.get(code=code)
    assert template.current_version.number == 2
    assert template.versions.count() == 2
    made.instance.refresh_from_db()
    assert made.instance.template_version_id == old_version.pk
    after = cg.problem_build(source_yaml=made.instance.template_version.source_yaml, seed=made.instance.seed)
    assert after.statement == before.statement and after.answer == before.answer


def test_template_version_add_returns_existing_row_for_identical_source(curriculum) -> None:
    template = ProblemTemplate.objects.select_related("current_version").first()
    current = template.current_version
    again = template_version_add(template=template, source_yaml=current.source_yaml,
                                 declared_version=current.declared_version)
    assert again.pk == current.pk


def test_same_seed_gives_the_same_problem(curriculum) -> None:
    version = TemplateVersion.objects.first()
    a = cg.problem_build(source_yaml=version.source_yaml, seed=12345)
    cg._instantiate_cached.cache_clear()
    cg._template_from_source.cache_clear()
    b = cg.problem_build(source_yaml=version.source_yaml, seed=12345)
    assert a.to_dict() == b.to_dict()


# ----------------------------------------------------------------------------- next problem


def test_problem_next_creates_then_resumes_the_open_problem(curriculum, student) -> None:
    first = problem_next(learner=student, rng=random.Random(1))
    assert first.status == ProblemInstance.Status.OPEN
    assert first.template_version.template.is_active
    assert first.skill.code in first.template_version.template.skills.values_list("code", flat=True)
    assert first.predicted_p_correct is not None and 0.0 <= first.predicted_p_correct <= 1.0
    assert first.hints_available == len(cg.problem_hints(
        cg.problem_build(source_yaml=first.template_version.source_yaml, seed=first.seed)))
    assert problem_next(learner=student).pk == first.pk


def test_fresh_learner_starts_on_a_skill_without_unmastered_prerequisites(curriculum, student) -> None:
    instance = problem_next(learner=student, rng=random.Random(3))
    state = cg.learner_state_load(None)
    unmet = [p.code for p in instance.skill.prerequisites.all()
             if cg.mastery_of(state, p.code, now=0.0) < cg.mastery_threshold()]
    assert unmet == [], f"{instance.skill.code} chosen with unmastered prerequisites {unmet}"


def test_problem_next_refuses_teachers(curriculum) -> None:
    with pytest.raises(NotAllowed):
        problem_next(learner=factories.teacher())


# ----------------------------------------------------------------------------- submit


def test_correct_answer_solves_counts_once_and_raises_mastery(made, student) -> None:
    outcome = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.answer,
                             input_format="text")
    assert outcome.attempt.verdict == Attempt.Verdict.CORRECT
    assert outcome.instance.status == ProblemInstance.Status.SOLVED
    assert outcome.attempt.counted_for_mastery
    assert outcome.mastery.after > outcome.mastery.before
    assert outcome.reveal is not None and outcome.reveal.answer_latex
    snapshot = SkillMastery.objects.get(learner=student, skill=made.instance.skill)
    assert snapshot.p_mastered == pytest.approx(outcome.mastery.after)
    assert (snapshot.attempts, snapshot.correct) == (1, 1)
    assert LearnerModelState.objects.get(learner=student).observations == 1
    with pytest.raises(Conflict):
        attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.answer, input_format="text")


def test_wrong_then_right_only_the_first_valid_attempt_moves_mastery(made, student) -> None:
    wrong = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.wrong,
                           input_format="text")
    assert wrong.attempt.verdict == Attempt.Verdict.INCORRECT
    assert wrong.attempt.feedback or wrong.attempt.note
    assert wrong.instance.status == ProblemInstance.Status.OPEN
    assert wrong.attempt.counted_for_mastery and wrong.mastery.after < wrong.mastery.before
    assert wrong.reveal is None
    right = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.answer,
                           input_format="text")
    assert right.attempt.verdict == Attempt.Verdict.CORRECT
    assert not right.attempt.counted_for_mastery and right.mastery is None
    assert LearnerModelState.objects.get(learner=student).observations == 1
    snapshot = SkillMastery.objects.get(learner=student, skill=made.instance.skill)
    assert (snapshot.attempts, snapshot.correct) == (1, 0)


@pytest.mark.parametrize("raw", ["2+*3", "((x", "x +", "§§§"])
def test_invalid_input_is_recorded_with_a_friendly_message_and_never_counted(made, student, raw) -> None:
    outcome = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=raw, input_format="text")
    assert outcome.attempt.verdict == Attempt.Verdict.INVALID
    assert outcome.attempt.feedback and "Traceback" not in outcome.attempt.feedback
    assert not outcome.attempt.counted_for_mastery and outcome.mastery is None
    assert outcome.instance.status == ProblemInstance.Status.OPEN
    assert not LearnerModelState.objects.filter(learner=student, observations__gt=0).exists()


def test_hostile_input_is_never_evaluated(made, student, tmp_path) -> None:
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    outcome = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=payload,
                             input_format="text")
    assert outcome.attempt.verdict == Attempt.Verdict.INVALID
    assert not os.path.exists(marker)


def test_empty_too_long_and_unknown_format_are_refused_before_checking(made, student, settings) -> None:
    with pytest.raises(ValidationFailed) as empty:
        attempt_submit(learner=student, instance_id=made.instance.pk, raw_input="   ", input_format="text")
    assert empty.value.code == "empty"
    with pytest.raises(ValidationFailed) as long_:
        attempt_submit(learner=student, instance_id=made.instance.pk,
                       raw_input="1+" * settings.TUTOR_MAX_ANSWER_CHARS, input_format="text")
    assert long_.value.code == "too_long"
    with pytest.raises(ValidationFailed):
        attempt_submit(learner=student, instance_id=made.instance.pk, raw_input="1", input_format="python")
    assert not Attempt.objects.exists()


def test_latex_input_from_the_math_field_is_checked(made, student) -> None:
    outcome = attempt_submit(learner=student, instance_id=made.instance.pk,
                             raw_input=made.problem.answer_latex, input_format="latex")
    assert outcome.attempt.verdict == Attempt.Verdict.CORRECT, outcome.attempt.note


def test_isolated_checker_process_gives_the_same_verdicts(made, student, settings) -> None:
    settings.TUTOR_CHECK_IN_PROCESS = False
    problem = made.problem
    assert cg.answer_check(problem, text=made.answer, input_format="text").correct
    wrong = cg.answer_check(problem, text=made.wrong, input_format="text")
    assert wrong.valid and not wrong.correct
    assert not cg.answer_check(problem, text="2+*3", input_format="text").valid


# ----------------------------------------------------------------------------- hints and giving up


def test_hints_are_revealed_one_at_a_time_and_counted_in_the_attempt(made, student) -> None:
    available = len(made.problem.hints)
    number, text, left = hint_request(learner=student, instance_id=made.instance.pk)
    assert (number, text, left) == (1, made.problem.hints[0], available - 1)
    for _ in range(available - 1):
        hint_request(learner=student, instance_id=made.instance.pk)
    with pytest.raises(Conflict) as exc:
        hint_request(learner=student, instance_id=made.instance.pk)
    assert exc.value.code == "no_more_hints"
    outcome = attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.answer,
                             input_format="text")
    assert outcome.attempt.hints_used == available


def test_hinted_correct_answer_moves_mastery_less_than_a_clean_one(curriculum, student, other_student) -> None:
    clean = make_instance(student)
    hinted = make_instance(other_student)
    hint_request(learner=other_student, instance_id=hinted.instance.pk)
    a = attempt_submit(learner=student, instance_id=clean.instance.pk, raw_input=clean.answer, input_format="text")
    b = attempt_submit(learner=other_student, instance_id=hinted.instance.pk, raw_input=hinted.answer,
                       input_format="text")
    assert a.mastery.before == pytest.approx(b.mastery.before)
    assert b.mastery.after < a.mastery.after


def test_give_up_reveals_solution_counts_as_wrong_and_closes(made, student) -> None:
    outcome = problem_give_up(learner=student, instance_id=made.instance.pk)
    assert outcome.instance.status == ProblemInstance.Status.GAVE_UP
    assert outcome.mastery is not None and outcome.mastery.after < outcome.mastery.before
    assert outcome.reveal.answer_latex == made.problem.answer_latex
    assert len(outcome.reveal.steps) == len(made.problem.solution.steps)
    with pytest.raises(Conflict):
        problem_give_up(learner=student, instance_id=made.instance.pk)
    with pytest.raises(Conflict):
        hint_request(learner=student, instance_id=made.instance.pk)
    nxt = problem_next(learner=student)
    assert nxt.pk != made.instance.pk


def test_give_up_after_a_counted_wrong_attempt_does_not_count_twice(made, student) -> None:
    attempt_submit(learner=student, instance_id=made.instance.pk, raw_input=made.wrong, input_format="text")
    outcome = problem_give_up(learner=student, instance_id=made.instance.pk)
    assert outcome.mastery is None
    assert LearnerModelState.objects.get(learner=student).observations == 1


# ----------------------------------------------------------------------------- ownership


def test_another_learners_instance_is_not_found_for_every_action(made, other_student) -> None:
    with pytest.raises(NotFound):
        attempt_submit(learner=other_student, instance_id=made.instance.pk, raw_input=made.answer,
                       input_format="text")
    with pytest.raises(NotFound):
        hint_request(learner=other_student, instance_id=made.instance.pk)
    with pytest.raises(NotFound):
        problem_give_up(learner=other_student, instance_id=made.instance.pk)
    made.instance.refresh_from_db()
    assert made.instance.status == ProblemInstance.Status.OPEN and made.instance.hints_revealed == 0
