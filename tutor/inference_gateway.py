"""The single place ``tutor`` imports ``inference``: the explanation model, loaded once per process, and a
simple batcher that steps every concurrent request of this process together.

Settings (read here, passed into ``inference`` as arguments):

* ``TUTOR_MODEL_DIR``: an HF-layout model directory (config.json, safetensors, tokenizer.json). Empty: the
  bundled small SambaY model (``inference.bundled``) when it is installed, else a tiny *random* model whose
  output is noise; :class:`ModelInfo` says which (``is_random``) so the UI can label it.
* ``INFERENCE_DEVICE`` (``auto`` | ``cpu`` | ``cuda`` | ``cuda:N``), ``INFERENCE_DTYPE`` (``auto`` | ``float32`` |
  ``bfloat16`` | ``float16``).

The model is loaded once per process, never at import and never per task: an inference worker loads it when
it starts, before it takes a task (:func:`text_generator_preload`, called from the worker-start signals in
``tutor.celery``); any other process, or a worker whose preload failed, loads it on its first request. Every
request of the process goes through one :class:`EngineGenerator`: the continuous-batching engine of
``inference/engine/`` (static cache slots, one batched forward per decode step over every active request, CUDA
graphs on a GPU), so N concurrent explanations share the device instead of queueing behind each other.
``INFERENCE_BACKEND=lockstep`` selects the older :class:`LockstepBatcher` (per-request decode steps interleaved
by one scheduler thread) instead.

    gen = text_generator()
    for delta in gen.generate(prompt, max_new_tokens=256, temperature=0.0, top_p=1.0, seed=1,
                              should_stop=lambda: False):
        print(delta.text, end="")       # delta.tokens: tokens consumed for this text (>= 1)
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

RANDOM_MODEL_NAME = "tiny-random-sambay"
_POLL_S = 0.05  # how often a waiting caller re-checks should_stop while no token arrives, seconds


class GatewayError(Exception):
    """The model cannot be loaded or generation failed (message safe to store and show to staff)."""


@dataclass(frozen=True)
class ModelInfo:
    """Which model explains: ``name`` (directory name), ``label`` (for the UI), ``is_random`` (untrained)."""

    name: str
    label: str
    is_random: bool
    device: str
    dtype: str


@dataclass(frozen=True)
class Delta:
    """A piece of generated text and the number of tokens it took (a UTF-8 character may span several)."""

    text: str
    tokens: int


class TextGenerator(Protocol):
    """What the explanation service needs from an inference backend."""

    def info(self) -> ModelInfo: ...

    def generate(self, prompt: str, *, max_new_tokens: int, temperature: float, top_p: float, seed: int | None,
                 should_stop: Callable[[], bool]) -> Iterator[Delta]: ...


# --------------------------------------------------------------------------- loading


def _bundled_dir() -> Path | None:
    """The bundled model directory if the ``inference.bundled`` package ships one, else None."""
    try:
        from inference.bundled import bundled_model_dir
    except ImportError:
        return None
    try:
        path = bundled_model_dir()
    except Exception:  # a missing/incomplete bundle means "no bundled model", never a crash
        logger.warning("inference.bundled could not locate its model", exc_info=True)
        return None
    if path is None or not (Path(path) / "config.json").is_file():
        return None
    return Path(path)


def _torch_device_dtype() -> tuple[Any, Any]:
    import torch

    device_name = str(settings.INFERENCE_DEVICE or "auto")
    if device_name == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            device = torch.device(device_name)
        except RuntimeError as exc:
            raise GatewayError(f"INFERENCE_DEVICE={device_name!r} is not a torch device") from exc
        if device.type == "cuda" and not torch.cuda.is_available():
            raise GatewayError(f"INFERENCE_DEVICE={device_name!r} but no CUDA device is available")
    dtype_name = str(settings.INFERENCE_DTYPE or "auto")
    if dtype_name == "auto":
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    elif dtype_name in ("float32", "bfloat16", "float16"):
        dtype = getattr(torch, dtype_name)
    else:
        raise GatewayError(f"INFERENCE_DTYPE={dtype_name!r}: use auto, float32, bfloat16 or float16")
    return device, dtype


def load_model() -> tuple[Any, Any, ModelInfo]:
    """(model, tokenizer, info) as the settings name them. Raises GatewayError with a readable reason."""
    from inference import InferenceError, load_pretrained

    device, dtype = _torch_device_dtype()
    configured = str(settings.TUTOR_MODEL_DIR or "").strip()
    path = Path(configured) if configured else _bundled_dir()
    if path is not None:
        try:
            model, tokenizer = load_pretrained(path, device=device, dtype=dtype)
        except InferenceError as exc:
            raise GatewayError(f"cannot load the explanation model from {path}: {exc}") from exc
        name = path.name
        info = ModelInfo(name=name, label=name, is_random=False, device=str(device),
                         dtype=str(dtype).removeprefix("torch."))
        return model, tokenizer, info
    from inference.testing import tiny_random_model

    model, tokenizer = tiny_random_model(seed=0)
    model = model.to(device=device, dtype=dtype)
    info = ModelInfo(name=RANDOM_MODEL_NAME, label="Tiny random model (untrained demo: the text is noise)",
                     is_random=True, device=str(device), dtype=str(dtype).removeprefix("torch."))
    return model, tokenizer, info


# --------------------------------------------------------------------------- the batcher


_END = object()


def _require_token_budget(max_new_tokens: object) -> None:
    """Both generators' argument check: the reply budget is an int >= 1 (else :class:`GatewayError`)."""
    if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 1:
        raise GatewayError(f"max_new_tokens={max_new_tokens!r} must be an int >= 1")


