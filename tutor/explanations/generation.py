"""The worker side of an explanation: claim the row, heartbeat, stream chunks, verify, store.

:func:`explanation_generate` is what the Celery task (and the embedded background thread) runs:

1. claim: a ``pending`` row becomes ``streaming`` with this worker's name (anything else is left alone, so a
   redelivered task message for a finished or interrupted explanation does nothing);
2. a side thread refreshes ``heartbeat_at`` every ``EXPLANATION_HEARTBEAT_S`` (also while the model loads or
   prefills), and notices when the row was taken away (declared interrupted);
3. text deltas from :mod:`tutor.inference_gateway` are coalesced into chunks (the first at once, then at most
   every ``CHUNK_INTERVAL_S`` or at a newline) and appended to the chunk stream with numbers 1, 2, ...; each
   chunk is also published live;
4. between tokens it stops on the cancel flag, or when no socket has watched for ``EXPLANATION_ORPHAN_GRACE_S``;
5. at the end the last ``\\boxed{}`` is checked by the template's checker and the row stored with its verdict;
   an ``end`` entry closes the stream.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tutor.explanations.live import entry_publish
from tutor.explanations.prompting import explanation_prompt, explanation_verdict
from tutor.explanations.services import end_outcome
from tutor.explanations.streams import CHUNK, END, ChunkStream, Entry, SeqConflict, chunk_stream
from tutor.inference_gateway import TextGenerator, text_generator
from tutor.models import ExplanationTranscript

logger = logging.getLogger(__name__)
Status = ExplanationTranscript.Status

CHUNK_INTERVAL_S = 0.05  # coalesce deltas into chunks at most this often (the first chunk goes at once)
CHUNK_MAX_CHARS = 400
CONTROL_INTERVAL_S = 0.05  # how often the cancel flag / watchers are checked between tokens
SAVE_INTERVAL_S = 2.0  # how often the text so far is saved to the row while streaming


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:200]


def _claim(explanation_id: int) -> ExplanationTranscript | None:
    with transaction.atomic():
        transcript = (ExplanationTranscript.objects.select_for_update(of=("self",)).select_related("instance", "attempt")
                      .filter(pk=explanation_id).first())
        if transcript is None or transcript.status != Status.PENDING:
            return None
        now = timezone.now()
        transcript.status = Status.STREAMING
        transcript.worker = worker_name()
        transcript.started_at = now
        transcript.heartbeat_at = now
        transcript.save(update_fields=["status", "worker", "started_at", "heartbeat_at"])
    return transcript


class _Heartbeat(threading.Thread):
    """Refreshes ``heartbeat_at`` of a streaming row; sets ``lost`` when the row stops being ours."""

    def __init__(self, explanation_id: int) -> None:
        super().__init__(name=f"explanation-heartbeat-{explanation_id}", daemon=True)
        self.explanation_id = explanation_id
        self.lost = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
        period = float(settings.EXPLANATION_HEARTBEAT_S)
        try:
            while not self.stopped.wait(period):
                updated = ExplanationTranscript.objects.filter(
                    pk=self.explanation_id, status=Status.STREAMING).update(heartbeat_at=timezone.now())
                if not updated:
                    self.lost.set()
                    return
        except Exception:  # a failing database makes the lease lapse, which is the signal
            logger.warning("heartbeat of explanation %s failed", self.explanation_id, exc_info=True)
        finally:
            connection.close()


class _Control:
    """``should_stop()`` for the generator: cancel flag, no watchers past the grace, or the row lost."""

    def __init__(self, stream: ChunkStream, explanation_id: int, heartbeat: _Heartbeat) -> None:
        self.stream, self.explanation_id, self.heartbeat = stream, explanation_id, heartbeat
        self.reason: str | None = None
        self._next_check = 0.0

    def __call__(self) -> bool:
        if self.reason is not None:
            return True
        if self.heartbeat.lost.is_set():
            self.reason = "lost"
            return True
        now = time.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + CONTROL_INTERVAL_S
        if self.stream.cancel_requested(self.explanation_id):
            self.reason = "cancelled"
        else:
            unwatched = self.stream.unwatched_for(self.explanation_id)
            if unwatched is not None and unwatched > float(settings.EXPLANATION_ORPHAN_GRACE_S):
                self.reason = "cancelled"
        return self.reason is not None


def _clean(text: str) -> str:
    """PostgreSQL text cannot hold NUL; model output may (a random model emits any byte)."""
    return text.replace("\x00", "\ufffd")


def explanation_generate(*, explanation_id: int, generator: TextGenerator | None = None) -> str:
    """Generate, stream and store explanation ``explanation_id``; returns its final status.

    Does nothing (returns the current status, or ``"missing"``) unless the row is ``pending``.
    """
    transcript = _claim(explanation_id)
    if transcript is None:
        current = ExplanationTranscript.objects.filter(pk=explanation_id).values_list("status", flat=True).first()
        return current or "missing"
    stream = chunk_stream()
    heartbeat = _Heartbeat(explanation_id)
    heartbeat.start()
    control = _Control(stream, explanation_id, heartbeat)
    parts: list[str] = []
    seq = 0
    tokens = 0
    error = ""
    try:
        gen = generator or text_generator()
        info = gen.info()
        ExplanationTranscript.objects.filter(pk=explanation_id).update(model_name=info.name[:200],
                                                                       model_is_random=info.is_random)
        prompt = explanation_prompt(transcript.instance, transcript.attempt)
        buffer = ""
        last_flush = 0.0
        last_save = time.monotonic()

        def flush() -> None:
            nonlocal buffer, seq, last_flush
            if not buffer:
                return
            entry = Entry(seq=seq + 1, kind=CHUNK, text=_clean(buffer))
            try:
                stream.append(explanation_id, entry)
            except SeqConflict:
                control.reason = "lost"  # the stream was closed under us (declared interrupted)
                buffer = ""
                return
            seq = entry.seq
            parts.append(entry.text)
            buffer = ""
            last_flush = time.monotonic()
            entry_publish(explanation_id, entry)

        for delta in gen.generate(prompt, max_new_tokens=transcript.max_new_tokens or
                                  int(settings.EXPLANATION_MAX_NEW_TOKENS),
                                  temperature=float(settings.EXPLANATION_TEMPERATURE),
                                  top_p=float(settings.EXPLANATION_TOP_P), seed=explanation_id,
                                  should_stop=control):
            tokens += delta.tokens
            buffer += delta.text
            now = time.monotonic()
            if seq == 0 or now - last_flush >= CHUNK_INTERVAL_S or "\n" in delta.text \
                    or len(buffer) >= CHUNK_MAX_CHARS:
                flush()
            if control.reason == "lost":
                break
            if now - last_save >= SAVE_INTERVAL_S:
                last_save = now
                ExplanationTranscript.objects.filter(pk=explanation_id, status=Status.STREAMING).update(
                    text="".join(parts), last_seq=seq, tokens=tokens)
        if control.reason != "lost":
            flush()
    except Exception as exc:  # any failure is stored on the row and streamed
        logger.exception("explanation %s failed", explanation_id)
        error = f"The explanation could not be generated: {exc}"[:2000]
    finally:
        heartbeat.stopped.set()
    return _finish(transcript, stream, control, parts, seq, tokens, error)


def _finish(transcript: ExplanationTranscript, stream: ChunkStream, control: _Control, parts: list[str],
            seq: int, tokens: int, error: str) -> str:
    if control.reason == "lost":
        return ExplanationTranscript.objects.filter(pk=transcript.pk).values_list("status", flat=True).first() \
            or "missing"
    text = "".join(parts)
    fields: dict = {"text": text, "last_seq": seq, "tokens": tokens, "finished_at": timezone.now()}
    if error:
        fields.update(status=Status.FAILED, error=error)
    elif control.reason == "cancelled":
        fields.update(status=Status.CANCELLED)
    else:
        try:
            verdict = explanation_verdict(transcript.instance, text)
        except Exception as exc:  # an unverifiable answer is "not verified", never a crash
            logger.exception("verifying explanation %s failed", transcript.pk)
            fields.update(status=Status.DONE, verified=False, verdict_note="CHECK_FAILED", error=str(exc)[:2000])
        else:
            fields.update(status=Status.DONE, verified=verdict.correct, verdict_note=verdict.note,
                          final_answer_latex=verdict.final_answer_latex)
    updated = ExplanationTranscript.objects.filter(pk=transcript.pk, status=Status.STREAMING).update(**fields)
    if not updated:  # declared interrupted while finishing: that decision stands
        return ExplanationTranscript.objects.filter(pk=transcript.pk).values_list("status", flat=True).first() \
            or "missing"
    transcript.refresh_from_db()
    entry = Entry(seq=seq + 1, kind=END, outcome=end_outcome(transcript))
    try:
        stream.append(transcript.pk, entry)
    except SeqConflict:
        logger.warning("explanation %s: end entry %s already taken", transcript.pk, entry.seq)
    else:
        entry_publish(transcript.pk, entry)
    stream.expire(transcript.pk, int(settings.EXPLANATION_STREAM_TTL_S))
    return transcript.status
