"""One decode step for the leading `b` slots of a :class:`SlotCache`, eager or replayed from CUDA graphs.

:class:`DecodeStep` runs the model's own modules (LayerNorms, MLPs, GMUs, the Mamba `step`, the attention
projections) over per-slot positions; only the attention core is the engine's (:mod:`.attention`), because each
slot sees its own number of keys. `tokens` [b] are the previous tokens, `pos` [b] their absolute positions (the
number of tokens already in each slot); the step writes this token's state at `pos` and returns logits [b, V]
(fp32; fp64 for fp64 models).

:class:`GraphRunner` captures that step once per (batch bucket, key-row bucket) on first use and replays it: the
batch is rounded up to a power of two (slots past the active ones compute throw-away values), the shared-K/V rows
read are rounded up to a coarse bucket of the longest active sequence (at most 1/8 more than needed). Graphs share
one memory pool and write their logits into one static buffer.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..cache import MambaState
from ..config import CROSS_ATTENTION, FULL_ATTENTION
from ..kernels import compute_dtype
from ..layers import DifferentialAttention, GatedMemoryUnit, Mamba
from ..model import SambaYForCausalLM
from .attention import diff_decode_attention
from .fused import FUSED_INDUCTOR_OPTIONS, diff_combine, fused_decode_forward, precompute_diff_lambdas
from .slots import SlotCache, SlotKV


class _MambaViews:
    """Duck-typed stand-in for `SambaYCache` so `Mamba.step` updates slots [0, b) in place."""

    def __init__(self, slots: SlotCache, b: int) -> None:
        self._slots, self._b = slots, b

    def mamba(self, layer_idx: int) -> MambaState:
        s = self._slots.layers[layer_idx]
        assert isinstance(s, MambaState)
        return MambaState(s.conv[: self._b], s.ssm[: self._b])


class DecodeStep:
    """Callable: (tokens [b], pos [b], rows) -> logits [b, V]. `rows` = shared-K/V rows read (> max(pos)).

    `compile=False`: the model's own modules, eagerly (the reference the engine is tested against).
    `compile=True`: :func:`.fused.fused_decode_forward` through `torch.compile` with `compile_options` (default
    :data:`.fused.FUSED_INDUCTOR_OPTIONS`; `compile_backend` another Dynamo backend, for tests). The row count is marked dynamic, and so is the batch for b > 1, so one
    compilation serves every key-row bucket at batch 1 and one more every bucket at batch > 1 (Dynamo recompiles
    only if a guard fails; `torch._dynamo.config.cache_size_limit` bounds that).
    `direct`: batch-1 steps run :class:`.triton_decode.TritonDecode` (hand-written Triton kernels, nothing to
    compile) instead; None (default) = exactly when `compile` is on and the model is one it serves
    (:func:`.triton_decode.supported`, :data:`.triton_decode.ENABLED`).
    """

    def __init__(self, model: SambaYForCausalLM, slots: SlotCache, *, compile: bool = False,
                 compile_options: dict[str, object] | None = None, compile_backend: object = "inductor",
                 direct: bool | None = None) -> None:
        self.model, self.slots = model, slots
        self.config = model.config
        self.compiled = bool(compile)
        if direct is None:
            from . import triton_decode

            direct = self.compiled and triton_decode.ENABLED and triton_decode.supported(model)
        self.direct = None
        if direct:
            from .triton_decode import TritonDecode

            self.direct = TritonDecode(model, slots)
        if compile:
            _raise_recompile_limit(64)
            precompute_diff_lambdas(model)  # weight-only constants, computed here so no compiled step does
            opts = dict(FUSED_INDUCTOR_OPTIONS if compile_options is None else compile_options)
            if compile_backend == "inductor":
                self._forward = torch.compile(self._fused, dynamic=None, options=opts)
            else:  # tests: another Dynamo backend (e.g. a compile counter over "aot_eager")
                self._forward = torch.compile(self._fused, dynamic=None, backend=compile_backend)
        else:
            self._forward = self.forward

    @torch.inference_mode()
    def __call__(self, tokens: torch.Tensor, pos: torch.Tensor, rows: int, out: torch.Tensor | None = None
                 ) -> torch.Tensor:
        """Logits [b, V]; with `out` ([b, V], the logits' dtype) written there and returned."""
        if self.direct is not None and tokens.shape[0] == 1:
            return self.direct(tokens, pos, rows, out=out)
        logits = self._logits(tokens, pos, rows)
        return logits if out is None else out.copy_(logits)

    @torch.inference_mode()
    def greedy(self, logits: torch.Tensor, next_tokens: torch.Tensor, tokens: torch.Tensor, pos: torch.Tensor
               ) -> None:
        """The pipelined greedy feedback for b slots: t = argmax(logits [b, V]) into next_tokens and tokens, pos
        += 1 (one kernel for the Triton batch-1 step)."""
        if self.direct is not None and logits.shape[0] == 1:
            self.direct.greedy(logits, next_tokens, tokens, pos)
            return
        nxt = logits.argmax(dim=-1)
        next_tokens.copy_(nxt)
        tokens.copy_(nxt)
        pos.add_(1)

    def _logits(self, tokens: torch.Tensor, pos: torch.Tensor, rows: int) -> torch.Tensor:
        valid_full = torch.arange(rows, device=tokens.device)[None, :] <= pos[:, None]  # [b, rows]
        if self.compiled:
            torch._dynamo.maybe_mark_dynamic(valid_full, 1)
            if tokens.shape[0] > 1:
                for t in (tokens, pos, valid_full):
                    torch._dynamo.maybe_mark_dynamic(t, 0)
        return self._forward(tokens, pos, valid_full)

    def _fused(self, tokens: torch.Tensor, pos: torch.Tensor, valid_full: torch.Tensor) -> torch.Tensor:
        return fused_decode_forward(self.model, self.slots, tokens, pos, valid_full)

    def forward(self, tokens: torch.Tensor, pos: torch.Tensor, valid_full: torch.Tensor) -> torch.Tensor:
        """tokens, pos [b]; valid_full [b, rows] (row j visible to slot i iff j <= pos[i]) -> logits [b, V]."""
        m = self.model.model
        b = tokens.shape[0]
        dtype = m.embed_tokens.weight.dtype
        dev = tokens.device
        views = _MambaViews(self.slots, b)
        rows = valid_full.shape[1]
        bidx = torch.arange(b, device=dev)
        W = self.config.sliding_window or 1
        valid_ring = torch.arange(W, device=dev)[None, :] <= pos[:, None]  # [b, W]
        ring_row = pos % W
        x = m.embed_tokens(tokens).to(compute_dtype(dtype))  # residual stream [b, d]
        memory: torch.Tensor | None = None
        shared: SlotKV | None = None
        for i, layer in enumerate(m.layers):
            h = layer.input_layernorm(x.to(dtype))
            mixer = layer.attn
            if isinstance(mixer, Mamba):
                a, mem = mixer.step(h[:, None], views, i)  # type: ignore[arg-type]
                a = a[:, 0]
                if mixer.is_memory:
                    assert mem is not None
                    memory = mem[:, 0]
            elif isinstance(mixer, GatedMemoryUnit):
                assert memory is not None
                a = mixer(h, memory)
            else:
                assert isinstance(mixer, DifferentialAttention)
                kind = self.config.layer_types[i]
                q, k, v = mixer._project(h[:, None])  # q [b, 1, H, D]; k, v [b, 1, Hkv, D]
                if kind == CROSS_ATTENTION:
                    assert shared is not None
                    kv, valid = shared, valid_full
                    keys, values = kv.k[:b, :, :rows], kv.v[:b, :, :rows]
                else:
                    kv = self.slots.layers[i]
                    assert isinstance(kv, SlotKV) and k is not None and v is not None
                    row = ring_row if kv.ring else pos
                    Hkv, D = k.shape[2], k.shape[3]
                    kv.k[bidx, :, row] = k[:, 0].to(kv.k.dtype)
                    kv.v[bidx, :, row] = v[:, 0].reshape(b, Hkv // 2, 2 * D).to(kv.v.dtype)
                    if kv.ring:
                        keys, values, valid = kv.k[:b], kv.v[:b], valid_ring
                    else:
                        keys, values, valid = kv.k[:b, :, :rows], kv.v[:b, :, :rows], valid_full
                    if kind == FULL_ATTENTION and i == self.config.kv_layer:
                        shared = kv
                a1, a2 = diff_decode_attention(q[:, 0], keys, values, valid)
                a = mixer.out_proj(diff_combine(mixer, a1, a2))
            x = x + a.to(x.dtype)
            x = x + layer.mlp(layer.post_attention_layernorm(x.to(dtype))).to(x.dtype)
        hidden = m.final_layernorm(x.to(dtype))
        return self.model.lm_head(hidden).to(compute_dtype(dtype))


def _raise_recompile_limit(n: int) -> None:
    """Let Dynamo keep at least `n` compiled versions of the step's code (the default, 8, is shared by every engine
    of the process; once exceeded Dynamo silently runs the step uncompiled)."""
    cfg = torch._dynamo.config
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(cfg, name) and getattr(cfg, name) < n:
            setattr(cfg, name, n)


def batch_bucket(n: int, max_batch: int) -> int:
    """Smallest power of two >= n, capped at max_batch."""
    b = 1
    while b < n:
        b *= 2
    return min(b, max_batch)


def rows_bucket(n: int, max_rows: int, minimum: int = 256) -> int:
    """Round n up to a multiple of max(minimum, next_pow2(n) / 8), capped at max_rows (waste <= 1/8 + minimum)."""
    p = 1
    while p < n:
        p *= 2
    g = max(minimum, p // 8)
    return min(-(-n // g) * g, max_rows)


class EagerRunner:
    """The pipelined-decode protocol of :class:`GraphRunner` (:meth:`launch`) without graphs: runs the step at once.

    The engine's pipelined greedy decode (see :class:`~inference.engine.engine.Engine`, `pipeline`) uses it on CPU,
    where nothing overlaps, so the scheduling logic is the same code on every device and is tested on CPU.
    Like the graph it keeps the step's inputs in static buffers and feeds the greedy token and position back.
    """

    def __init__(self, step: DecodeStep, max_batch: int) -> None:
        self.step = step
        dev = step.slots.device
        self.tokens = torch.zeros(max_batch, dtype=torch.long, device=dev)
        self.pos = torch.zeros(max_batch, dtype=torch.long, device=dev)

    def ready(self, n: int, max_pos: int) -> bool:
        """Whether a launch for n requests at this max position needs no graph capture (always, here)."""
        return True

    def launch(self, n: int, max_pos: int, tokens: list[int] | None = None, pos: list[int] | None = None
               ) -> Callable[[], list[int]]:
        """One greedy decode step for slots [0, n): inputs from `tokens`/`pos` (host lists), or, when both are None,
        from the previous launch's outputs (its argmax tokens, its positions + 1). Returns a function giving the n
        argmax tokens (here already computed)."""
        if tokens is not None and pos is not None:
            self.tokens[:n].copy_(torch.tensor(tokens, dtype=torch.long))
            self.pos[:n].copy_(torch.tensor(pos, dtype=torch.long))
        logits = self.step(self.tokens[:n], self.pos[:n], max_pos + 1)
        nxt = logits.argmax(dim=-1)
        self.tokens[:n].copy_(nxt)
        self.pos[:n].add_(1)
        out = nxt.tolist()
        return lambda: out


class GraphRunner:
    """CUDA-graph replay of :class:`DecodeStep` by (batch bucket, rows bucket); captured lazily on first use.

    Each graph also takes the greedy token of every slot (argmax of the logits, in the graph) into `next_tokens`,
    and feeds it and the position + 1 back into its own input buffers, so the engine can launch the next greedy step
    before it has read this one's tokens (:meth:`launch`; the engine's `pipeline` mode). :meth:`__call__` copies
    host inputs first, so callers that sample on the host are unaffected by the feedback.
    """

    def __init__(self, step: DecodeStep, max_batch: int, vocab_size: int) -> None:
        self.step = step
        self.slots = step.slots
        dev = self.slots.device
        self.max_batch = max_batch
        self.tokens = torch.zeros(max_batch, dtype=torch.long, device=dev)
        self.pos = torch.zeros(max_batch, dtype=torch.long, device=dev)
        self.logits = torch.zeros(max_batch, vocab_size, dtype=compute_dtype(self.slots.dtype), device=dev)
        self.next_tokens = torch.zeros(max_batch, dtype=torch.long, device=dev)
        # two pinned host buffers, alternating: a launch's tokens are copied while the next launch may run
        self._host = [torch.zeros(max_batch, dtype=torch.long, pin_memory=True) for _ in range(2)]
        self._events = [torch.cuda.Event() for _ in range(2)]
        self._turn = 0
        self.graphs: dict[tuple[int, int], torch.cuda.CUDAGraph] = {}
        self.pool = torch.cuda.graph_pool_handle()
        self.capture_seconds = 0.0

    def shape_for(self, n: int, max_pos: int) -> tuple[int, int]:
        return batch_bucket(n, self.max_batch), rows_bucket(max_pos + 1, self.slots.max_seq_len)

    def _body(self, b: int, rows: int) -> None:
        self.step(self.tokens[:b], self.pos[:b], rows, out=self.logits[:b])
        # greedy tokens, fed back for a launch without host inputs
        self.step.greedy(self.logits[:b], self.next_tokens[:b], self.tokens[:b], self.pos[:b])

    def _capture(self, b: int, rows: int) -> torch.cuda.CUDAGraph:
        import time

        t0 = time.perf_counter()
        snapshot = self.slots.mamba_snapshot(b)
        inputs = (self.tokens.clone(), self.pos.clone())  # the warm-up run feeds its outputs back
        stream = torch.cuda.Stream(device=self.slots.device)
        stream.wait_stream(torch.cuda.current_stream(self.slots.device))
        with torch.cuda.stream(stream):
            self._body(b, rows)  # warm-up: kernel selection, Triton compilation, cuBLAS workspaces
        torch.cuda.current_stream(self.slots.device).wait_stream(stream)
        self.slots.mamba_restore(snapshot)
        self.tokens.copy_(inputs[0])
        self.pos.copy_(inputs[1])
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            self._body(b, rows)
        torch.cuda.synchronize(self.slots.device)
        self.capture_seconds += time.perf_counter() - t0
        return graph

    def reset(self) -> None:
        """Drop every captured graph and start a new memory pool (the old pool's memory is freed once the graphs
        are gone); graphs are captured again on demand."""
        self.graphs.clear()
        self.pool = torch.cuda.graph_pool_handle()

    def ensure(self, b: int, rows: int) -> None:
        """Capture the graph for (b, rows) if missing (callers make sure slots [0, b) hold no live request or
        that the static token/position buffers hold this step's inputs)."""
        if (b, rows) not in self.graphs:
            self.graphs[(b, rows)] = self._capture(b, rows)

    def ready(self, n: int, max_pos: int) -> bool:
        """Whether the graph a launch for n requests at this max position replays is captured already."""
        return self.shape_for(n, max_pos) in self.graphs

    def launch(self, n: int, max_pos: int, tokens: list[int] | None = None, pos: list[int] | None = None
               ) -> Callable[[], list[int]]:
        """Replay the step for slots [0, n) without waiting for it: inputs from host lists, or (both None) from the
        previous replay's feedback (its greedy tokens, positions + 1). The greedy tokens are copied to a pinned
        host buffer behind the replay; the returned function waits for that copy only (a later launch may already
        be running) and gives the n tokens. At most two launches may be unread at a time."""
        if tokens is not None and pos is not None:
            self._replay(n, max_pos, torch.tensor(tokens, dtype=torch.long), torch.tensor(pos, dtype=torch.long))
        else:
            self._replay(n, max_pos)
        turn, self._turn = self._turn, self._turn ^ 1
        host, event = self._host[turn], self._events[turn]
        host[:n].copy_(self.next_tokens[:n], non_blocking=True)
        event.record()

        def read() -> list[int]:
            event.synchronize()
            return host[:n].tolist()
        return read

    def __call__(self, tokens: torch.Tensor, pos: torch.Tensor, max_pos: int) -> torch.Tensor:
        """tokens, pos [n] (device tensors) -> logits [n, V] (a view of the static buffer; read before next call)."""
        n = tokens.shape[0]
        self._replay(n, max_pos, tokens, pos)
        return self.logits[:n]

    def _replay(self, n: int, max_pos: int, tokens: torch.Tensor | None = None, pos: torch.Tensor | None = None
                ) -> None:
        """Copy the inputs of slots [0, n) (if given; padding slots get zeros) and replay the graph of their bucket,
        capturing it first if needed. Without inputs the buffers hold the previous replay's feedback."""
        b, rows = self.shape_for(n, max_pos)
        if tokens is not None and pos is not None:
            self.tokens[:n].copy_(tokens)
            self.pos[:n].copy_(pos)
            if b > n:
                self.tokens[n:b].zero_()
                self.pos[n:b].zero_()
        graph = self.graphs.get((b, rows))
        if graph is None:
            graph = self.graphs[(b, rows)] = self._capture(b, rows)
        graph.replay()