@dataclass
class _Request:
    prompt_ids: list[int]
    max_new_tokens: int
    temperature: float
    top_p: float
    seed: int | None
    out: queue.Queue = field(default_factory=queue.Queue)  # Delta | BaseException | _END
    cancelled: threading.Event = field(default_factory=threading.Event)
    tokens: Iterator[int] | None = None
    detok: Any = None
    pending: int = 0  # tokens pushed into the detokenizer whose text is not complete yet


class LockstepBatcher:
    """Owns the model in one scheduler thread; each round advances every active request by one token.

    ``loader`` returns (model, tokenizer, ModelInfo); it runs once, on first use, in the caller's thread.
    Requests are admitted at round boundaries (a new request's prefill runs within its first step). A caller
    that stops reading (``should_stop()`` true, or closing the iterator) frees its slot by the next round.
    """

    def __init__(self, loader: Callable[[], tuple[Any, Any, ModelInfo]]) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, ModelInfo] | None = None
        self._inbox: queue.Queue[_Request] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.active_count = 0  # requests in the current round (read for metrics/tests)
        self.max_active_seen = 0

    def _ensure(self) -> tuple[Any, Any, ModelInfo]:
        with self._lock:
            if self._loaded is None:
                started = time.perf_counter()
                self._loaded = self._loader()
                info = self._loaded[2]
                logger.info("explanation model %s loaded on %s/%s in %.2f s", info.name, info.device, info.dtype,
                            time.perf_counter() - started)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="explanation-batcher", daemon=True)
                self._thread.start()
            return self._loaded

    def info(self) -> ModelInfo:
        return self._ensure()[2]

    def generate(self, prompt: str, *, max_new_tokens: int, temperature: float, top_p: float, seed: int | None,
                 should_stop: Callable[[], bool]) -> Iterator[Delta]:
        """Text deltas of the model's chat reply to ``prompt`` (stops at a stop token or the token budget)."""
        _require_token_budget(max_new_tokens)
        _, tokenizer, _ = self._ensure()
        request = _Request(prompt_ids=tokenizer.chat_prompt_ids(prompt), max_new_tokens=max_new_tokens,
                           temperature=float(temperature), top_p=float(top_p), seed=seed)
        self._inbox.put(request)
        return self._drain(request, should_stop)

    def _drain(self, request: _Request, should_stop: Callable[[], bool]) -> Iterator[Delta]:
        try:
            while True:
                if should_stop():
                    return
                try:
                    item = request.out.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise GatewayError(f"generation failed: {item}") from item
                yield item
        finally:
            request.cancelled.set()

    # ---- scheduler thread
    def _run(self) -> None:
        from inference.generate import stream

        model, tokenizer, _ = self._loaded  # type: ignore[misc]
        active: list[_Request] = []
        while True:
            try:
                block = not active
                while True:
                    req = self._inbox.get(block=block)
                    block = False
                    if req.cancelled.is_set():
                        continue
                    req.tokens = stream(model, req.prompt_ids, max_new_tokens=req.max_new_tokens,
                                        temperature=req.temperature, top_p=req.top_p,
                                        stop_ids=tokenizer.stop_ids, seed=req.seed)
                    req.detok = tokenizer.detokenizer()
                    active.append(req)
            except queue.Empty:
                pass
            self.active_count = len(active)
            self.max_active_seen = max(self.max_active_seen, len(active))
            for req in list(active):  # noqa: PERF101 - _retire removes from active
                if req.cancelled.is_set():
                    self._retire(req, active, flush=False)
                    continue
                try:
                    token = next(req.tokens)  # type: ignore[arg-type]
                except StopIteration:
                    self._retire(req, active, flush=True)
                    continue
                except Exception as exc:  # reported to the request's caller, the loop goes on
                    logger.exception("generation step failed")
                    req.out.put(exc)
                    self._retire(req, active, flush=False)
                    continue
                req.pending += 1
                text = req.detok.push(token)
                if text:
                    req.out.put(Delta(text, req.pending))
                    req.pending = 0
            self.active_count = len(active)

    @staticmethod
    def _retire(req: _Request, active: list[_Request], *, flush: bool) -> None:
        active.remove(req)
        if req.tokens is not None:
            req.tokens.close()  # type: ignore[attr-defined]
        if flush:
            tail = req.detok.flush()
            if tail or req.pending:
                req.out.put(Delta(tail, req.pending))
        req.out.put(_END)


