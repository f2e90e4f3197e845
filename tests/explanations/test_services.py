"""Services, selectors, prompting and the worker function, on the real PostgreSQL with the in-memory stream."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.explanations.conftest import Answered, answered_wrongly
from tests.tutor import factories
from tests.tutor.conftest import make_instance
from tutor import curriculum_gateway as cg
from tutor.errors import Conflict, NotAllowed, NotFound
from tutor.explanations.errors import RateLimited
from tutor.explanations.generation import explanation_generate
from tutor.explanations.prompting import explanation_prompt
from tutor.explanations.selectors import explain_target_for_attempt, explain_target_for_instance, queue_ahead
from tutor.explanations.services import (
    explanation_cancel,
    explanation_interrupt_if_stale,
    explanation_start_or_join,
)
from tutor.explanations.streams import chunk_stream
from tutor.inference_gateway import Delta, ModelInfo
from tutor.models import Attempt, ExplanationTranscript
from tutor.services.practice import attempt_submit, problem_give_up

pytestmark = pytest.mark.django_db
Status = ExplanationTranscript.Status


class ScriptedModel:
    """A stand-in model that writes a fixed text (to test what happens to a known explanation)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def info(self) -> ModelInfo:
        return ModelInfo("scripted", "scripted", False, "cpu", "float32")

    def generate(self, prompt, *, max_new_tokens, temperature, top_p, seed, should_stop):
        for i in range(0, len(self.text), 7):
            if should_stop():
                return
            yield Delta(self.text[i:i + 7], 1)


def _start(a: Answered, captured) -> ExplanationTranscript:
    with captured(execute=False) as callbacks:
        handle = explanation_start_or_join(user=a.student,
                                           target=explain_target_for_attempt(user=a.student, attempt_id=a.attempt.pk))
    assert handle.created and len(callbacks) == 1  # dispatch runs after commit
    return handle.transcript


def test_a_second_start_joins_and_another_problem_waits(embedded, answered: Answered,
                                                        django_capture_on_commit_callbacks) -> None:
    first = _start(answered, django_capture_on_commit_callbacks)
    target = explain_target_for_instance(user=answered.student, instance_id=answered.instance.pk)
    again = explanation_start_or_join(user=answered.student, target=target)
    assert again.transcript.pk == first.pk and not again.created
    assert first.status == Status.PENDING and first.max_new_tokens == 40
    other = answered_wrongly(answered.student, answered.classroom, skip=1)
    with pytest.raises(RateLimited) as refused:
        explanation_start_or_join(user=answered.student,
                                  target=explain_target_for_attempt(user=answered.student,
                                                                    attempt_id=other.attempt.pk))
    assert refused.value.code == "one_at_a_time"


def test_the_class_rate_limit_counts_every_student_of_the_class(embedded, answered: Answered,
                                                                django_capture_on_commit_callbacks) -> None:
    embedded.EXPLANATION_CLASS_LIMIT = 1
    first = _start(answered, django_capture_on_commit_callbacks)
    explanation_cancel(user=answered.student, explanation_id=first.pk)
    classmate = answered_wrongly(classroom=answered.classroom, skip=1)
    with pytest.raises(RateLimited, match="used its 1 explanations") as refused:
        explanation_start_or_join(user=classmate.student, target=explain_target_for_attempt(
            user=classmate.student, attempt_id=classmate.attempt.pk))
    assert refused.value.code == "class_rate_limited"
    elsewhere = answered_wrongly(skip=1)  # another class is not affected
    _start(elsewhere, django_capture_on_commit_callbacks)


def test_who_may_open_what(embedded, answered: Answered) -> None:
    teacher_target = explain_target_for_attempt(user=answered.teacher, attempt_id=answered.attempt.pk)
    assert not teacher_target.can_start
    with pytest.raises(NotAllowed):
        explanation_start_or_join(user=answered.teacher, target=teacher_target)
    admin = factories.user("school_admin", school_obj=factories.school())
    answered.classroom.school = admin.school
    answered.classroom.save()
    assert not explain_target_for_attempt(user=admin, attempt_id=answered.attempt.pk).can_start
    for outsider in (factories.student(), factories.teacher(), factories.user("school_admin",
                                                                              school_obj=factories.school())):
        with pytest.raises(NotFound):
            explain_target_for_attempt(user=outsider, attempt_id=answered.attempt.pk)
        with pytest.raises(NotFound):
            explain_target_for_instance(user=outsider, instance_id=answered.instance.pk)
    with pytest.raises(NotFound):
        explain_target_for_attempt(user=answered.student, attempt_id=10**9)


def test_nothing_streams_before_a_readable_answer_or_a_give_up(embedded, answered: Answered) -> None:
    made = make_instance(answered.student, skip=1)
    with pytest.raises(Conflict, match="before asking how") as early:
        explain_target_for_instance(user=answered.student, instance_id=made.instance.pk)
    assert early.value.code == "not_ready"
    invalid = attempt_submit(learner=answered.student, instance_id=made.instance.pk, raw_input="((",
                             input_format="text").attempt
    assert invalid.verdict == Attempt.Verdict.INVALID
    with pytest.raises(Conflict):
        explain_target_for_attempt(user=answered.student, attempt_id=invalid.pk)
    problem_give_up(learner=answered.student, instance_id=made.instance.pk)
    target = explain_target_for_instance(user=answered.student, instance_id=made.instance.pk)
    assert target.attempt_id is None and target.can_start  # the give-up itself is explained
    assert explain_target_for_attempt(user=answered.student, attempt_id=invalid.pk).instance_id == made.instance.pk


