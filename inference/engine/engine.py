"""`Engine`: continuous batching over static per-slot caches, with CUDA-graph decode steps on CUDA.

Each call of :meth:`Engine.step` (made by the background thread after :meth:`Engine.start`, or by a handle's
iterator when no thread runs):

1. frees the slots of cancelled requests;
2. admits waiting requests: the oldest one and the others of the same prompt length (up to the free slots and
   `max_prefill_tokens`) are prefilled together as one batch (`model(..., logits_to_keep=1)`: the cross-decoder
   runs on the last token only, the YOCO skip), their state is copied into free slots and their first token sampled;
3. decodes one token for every active request in one batched step (graph replay on CUDA), samples each request
   with its own parameters, and frees the slots of finished requests at once.

Pipelined greedy decode (`pipeline`, on by default with CUDA graphs): while every active request is greedy, the
step's graph takes the argmax itself and feeds it back as the next input, so a step launches the *next* decode
step before it reads the tokens of the current one, and the GPU never waits for Python (sampling, emitting,
scheduling). The next step is launched only when no active request can reach its `max_new_tokens` with the
current token; a request that stops (stop token) or is cancelled meanwhile has its already-computed extra token
discarded. Any change of the batch (admission, a request leaving, sampling parameters) first reads the step in
flight, then continues from host inputs. Tokens are exactly those of the unpipelined engine.

Active requests stay packed in slots 0..n-1: when one leaves, the last one's state moves into its slot. So a
request joins or leaves between two steps and never stalls the others for more than one prefill group.
"""

from __future__ import annotations

import collections
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import torch

from ..errors import GenerationError, InferenceError
from ..generate import _prompt_list
from ..model import SambaYForCausalLM
from ..sampling import sample_next
from .decode import DecodeStep, EagerRunner, GraphRunner
from .params import FINISH_CANCELLED, FINISH_ERROR, FINISH_LENGTH, FINISH_STOP, SamplingParams
from .slots import SlotCache

logger = logging.getLogger(__name__)


class EngineError(InferenceError):
    """The engine failed while serving (the cause is chained), or was used after failing."""


@dataclass
class _End:
    reason: str
    error: BaseException | None = None


@dataclass
class _Request:
    id: int
    prompt: list[int]
    params: SamplingParams
    handle: RequestHandle
    generator: torch.Generator | None
    slot: int = -1
    pos: int = 0  # tokens held in the slot's cache
    last_token: int = -1
    produced: int = 0
    done: bool = False


@dataclass
class _Launched:
    """A pipelined decode step in flight: its requests (slot order at launch), the layout version it was launched
    in, and the function that waits for and returns its greedy tokens."""

    reqs: list[_Request]
    layout: int
    read: Callable[[], list[int]]