class EngineGenerator:
    """Serves every request of this process through one continuous-batching :class:`inference.engine.Engine`.

    The engine owns ``max_batch`` static cache slots of ``max_seq_len`` tokens (prompt + reply); requests join
    and leave the running batch between steps, each decode step is one batched forward over every active
    request (CUDA-graph replayed on a GPU), and a caller that stops reading frees its slot within one step.
    ``loader`` returns (model, tokenizer, ModelInfo); it runs once, on first use (or at worker start through
    :func:`text_generator_preload`), and the engine's stepping thread starts with it.
    """

    def __init__(self, loader: Callable[[], tuple[Any, Any, ModelInfo]], *, max_batch: int = 8,
                 max_seq_len: int = 4096) -> None:
        self._loader = loader
        self._max_batch, self._max_seq_len = max_batch, max_seq_len
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, ModelInfo] | None = None
        self._in_flight = 0
        self.max_active_seen = 0  # most requests in flight at once (read for metrics/tests)

    def _ensure(self) -> tuple[Any, Any, ModelInfo]:
        with self._lock:
            if self._loaded is None:
                from inference.engine import Engine

                started = time.perf_counter()
                model, tokenizer, info = self._loader()
                engine = Engine(model, max_batch=self._max_batch, max_seq_len=self._max_seq_len)
                # On a GPU the decode step is compiled and graph-captured on first use (about two minutes for
                # the 3.8B model): pay it here, at worker start, not during a student's first explanation.
                # A CPU engine has no graphs and returns at once.
                captured = engine.warmup(sorted({min(1024, self._max_seq_len - 1), self._max_seq_len - 1}))
                engine.start()
                self._loaded = (engine, tokenizer, info)
                logger.info("explanation model %s loaded on %s/%s in %.2f s (engine: %d slots x %d tokens, "
                            "%d decode graphs captured)", info.name, info.device, info.dtype,
                            time.perf_counter() - started, self._max_batch, self._max_seq_len, captured)
            return self._loaded

    @property
    def active_count(self) -> int:
        """Requests this process is streaming right now."""
        return self._in_flight

    def info(self) -> ModelInfo:
        return self._ensure()[2]

    def generate(self, prompt: str, *, max_new_tokens: int, temperature: float, top_p: float, seed: int | None,
                 should_stop: Callable[[], bool]) -> Iterator[Delta]:
        """Text deltas of the model's chat reply to ``prompt`` (stops at a stop token or the token budget)."""
        _require_token_budget(max_new_tokens)
        from inference import InferenceError
        from inference.engine import SamplingParams

        engine, tokenizer, _ = self._ensure()
        ids = tokenizer.chat_prompt_ids(prompt)
        # The reply ends when its cache slot is full: the budget is capped by what is left of the slot.
        budget = min(max_new_tokens, engine.max_seq_len - len(ids))
        if budget < 1:
            raise GatewayError(f"the prompt ({len(ids)} tokens) does not fit the engine's slots of "
                               f"{engine.max_seq_len} tokens (INFERENCE_MAX_SEQ_LEN)")
        try:
            params = SamplingParams(max_new_tokens=budget, temperature=float(temperature),
                                    top_p=float(top_p), seed=seed, stop_ids=frozenset(tokenizer.stop_ids))
            handle = engine.submit(ids, params)
        except InferenceError as exc:
            raise GatewayError(f"cannot start generation: {exc}") from exc
        return self._drain(handle, tokenizer, should_stop)

    def _drain(self, handle: Any, tokenizer: Any, should_stop: Callable[[], bool]) -> Iterator[Delta]:
        from inference import InferenceError

        with self._lock:
            self._in_flight += 1
            self.max_active_seen = max(self.max_active_seen, self._in_flight)
        detok, pending = tokenizer.detokenizer(), 0
        try:
            while True:
                if should_stop():
                    return
                try:
                    token = handle.next(timeout=_POLL_S)
                except TimeoutError:
                    continue
                except InferenceError as exc:
                    raise GatewayError(f"generation failed: {exc}") from exc
                if token is None:
                    break
                pending += 1
                text = detok.push(token)
                if text:
                    yield Delta(text, pending)
                    pending = 0
            tail = detok.flush()
            if tail or pending:
                yield Delta(tail, pending)
        finally:
            handle.cancel()
            with self._lock:
                self._in_flight -= 1


