"""`inference.engine`: a continuous-batching SambaY serving engine (static per-slot caches, CUDA-graph decode).

    from inference.engine import Engine, SamplingParams
    engine = Engine(model, max_batch=32, max_seq_len=4096)      # CUDA graphs on by default on CUDA
    engine.start()                                               # background stepping thread
    handle = engine.submit(prompt_ids, SamplingParams(max_new_tokens=256, temperature=0.6, top_p=0.95, seed=1))
    for token_id in handle: ...                                  # blocking; handle.cancel() ends it early
    engine.stop()

Without `start()`, iterating a handle steps the engine from the caller's thread (handy on CPU and in tests).
See docs/engine.md.
"""

from .engine import Engine, EngineError, RequestHandle
from .params import FINISH_CANCELLED, FINISH_ERROR, FINISH_LENGTH, FINISH_STOP, SamplingParams
from .text import stream_text

__all__ = [
    "FINISH_CANCELLED",
    "FINISH_ERROR",
    "FINISH_LENGTH",
    "FINISH_STOP",
    "Engine",
    "EngineError",
    "RequestHandle",
    "SamplingParams",
    "stream_text",
]