def test_prompts_explain_the_mistake_only_for_wrong_answers(embedded, answered: Answered) -> None:
    wrong = explanation_prompt(answered.instance, answered.attempt)
    assert f"The student answered: {answered.made.wrong}" in wrong
    assert f"Answer note: {answered.attempt.note}" in wrong and wrong.endswith("in \\boxed{}.")
    statement = cg.problem_public(cg.problem_build(source_yaml=answered.instance.template_version.source_yaml,
                                                   seed=answered.instance.seed)).statement
    plain = explanation_prompt(answered.instance, None)
    assert plain == f"{statement.strip()}\n\nExplain step by step, then put the final answer in \\boxed{{}}."
    right = attempt_submit(learner=answered.student, instance_id=answered.instance.pk,
                           raw_input=answered.made.answer, input_format="text").attempt
    assert explanation_prompt(answered.instance, right) == plain


@pytest.mark.parametrize("correct", [True, False])
def test_the_worker_stores_the_sympy_verdict(embedded, answered: Answered, correct: bool,
                                             django_capture_on_commit_callbacks) -> None:
    embedded.EXPLANATION_HEARTBEAT_S = 30  # the heartbeat thread cannot see this test's uncommitted row
    problem = cg.problem_build(source_yaml=answered.instance.template_version.source_yaml,
                               seed=answered.instance.seed)
    final = problem.answer_latex if correct else f"{problem.answer_latex}+1"
    text = f"The mistake was in the last step.\nSo the final answer is $\\boxed{{{final}}}$."
    transcript = _start(answered, django_capture_on_commit_callbacks)
    assert explanation_generate(explanation_id=transcript.pk, generator=ScriptedModel(text)) == "done"
    transcript.refresh_from_db()
    assert transcript.text == text and transcript.final_answer_latex == final
    assert transcript.verified is correct and transcript.verdict_note
    entries = chunk_stream().read_after(transcript.pk, 0)
    assert "".join(e.text for e in entries[:-1]) == text
    assert entries[-1].kind == "end" and entries[-1].outcome["verified"] is correct
    # the end names the model: a fast explanation can end before a status message carried it to the page
    assert entries[-1].outcome["model"] == "scripted" and entries[-1].outcome["random_model"] is False
    # a redelivered task message finds the row finished and changes nothing
    assert explanation_generate(explanation_id=transcript.pk, generator=ScriptedModel("other")) == "done"
    assert ExplanationTranscript.objects.get(pk=transcript.pk).text == text


def test_queue_depth_counts_the_pending_explanations_ahead(embedded, answered: Answered,
                                                          django_capture_on_commit_callbacks) -> None:
    rows = [_start(answered, django_capture_on_commit_callbacks)]
    for skip in (1, 2):
        rows.append(_start(answered_wrongly(skip=skip), django_capture_on_commit_callbacks))
    assert [queue_ahead(transcript=r) for r in rows] == [0, 1, 2]
    ExplanationTranscript.objects.filter(pk=rows[0].pk).update(status=Status.STREAMING)
    rows[2].refresh_from_db()
    assert queue_ahead(transcript=rows[2]) == 1


def test_a_dead_workers_explanation_is_interrupted_and_a_new_start_restarts(
        embedded, answered: Answered, django_capture_on_commit_callbacks) -> None:
    transcript = _start(answered, django_capture_on_commit_callbacks)
    beat = timezone.now() - timedelta(seconds=embedded.EXPLANATION_LEASE_S - 1)
    ExplanationTranscript.objects.filter(pk=transcript.pk).update(status=Status.STREAMING, heartbeat_at=beat)
    assert not explanation_interrupt_if_stale(explanation_id=transcript.pk)  # slow, not dead
    beat = timezone.now() - timedelta(seconds=embedded.EXPLANATION_LEASE_S + 1)
    ExplanationTranscript.objects.filter(pk=transcript.pk).update(heartbeat_at=beat)
    with django_capture_on_commit_callbacks(execute=True):
        assert explanation_interrupt_if_stale(explanation_id=transcript.pk)
    transcript.refresh_from_db()
    assert transcript.status == Status.INTERRUPTED and "retry" in transcript.error
    end = chunk_stream().read_after(transcript.pk, 0)[-1]
    assert end.kind == "end" and end.outcome["status"] == "interrupted"
    fresh = _start(answered, django_capture_on_commit_callbacks)
    assert fresh.pk != transcript.pk and fresh.status == Status.PENDING


def test_cancelling_a_queued_explanation_closes_its_stream(embedded, answered: Answered,
                                                           django_capture_on_commit_callbacks) -> None:
    transcript = _start(answered, django_capture_on_commit_callbacks)
    with pytest.raises(NotFound):
        explanation_cancel(user=factories.student(), explanation_id=transcript.pk)
    with django_capture_on_commit_callbacks(execute=True):
        explanation_cancel(user=answered.student, explanation_id=transcript.pk)
    transcript.refresh_from_db()
    assert transcript.status == Status.CANCELLED and chunk_stream().cancel_requested(transcript.pk)
    assert chunk_stream().read_after(transcript.pk, 0)[-1].outcome["status"] == "cancelled"
    assert explanation_generate(explanation_id=transcript.pk, generator=ScriptedModel("x")) == "cancelled"