@dataclass
class RequestHandle:
    """A submitted request: iterate it for token ids; `cancel()` ends it within one engine step.

    `token_times` holds `time.perf_counter()` at which each token was emitted and `submitted_at` when the
    request was submitted (time to first token = token_times[0] - submitted_at). `finish_reason` is one of
    "stop", "length", "cancelled", "error" once the request ended, else None.
    """

    request_id: int
    prompt_len: int
    _engine: Engine = field(repr=False)
    submitted_at: float = field(default_factory=time.perf_counter)
    token_times: list[float] = field(default_factory=list, repr=False)
    finish_reason: str | None = None
    _queue: queue.Queue = field(default_factory=queue.Queue, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _ended: bool = False

    def cancel(self) -> None:
        """Ask the engine to drop this request; its slot is free after the next step. Idempotent."""
        self._cancel.set()
        self._engine._wake_up()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def num_tokens(self) -> int:
        return len(self.token_times)

    def next(self, timeout: float | None = None) -> int | None:
        """The next token id, or None once the request has ended. Raises EngineError if the engine failed and
        TimeoutError if no token came within `timeout` seconds (only with a background thread)."""
        if self._ended:
            return None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                if self._engine.running:
                    left = None if deadline is None else max(0.0, deadline - time.monotonic())
                    try:
                        item = self._queue.get(timeout=left)
                    except queue.Empty:
                        raise TimeoutError(f"no token for request {self.request_id} within {timeout} s") from None
                else:
                    self._engine.step()
                    continue
            if isinstance(item, _End):
                self._ended = True
                if item.error is not None:
                    raise EngineError(f"request {self.request_id} failed: {item.error}") from item.error
                return None
            return item

    def __iter__(self) -> Iterator[int]:
        return self

    def __next__(self) -> int:
        token = self.next()
        if token is None:
            raise StopIteration
        return token


class Engine:
    """Continuous-batching generation for a :class:`SambaYForCausalLM` (see the module docstring).

    `max_batch` slots of `max_seq_len` tokens (prompt + new tokens) are allocated up front
    (:meth:`SlotCache.bytes_per_slot` each). `use_cuda_graphs`: None = on for CUDA, off on CPU.
    `max_prefill_tokens` bounds the prompt tokens prefilled together in one step (at least one prompt).
    `compile_decode`: None (default) = on exactly when CUDA graphs are on. On, the captured decode step is the
    fused step of :mod:`.fused` compiled by `torch.compile` (Inductor, coordinate-descent-tuned matrix-vector
    kernels): one compilation serves every key-row bucket at batch 1, one more every bucket at batch > 1 (about a
    minute each for the 3.8B model, paid at the first capture; :meth:`warmup` pays it before serving). Batch-1
    steps of models it serves run the hand-written Triton step of :mod:`.triton_decode` instead (nothing to
    compile; :data:`.triton_decode.ENABLED`). Off, the
    step runs the model's own modules (eagerly, or replayed from graphs). `compile_options`: Inductor options instead
    of :data:`.fused.FUSED_INDUCTOR_OPTIONS` (benchmarks; `{}` = Inductor's defaults, no coordinate-descent tuning).
    `pipeline`: pipelined greedy decode (module docstring); None = on exactly when CUDA graphs are on.
    """

    def __init__(self, model: SambaYForCausalLM, *, max_batch: int = 8, max_seq_len: int = 4096,
                 device: torch.device | str | None = None, use_cuda_graphs: bool | None = None,
                 max_prefill_tokens: int = 16384, compile_decode: bool | None = None,
                 compile_options: dict[str, object] | None = None, pipeline: bool | None = None) -> None:
        if not isinstance(model, SambaYForCausalLM):
            raise GenerationError(f"Engine needs a SambaYForCausalLM, got {type(model).__name__}")
        for name, v in (("max_batch", max_batch), ("max_seq_len", max_seq_len),
                        ("max_prefill_tokens", max_prefill_tokens)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise GenerationError(f"{name}={v!r} must be a positive int")
        if device is not None and torch.device(device) != model.device:
            model = model.to(torch.device(device))
        self.model = model.eval()
        self.device = model.device
        if use_cuda_graphs is None:
            use_cuda_graphs = self.device.type == "cuda"
        if use_cuda_graphs and self.device.type != "cuda":
            raise GenerationError(f"use_cuda_graphs=True needs a CUDA model, the model is on {self.device}")
        if compile_decode is None:
            compile_decode = bool(use_cuda_graphs)
        self.compile_decode = bool(compile_decode)
        self.max_batch, self.max_seq_len, self.max_prefill_tokens = max_batch, max_seq_len, max_prefill_tokens
        self.slots = SlotCache(model.config, max_batch, max_seq_len, device=self.device, dtype=model.dtype)
        self._decode = DecodeStep(model, self.slots, compile=self.compile_decode, compile_options=compile_options)
        self.graphs: GraphRunner | None = (
            GraphRunner(self._decode, max_batch, model.config.vocab_size) if use_cuda_graphs else None)
        self.pipeline = bool(use_cuda_graphs) if pipeline is None else bool(pipeline)
        self._runner: GraphRunner | EagerRunner = (
            self.graphs if self.graphs is not None else EagerRunner(self._decode, max_batch))
        self._ahead: _Launched | None = None  # a pipelined decode step launched but not read yet
        self._layout = 0  # bumped whenever slots/positions change outside a pipelined launch
        self._pending: collections.deque[_Request] = collections.deque()
        self._active: list[_Request] = []  # index == slot
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._step_lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._running = False
        self._error: BaseException | None = None
        self.stats = {"steps": 0, "decode_tokens": 0, "prefill_tokens": 0, "prefills": 0}

    @classmethod
    def from_pretrained(cls, path: str, *, device: torch.device | str | None = None,
                        dtype: torch.dtype | None = None, **kwargs: object) -> tuple[Engine, object]:
        """(engine, tokenizer) for an HF-layout model directory (see :func:`inference.load_pretrained`)."""
        from ..loading import load_pretrained

        model, tokenizer = load_pretrained(path, device=device, dtype=dtype)
        return cls(model, **kwargs), tokenizer  # type: ignore[arg-type]

    # ------------------------------------------------------------------ public API
    @property
    def running(self) -> bool:
        """True while the background stepping thread runs."""
        return self._running and self._thread is not None and self._thread.is_alive()

    @property
    def num_active(self) -> int:
        return len(self._active)

    @property
    def num_pending(self) -> int:
        return len(self._pending)

    def submit(self, prompt_ids: Sequence[int] | torch.Tensor, params: SamplingParams | None = None
               ) -> RequestHandle:
        """Queue one prompt; returns its handle at once. Raises GenerationError for a bad prompt or one that
        cannot fit (`len(prompt) + max_new_tokens > max_seq_len`), EngineError if the engine has failed."""
        if self._error is not None:
            raise EngineError("the engine has failed; create a new one") from self._error
        params = params if params is not None else SamplingParams()
        if not isinstance(params, SamplingParams):
            raise GenerationError(f"params must be SamplingParams, got {type(params).__name__}")
        ids = _prompt_list(prompt_ids, self.model.config.vocab_size)
        if len(ids) + params.max_new_tokens > self.max_seq_len:
            raise GenerationError(f"prompt ({len(ids)} tokens) + max_new_tokens ({params.max_new_tokens}) exceeds "
                                  f"the engine's max_seq_len={self.max_seq_len}")
        rid = next(self._ids)
        handle = RequestHandle(rid, len(ids), self)
        gen = torch.Generator(device="cpu").manual_seed(params.seed) if params.seed is not None else None
        req = _Request(rid, ids, params, handle, gen)
        if params.max_new_tokens == 0:
            self._finish(req, FINISH_LENGTH)
            return handle
        with self._wake:
            self._pending.append(req)
            self._wake.notify_all()
        return handle

    def start(self) -> Engine:
        """Start the background stepping thread (idempotent). Returns self."""
        with self._wake:
            if self.running:
                return self
            if self._error is not None:
                raise EngineError("the engine has failed; create a new one") from self._error
            self._running = True
            self._thread = threading.Thread(target=self._loop, name="sambay-engine", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread; requests still waiting or running end with finish_reason "cancelled"."""
        with self._wake:
            self._running = False
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._step_lock:
            with self._lock:
                pending, self._pending = list(self._pending), collections.deque()
            for req in pending + list(self._active):
                self._finish(req, FINISH_CANCELLED)
            self._release_finished()
            self._ahead = None  # its requests were all cancelled: nothing to read

    def step(self) -> bool:
        """One scheduling round (free cancelled, admit one prefill group, decode all). True if it did work."""
        with self._step_lock:
            if self._error is not None:
                raise EngineError("the engine has failed; create a new one") from self._error
            try:
                with torch.inference_mode():
                    worked = self._reap_cancelled()
                    worked = self._admit() or worked
                    worked = self._decode_active() or worked
                self.stats["steps"] += 1
                return worked
            except Exception as exc:
                self._fail(exc)
                raise EngineError(f"engine step failed: {exc}") from exc

    def warmup(self, lengths: Sequence[int], batch_sizes: Sequence[int] | None = None) -> int:
        """Capture the CUDA graphs that decoding sequences of these `lengths` (tokens held) at these batch sizes
        (default: every power-of-two bucket up to max_batch) will replay, so no capture happens while serving.
        Only while no request is active. Returns the number of graphs captured (0 without graphs)."""
        if self.graphs is None:
            return 0
        with self._step_lock:
            if self._active:
                raise GenerationError("warmup() needs an idle engine (no active requests)")
            sizes = batch_sizes if batch_sizes is not None else [
                1 << i for i in range(self.max_batch.bit_length()) if 1 << i <= self.max_batch] + [self.max_batch]
            before = len(self.graphs.graphs)
            with torch.inference_mode():
                for n in sorted(set(sizes)):
                    for length in sorted(set(lengths)):
                        self.graphs.ensure(*self.graphs.shape_for(n, length))
            return len(self.graphs.graphs) - before

    def debug_set_positions(self, length: int) -> None:
        """Benchmarks only: pretend every active request already holds `length` tokens (the cache rows past what
        was really computed keep whatever they hold). Lets a benchmark time decode at long contexts directly."""
        if not 0 < length < self.max_seq_len:
            raise GenerationError(f"length={length} must be in (0, max_seq_len={self.max_seq_len})")
        with self._step_lock:
            self._drain_ahead()
            for req in self._active:
                req.pos = length
            self._layout += 1

    # ------------------------------------------------------------------ the loop
    def _wake_up(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def _has_work(self) -> bool:
        return bool(self._pending or self._active or self._ahead is not None)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while self._running and not self._has_work():
                    self._wake.wait(timeout=1.0)
                if not self._running:
                    return
            try:
                self.step()
            except EngineError:
                logger.exception("SambaY engine stopped after an error")
                self._running = False
                return

    def _fail(self, exc: BaseException) -> None:
        self._error = exc
        self._ahead = None
        with self._lock:
            pending, self._pending = list(self._pending), collections.deque()
        for req in pending + list(self._active):
            if not req.done:
                req.done = True
                req.handle.finish_reason = FINISH_ERROR
                req.handle._queue.put(_End(FINISH_ERROR, exc))
        self._active.clear()

    # ------------------------------------------------------------------ scheduling
    def _reap_cancelled(self) -> bool:
        worked = False
        with self._lock:
            keep = collections.deque()
            for req in self._pending:
                if req.handle.cancelled:
                    self._finish(req, FINISH_CANCELLED)
                    worked = True
                else:
                    keep.append(req)
            self._pending = keep
        for req in self._active:
            if req.handle.cancelled and not req.done:
                self._finish(req, FINISH_CANCELLED)
                worked = True
        self._release_finished()
        return worked

    def _admit(self) -> bool:
        free = self.max_batch - len(self._active)
        with self._lock:
            if free <= 0 or not self._pending:
                return False
            T = len(self._pending[0].prompt)
            limit = min(free, max(1, self.max_prefill_tokens // T))
            group = [r for r in self._pending if len(r.prompt) == T][:limit]
            taken = {id(r) for r in group}
            self._pending = collections.deque(r for r in self._pending if id(r) not in taken)
        cache = self.model.allocate_cache(len(group), T)
        ids = torch.tensor([r.prompt for r in group], dtype=torch.long, device=self.device)
        logits = self.model(ids, cache=cache, logits_to_keep=1)[:, -1]  # [g, V]
        first = len(self._active)
        slots = list(range(first, first + len(group)))
        self.slots.load_prefill(slots, cache, T)
        self._layout += 1
        for r, s in zip(group, slots, strict=True):
            r.slot, r.pos = s, T
            self._active.append(r)
        self.stats["prefills"] += 1
        self.stats["prefill_tokens"] += T * len(group)
        self._sample_and_emit(logits, group)
        self._release_finished()
        return True

    def _decode_active(self) -> bool:
        if self.pipeline and self._active and all(r.params.greedy for r in self._active):
            return self._decode_pipelined()
        worked = self._drain_ahead()
        reqs = self._active
        if not reqs:
            return worked
        n = len(reqs)
        tokens = torch.tensor([r.last_token for r in reqs], dtype=torch.long, device=self.device)
        positions = [r.pos for r in reqs]
        pos = torch.tensor(positions, dtype=torch.long, device=self.device)
        max_pos = max(positions)
        if self.graphs is not None:
            logits = self.graphs(tokens, pos, max_pos)
        else:
            logits = self._decode(tokens, pos, max_pos + 1)
        for r in reqs:
            r.pos += 1
        self.stats["decode_tokens"] += n
        self._sample_and_emit(logits, list(reqs))
        self._release_finished()
        return True

    def _launch(self, from_host: bool) -> _Launched:
        """Launch one greedy decode step for the active requests (inputs from the host, or fed back by the previous
        launch) and advance their positions."""
        reqs = list(self._active)
        max_pos = max(r.pos for r in reqs)
        if from_host:
            read = self._runner.launch(len(reqs), max_pos, [r.last_token for r in reqs], [r.pos for r in reqs])
        else:
            read = self._runner.launch(len(reqs), max_pos)
        for r in reqs:
            r.pos += 1
        self.stats["decode_tokens"] += len(reqs)
        return _Launched(reqs, self._layout, read)

    def _decode_pipelined(self) -> bool:
        """Read the step in flight (launching it first if there is none for this batch), launching the next one
        before reading when every request will still be running (see the module docstring)."""
        cur, self._ahead = self._ahead, None
        if cur is None or cur.layout != self._layout or len(cur.reqs) != len(self._active) or any(
                a is not b for a, b in zip(cur.reqs, self._active, strict=True)):
            if cur is not None:  # launched for another batch: read it first
                self._ahead = cur
                self._drain_ahead()
                if not self._active or not all(r.params.greedy for r in self._active):
                    return True
            cur = self._launch(from_host=True)
        reqs = cur.reqs
        if (all(r.produced + 1 < r.params.max_new_tokens for r in reqs)
                and self._runner.ready(len(reqs), max(r.pos for r in reqs))):
            self._ahead = self._launch(from_host=False)
        self._emit(reqs, cur.read())
        self._release_finished()
        return True

    def _drain_ahead(self) -> bool:
        """Read the pipelined step in flight, if any, and emit its tokens (requests ended meanwhile get none)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return False
        self._emit(ahead.reqs, ahead.read())
        self._release_finished()
        return True

    def _sample_and_emit(self, logits: torch.Tensor, reqs: list[_Request]) -> None:
        """logits [n, V] for `reqs` (same order) -> one token each, emitted (or finishing the request)."""
        greedy = [i for i, r in enumerate(reqs) if r.params.greedy]
        tokens: list[int] = [0] * len(reqs)
        if greedy:
            rows = logits if len(greedy) == len(reqs) else logits[torch.tensor(greedy, device=logits.device)]
            for i, t in zip(greedy, rows.argmax(dim=-1).tolist(), strict=True):
                tokens[i] = t
        for i, r in enumerate(reqs):
            if not r.params.greedy:
                p = r.params
                tokens[i] = int(sample_next(logits[i: i + 1], temperature=p.temperature, top_p=p.top_p,
                                            top_k=p.top_k, generator=r.generator).item())
        self._emit(reqs, tokens)

    def _emit(self, reqs: list[_Request], tokens: list[int]) -> None:
        """Hand one token to each request (same order); requests that already ended are skipped."""
        now = time.perf_counter()
        for r, t in zip(reqs, tokens, strict=True):
            if r.done:
                continue
            if t in r.params.stop_ids:
                self._finish(r, FINISH_STOP)
                continue
            r.last_token = t
            r.produced += 1
            r.handle.token_times.append(now)
            r.handle._queue.put(t)
            if r.produced >= r.params.max_new_tokens:
                self._finish(r, FINISH_LENGTH)

    def _finish(self, req: _Request, reason: str) -> None:
        if req.done:
            return
        req.done = True
        req.handle.finish_reason = reason
        req.handle._queue.put(_End(reason))

    def _release_finished(self) -> None:
        """Drop finished requests from the slots, moving the last active request into each hole."""
        i = 0
        while i < len(self._active):
            req = self._active[i]
            if not req.done:
                i += 1
                continue
            self._layout += 1
            last = self._active.pop()
            if last.done:  # a finished request at the end: drop it without moving anything
                last.slot = -1
                continue
            self.slots.move(last.slot, req.slot, last.pos)
            last.slot, req.slot = req.slot, -1
            self._active[i] = last