_generator: TextGenerator | None = None
_generator_lock = threading.Lock()


def text_generator() -> TextGenerator:
    """This process's generator (created on first call; the model loads on its first request or at worker
    start). ``INFERENCE_BACKEND`` picks it: ``engine`` (default; :class:`EngineGenerator`, continuous batching)
    or ``lockstep`` (:class:`LockstepBatcher`, the simple per-request stepper)."""
    global _generator
    with _generator_lock:
        if _generator is None:
            backend = str(getattr(settings, "INFERENCE_BACKEND", "engine") or "engine")
            if backend == "engine":
                _generator = EngineGenerator(load_model, max_batch=int(settings.INFERENCE_MAX_BATCH),
                                             max_seq_len=int(settings.INFERENCE_MAX_SEQ_LEN))
            elif backend == "lockstep":
                _generator = LockstepBatcher(load_model)
            else:
                raise GatewayError(f"INFERENCE_BACKEND={backend!r}: use 'engine' or 'lockstep'")
        return _generator


def text_generator_preload() -> ModelInfo:
    """Load this process's model now (an inference worker at start) instead of on its first request.

    Idempotent: a loaded model is not loaded again. Returns the model's :class:`ModelInfo`; raises
    :class:`GatewayError` (or the loader's error) when the model cannot be loaded, leaving the generator
    unloaded so the first request tries again.
    """
    return text_generator().info()


def reset_text_generator() -> None:
    """Forget this process's generator (tests that change the model settings). A running scheduler thread
    keeps serving the requests it already holds and then idles."""
    global _generator
    with _generator_lock:
        _generator = None
