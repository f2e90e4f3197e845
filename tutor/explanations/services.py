"""Writes on the web side: start (or join) an explanation, cancel it, declare a dead worker's one interrupted.

Stream writes and dispatch happen after commit (:func:`django.db.transaction.on_commit`), so a worker never
sees a row that is not there yet and a rolled-back request starts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tutor.errors import NotAllowed, NotFound
from tutor.explanations.dispatch import explanation_dispatch
from tutor.explanations.errors import RateLimited
from tutor.explanations.limits import class_budget_check
from tutor.explanations.live import entry_publish
from tutor.explanations.selectors import ExplainTarget, explanation_latest, is_stale, user_may_view_student
from tutor.explanations.streams import END, Entry, SeqConflict, chunk_stream
from tutor.models import ExplanationTranscript, User

Status = ExplanationTranscript.Status
INTERRUPTED_MESSAGE = "The explanation was interrupted (its worker stopped). Press retry to start again."


@dataclass(frozen=True)
class ExplanationHandle:
    """The explanation a socket should follow, and whether this call created (and queued) it."""

    transcript: ExplanationTranscript
    created: bool


def model_fields(transcript: ExplanationTranscript) -> dict:
    """``{"model": label shown on the page or None, "random_model": bool or None}`` for a transcript."""
    from tutor.inference_gateway import RANDOM_MODEL_NAME

    if not transcript.model_name:
        return {"model": None, "random_model": None}
    label = ("Tiny random model (untrained demo: the text is noise)"
             if transcript.model_is_random or transcript.model_name == RANDOM_MODEL_NAME else transcript.model_name)
    return {"model": label, "random_model": bool(transcript.model_is_random)}


def end_outcome(transcript: ExplanationTranscript) -> dict:
    """The ``end`` entry's outcome for a finished transcript (also what a database replay sends). It names the model
    too: an explanation can finish before any status message has carried the model's name to the page."""
    return {
        "status": transcript.status,
        "verified": transcript.verified,
        "final_answer_latex": transcript.final_answer_latex,
        "note": transcript.verdict_note,
        "message": transcript.error,
        "tokens": transcript.tokens,
        **model_fields(transcript),
    }


def _append_end(transcript: ExplanationTranscript) -> None:
    """Close the stream with an ``end`` entry after the last chunk (retrying once if a writer raced us)."""
    stream = chunk_stream()
    for _ in range(3):
        entry = Entry(seq=stream.last_seq(transcript.pk) + 1, kind=END, outcome=end_outcome(transcript))
        try:
            stream.append(transcript.pk, entry)
        except SeqConflict:
            continue
        entry_publish(transcript.pk, entry)
        stream.expire(transcript.pk, int(settings.EXPLANATION_STREAM_TTL_S))
        return


def _finish_on_commit(transcript: ExplanationTranscript) -> None:
    transaction.on_commit(lambda: _append_end(transcript), robust=True)


def _interrupt(transcript: ExplanationTranscript) -> None:
    transcript.status = Status.INTERRUPTED
    transcript.error = INTERRUPTED_MESSAGE
    transcript.finished_at = timezone.now()
    transcript.save(update_fields=["status", "error", "finished_at"])
    _finish_on_commit(transcript)


@transaction.atomic
def explanation_start_or_join(*, user: User, target: ExplainTarget) -> ExplanationHandle:
    """The explanation for ``target``: the one already running (a second tab joins it), a finished one
    (replayed), or a new one queued for a worker.

    A new generation starts only when there is none for this target or the last one was cancelled,
    interrupted or failed (a clean restart). Raises NotAllowed (only the student starts generations;
    teachers may follow existing ones), RateLimited (an explanation for another problem is still running,
    or the class budget is spent).
    """
    if not target.can_start:
        latest = explanation_latest(target=target)
        if latest is None:
            raise NotAllowed("Only the student can ask for an explanation of their answer.")
        return ExplanationHandle(latest, created=False)
    User.objects.select_for_update().filter(pk=target.student_id).first()  # one start at a time per student
    running = list(ExplanationTranscript.objects.select_for_update()
                   .filter(instance__learner_id=target.student_id, status__in=ExplanationTranscript.ACTIVE))
    for transcript in running:
        if is_stale(transcript):
            _interrupt(transcript)
            continue
        if transcript.instance_id == target.instance_id:
            return ExplanationHandle(transcript, created=False)
        raise RateLimited("An explanation for another problem is still being written. Stop it or let it "
                          "finish first.", code="one_at_a_time")
    latest = explanation_latest(target=target)
    if latest is not None and latest.status == Status.DONE:
        return ExplanationHandle(latest, created=False)
    class_budget_check(student_id=target.student_id)
    transcript = ExplanationTranscript.objects.create(
        instance_id=target.instance_id, attempt_id=target.attempt_id, status=Status.PENDING,
        max_new_tokens=int(settings.EXPLANATION_MAX_NEW_TOKENS),
    )
    transaction.on_commit(lambda: explanation_dispatch(transcript.pk))
    return ExplanationHandle(transcript, created=True)


@transaction.atomic
def explanation_cancel(*, user: User, explanation_id: int) -> ExplanationTranscript:
    """Stop an explanation: a queued one is cancelled at once, a streaming one by its worker within one
    token (it checks the cancel flag between tokens). Finished ones are left as they are.
    Raises NotFound when the user may not see it, NotAllowed when they may see but not stop it (a teacher
    or school admin following a student's explanation: only the student stops their own)."""
    transcript = (ExplanationTranscript.objects.select_for_update(of=("self",)).select_related("instance")
                  .filter(pk=explanation_id).first())
    if transcript is None or not user_may_view_student(user=user, student_id=transcript.instance.learner_id):
        raise NotFound("No such explanation.")
    if user.pk != transcript.instance.learner_id:
        raise NotAllowed("Only the student can stop their explanation.")
    if not transcript.is_active:
        return transcript
    chunk_stream().request_cancel(transcript.pk)
    if transcript.status == Status.PENDING:
        transcript.status = Status.CANCELLED
        transcript.finished_at = timezone.now()
        transcript.save(update_fields=["status", "finished_at"])
        _finish_on_commit(transcript)
    return transcript


@transaction.atomic
def explanation_interrupt_if_stale(*, explanation_id: int) -> bool:
    """Mark the explanation interrupted when its worker's lease expired (see ``selectors.is_stale``);
    closes its stream with an ``end`` entry so every open tab shows "interrupted, retry". Returns whether
    it did."""
    transcript = ExplanationTranscript.objects.select_for_update().filter(pk=explanation_id).first()
    if transcript is None or not is_stale(transcript):
        return False
    _interrupt(transcript)
    return True
