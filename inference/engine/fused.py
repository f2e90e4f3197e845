"""The decode step written for `torch.compile` fusion: plain tensor ops, matrix-vector products as `mm` (+ bias).

:func:`fused_decode_forward` computes exactly what :meth:`inference.engine.decode.DecodeStep.forward` computes (the
model's modules run token by token), but spelled so that Inductor can fuse it:

* every projection is ``torch.mm(x, W.t())`` plus an explicit bias add. With Inductor's
  ``coordinate_descent_tuning`` a batch-1 ``mm`` is decomposed into a Triton reduction (bandwidth-bound, tuned),
  and the producer of ``x`` (LayerNorm output, SiLU gate, differential-attention combine) and the consumer of the
  result (bias, residual add) fuse into it. ``nn.Linear`` with a bias lowers to ``addmm``, which Inductor does
  not decompose and leaves to cuBLAS, one extra kernel each;
* the Mamba decode update (4-tap causal conv, ``x_proj``/``dt_proj``, softplus, the selective state update and the
  gate) is written out with the reference formulas (:func:`mamba_decode_step`), so Inductor fuses the whole chain
  between the projections instead of calling `mamba_ssm`'s Triton kernel (an opaque call it cannot fuse);
* the shared-K/V validity mask [b, rows] is an *input*: its row count is the only shape that changes with the
  context, so marking that dimension dynamic lets one compilation serve every key-row bucket
  (:class:`~inference.engine.decode.GraphRunner` still captures one CUDA graph per bucket, which takes
  milliseconds once the code is compiled).

Shapes: b slots, d hidden size, Di Mamba inner width, K conv taps, N SSM state size, R dt rank, H/Hkv query/key
heads, D head dim, W sliding window, V vocabulary. Numerics as the model: fp32 residual stream (fp64 for fp64
models), LayerNorm inputs cast to the model dtype, gates and the scan in fp32, logits fp32.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..cache import MambaState
from ..config import CROSS_ATTENTION, FULL_ATTENTION
from ..kernels import compute_dtype, selective_state_update_reference
from ..layers import DifferentialAttention, GatedMemoryUnit, Mamba, SwiGLUMLP
from ..model import SambaYForCausalLM
from .attention import diff_decode_attention
from .slots import SlotCache, SlotKV

# Inductor options for the fused decode step (see the module docstring). `coordinate_descent_tuning` is what turns
# the batch-1 mm's into tuned Triton reductions (torch/_inductor/decomposition.py, `mm`). `triton.enable_pdl`
# (PyTorch >= 2.9; used on Hopper and newer only) launches each Triton kernel with Programmatic Dependent Launch,
# so its launch overlaps the previous kernel's tail: measured 4.74 -> 4.50 ms a step on an H100 (docs/benchmarks.md).
FUSED_INDUCTOR_OPTIONS: dict[str, object] = {"coordinate_descent_tuning": True}

if hasattr(getattr(getattr(torch, "_inductor", None), "config", None), "triton") and hasattr(
        torch._inductor.config.triton, "enable_pdl"):  # pragma: no branch - depends on the torch version
    FUSED_INDUCTOR_OPTIONS["triton.enable_pdl"] = True

# Route the projections through the Triton matrix-vector kernels of `.triton_gemv` on CUDA at batch <=
# GEMV_MAX_BATCH (1 for now): every LayerNorm -> projection pair as one kernel (`ln_linear`), fc2 with its SwiGLU in the
# prologue (`swiglu_linear`), Mamba out_proj / x_proj, attention and GMU out_proj plain (`triton_gemv.linear`).
# Read at trace time: set it before the step is compiled. CPU, fp64 models and larger batches keep the torch path.
TRITON_GEMV = False
# The kernels serve b <= 8 (tested), but at b = 8 they measured 0.2-0.8 TB/s against 1.3-2.1 for the torch ops
# (H100, 2026-11-22, bench/bench_triton_gemv.py), so only batch 1 takes them until the batched kernel is fixed.
GEMV_MAX_BATCH = 1
_GEMV_DTYPES = (torch.bfloat16, torch.float16, torch.float32)
_GEMV_DEVICES = ("cuda",)  # tests add "cpu" to run the kernels under the Triton interpreter (TRITON_INTERPRET=1)


def _gemv_on(x: torch.Tensor, dtype: torch.dtype) -> bool:
    """Whether the Triton path serves x [b, *] for a model of `dtype` (guards b <= GEMV_MAX_BATCH when tracing)."""
    return TRITON_GEMV and x.device.type in _GEMV_DEVICES and dtype in _GEMV_DTYPES and x.shape[0] <= GEMV_MAX_BATCH


# Run the attention core (scores, softmax, outputs, differential combine, SubLN) as the two Triton kernels of
# `.triton_attention` on CUDA, instead of the 7-8 torch kernels of `diff_decode_attention` + `diff_combine`. Read at
# trace time: set it before the step is compiled. Shapes the kernels do not serve (head_dim < 16, fp64) and CPU keep
# the torch path. On: measured 3.49 against 3.67 ms/token (H100, batch 1 at 2K context, both compiled in one
# process from a fresh Inductor cache: run 14 in docs/benchmarks.md, 2026-11-23), 383 -> 303 kernels a step.
TRITON_ATTENTION = True


def _attention_kernel_on(qkv: torch.Tensor, mixer: DifferentialAttention) -> bool:
    """Whether the Triton attention core serves this layer's step (CUDA, TRITON_ATTENTION, a supported shape)."""
    if not (TRITON_ATTENTION and qkv.device.type == "cuda"):
        return False
    from . import triton_attention

    return triton_attention.supported(mixer.head_dim, mixer.num_heads, mixer.num_kv_heads, qkv.dtype)


class NormedInput:
    """A LayerNorm output not computed yet: `ln(x.to(dtype))`, x [b, d] the residual stream. :func:`project`
    fuses it into the projection that consumes it (Triton path only)."""

    def __init__(self, x: torch.Tensor, ln: torch.nn.LayerNorm) -> None:
        self.x, self.ln = x, ln
        self.dtype = ln.weight.dtype


def layer_norm_input(ln: torch.nn.LayerNorm, x: torch.Tensor) -> torch.Tensor | NormedInput:
    """ln(x.to(model dtype)) [b, d], or a :class:`NormedInput` where the Triton path fuses it into the next
    projection."""
    dtype = ln.weight.dtype
    return NormedInput(x, ln) if _gemv_on(x, dtype) else ln(x.to(dtype))


def project(h: torch.Tensor | NormedInput, weight: torch.Tensor, bias: torch.Tensor | None = None
            ) -> torch.Tensor:
    """h [b, in] (or a pending LayerNorm of it) @ weight[out, in]^T (+ bias) -> [b, out] in the model dtype."""
    if isinstance(h, NormedInput):
        from . import triton_gemv

        return triton_gemv.ln_linear(h.x, h.ln.weight, h.ln.bias, h.ln.eps, weight, bias)
    if _gemv_on(h, weight.dtype):
        from . import triton_gemv

        return triton_gemv.linear(h, weight, bias)
    return linear(h, weight, bias)


# Split the reduction of narrow projections (few outputs, long rows: fc2 is 2560 x 10240) into slices so a batch-1
# step gives Inductor's reduction kernel more independent rows (see :func:`k_splits`). Read at trace time. Off:
# measured slower on an H100 (run 10, 2026-11-23, bench_engine.py variant "compiled_splitk": 4.91 against 3.65
# ms/token in the same run; fc2 54.0 us against 22.7), kept as a correct, tested alternative formulation.
SPLIT_K = False
# target number of reduction rows (out x slices) and the shortest slice, in elements (fc1's 20480 x 2560 reduction
# measured 2.9 TB/s in the compiled step, fc2's 2560 x 10240 1.8 TB/s; H100, docs/benchmarks.md)
SPLIT_K_ROWS = 20480
SPLIT_K_MIN_SLICE = 1024


def k_splits(out_features: int, in_features: int) -> int:
    """Slices of the reduction for a [out, in] projection (1 = no split, always while SPLIT_K is off): the largest
    power of two S <= 8 with out * S <= SPLIT_K_ROWS, in % S == 0 and in / S >= SPLIT_K_MIN_SLICE. 3.8B model: fc2 2560x10240 -> 8,
    Mamba/GMU out_proj 2560x5120 -> 4, x_proj 192x5120 -> 4, attention out_proj 2560x2560 -> 2, Wqkv / GMU in_proj
    5120x2560 -> 2, in_proj 10240x2560 -> 2, fc1 and the LM head -> 1."""
    if not SPLIT_K:
        return 1
    s = 1
    while (s * 2 <= 8 and out_features * s * 2 <= SPLIT_K_ROWS and in_features % (s * 2) == 0
           and in_features // (s * 2) >= SPLIT_K_MIN_SLICE):
        s *= 2
    return s


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """x [b, in] @ weight[out, in]^T (+ bias [out]) -> [b, out], as `mm` + add (see the module docstring).

    Where :func:`k_splits` gives S > 1 the product is written as S partial dot products over slices of `in`
    (fp32, fp64 for fp64 models: `(W.view(out, S, in/S) * x.view(b, 1, S, in/S)).sum(-1)`, one reduction kernel with out * S rows) whose
    S-term sum Inductor unrolls into the consumer (S <= 8 is below its `unroll_reductions_threshold`); the result
    is rounded to x's dtype once, as `mm` does."""
    out_f, in_f = weight.shape
    S = k_splits(out_f, in_f)
    if S == 1:
        y = torch.mm(x, weight.t())
    else:
        b, c = x.shape[0], compute_dtype(x.dtype)
        part = (weight.view(out_f, S, in_f // S).to(c)[None] * x.view(b, 1, S, in_f // S).to(c)).sum(-1)
        y = part.sum(-1).to(x.dtype)  # [b, out]
    return y if bias is None else y + bias


def conv_step(x: torch.Tensor, conv_state: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """silu(4-tap causal conv) of one token: x [b, Di]; conv_state [b, Di, K] (last K raw inputs, newest last,
    updated in place); weight [Di, K]; bias [Di] -> [b, Di] in x.dtype. Same result as
    :func:`inference.kernels.causal_conv1d_update`, without the roll + copy."""
    window = torch.cat([conv_state[:, :, 1:], x[:, :, None].to(conv_state.dtype)], dim=-1)
    conv_state.copy_(window)
    c = compute_dtype(x.dtype)
    return F.silu((window.to(c) * weight.to(c)).sum(-1) + bias.to(c)).to(x.dtype)


def mamba_decode_step(mixer: Mamba, h: torch.Tensor | NormedInput, state: MambaState
                      ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One token through a Mamba mixer. h [b, d] (model dtype); state.conv [b, Di, K], state.ssm [b, Di, N] updated
    in place -> (out [b, d], memory [b, Di] for the memory layer else None). Same math as `Mamba.step`."""
    dtype = h.dtype
    x, z = project(h, mixer.in_proj.weight).chunk(2, dim=-1)  # [b, Di] each
    x = conv_step(x, state.conv, mixer.conv1d.weight[:, 0, :], mixer.conv1d.bias)
    dt, B, C = project(x, mixer.x_proj.weight).split([mixer.dt_rank, mixer.d_state, mixer.d_state], dim=-1)
    dt = linear(dt, mixer.dt_proj.weight)  # the bias is added inside the update, before softplus
    y = selective_state_update_reference(state.ssm, x, dt, mixer._A(dtype), B, C, mixer.D, mixer.dt_proj.bias,
                                         z=None if mixer.is_memory else z)
    if not mixer.is_memory:
        return project(y, mixer.out_proj.weight), None
    c = compute_dtype(dtype)
    return project((F.silu(z.to(c)) * y.to(c)).to(dtype), mixer.out_proj.weight), y


def gmu_step(mixer: GatedMemoryUnit, h: torch.Tensor | NormedInput, memory: torch.Tensor) -> torch.Tensor:
    """out_proj(silu(in_proj(h)) * memory): h [b, d], memory [b, Di] -> [b, d]."""
    c = compute_dtype(h.dtype)
    gate = F.silu(project(h, mixer.in_proj.weight).to(c)) * memory.to(c)
    return project(gate.to(h.dtype), mixer.out_proj.weight)


def mlp_step(mlp: SwiGLUMLP, h: torch.Tensor | NormedInput) -> torch.Tensor:
    """fc2(silu(gate) * up) with [gate | up] = fc1(h): h [b, d] -> [b, d]."""
    gu = project(h, mlp.fc1.weight)
    if _gemv_on(gu, h.dtype):
        from . import triton_gemv

        return triton_gemv.swiglu_linear(gu, mlp.fc2.weight)
    gate, up = gu.chunk(2, dim=-1)
    c = compute_dtype(h.dtype)
    return linear((F.silu(gate.to(c)) * up.to(c)).to(h.dtype), mlp.fc2.weight)


def diff_combine(mixer: DifferentialAttention, a1: torch.Tensor, a2: torch.Tensor) -> torch.Tensor:
    """DiffCore's tail: SubLN(a1 - lambda a2) * (1 - lambda_init); a1, a2 [b, H/2, 2D] -> [b, H*D]."""
    core = mixer.inner_cross_attn
    o = core.subln(a1 - diff_lambda(mixer, a1.dtype) * a2) * (1 - core.lambda_init)
    return o.reshape(o.shape[0], -1)


def diff_lambda(mixer: DifferentialAttention, dtype: torch.dtype) -> torch.Tensor:
    """lambda = exp(q1 . k1) - exp(q2 . k2) + lambda_init, a 0-d tensor of `dtype`.

    It depends on weights only, and computing it inside the step cost two kernels per attention layer (32 a step for
    the 3.8B model), so :func:`precompute_diff_lambdas` keeps it on the module as a non-persistent buffer
    (`_decode_lambda`; not in the state dict, moved by `.to()`), which the compiled step reads as an input. Without
    that buffer, or for another dtype, it is computed here. The engine never changes weights after loading; a caller
    that does must call :func:`precompute_diff_lambdas` again. (Only plain attribute reads here: PyTorch 2.11's
    Dynamo breaks the graph on `module.__dict__` methods, which made the whole step run uncompiled.)"""
    core = mixer.inner_cross_attn
    lam = getattr(core, "_decode_lambda", None)
    if lam is not None and lam.dtype == dtype:
        return lam
    c = compute_dtype(dtype)
    lam1 = torch.exp(torch.sum(core.lambda_q1 * core.lambda_k1).to(c)).to(dtype)
    lam2 = torch.exp(torch.sum(core.lambda_q2 * core.lambda_k2).to(c)).to(dtype)
    return lam1 - lam2 + core.lambda_init


def precompute_diff_lambdas(model: SambaYForCausalLM) -> None:
    """Store every differential-attention layer's lambda (in the model's dtype) for :func:`diff_lambda`."""
    dtype = model.model.embed_tokens.weight.dtype
    for layer in model.model.layers:
        if isinstance(layer.attn, DifferentialAttention):
            core = layer.attn.inner_cross_attn
            if "_decode_lambda" in core._buffers:
                del core._buffers["_decode_lambda"]
            with torch.no_grad():
                lam = diff_lambda(layer.attn, dtype).detach().clone()
            core.register_buffer("_decode_lambda", lam, persistent=False)


def fused_decode_forward(model: SambaYForCausalLM, slots: SlotCache, tokens: torch.Tensor, pos: torch.Tensor,
                         valid_full: torch.Tensor) -> torch.Tensor:
    """One decode step for slots [0, b). tokens, pos [b] (int64; pos = tokens already held); valid_full [b, rows]
    bool (row j < rows of the shared K/V is visible to slot i: j <= pos[i]) -> logits [b, V] (fp32; fp64 for fp64
    models). Writes this token's K/V rows and Mamba states into `slots`."""
    m = model.model
    config = model.config
    b = tokens.shape[0]
    rows = valid_full.shape[1]
    dtype = m.embed_tokens.weight.dtype
    dev = tokens.device
    bidx = torch.arange(b, device=dev)
    W = config.sliding_window or 1
    valid_ring = torch.arange(W, device=dev)[None, :] <= pos[:, None]  # [b, W]
    ring_row = pos % W
    x = m.embed_tokens(tokens).to(compute_dtype(dtype))  # residual stream [b, d]
    memory: torch.Tensor | None = None
    shared: SlotKV | None = None
    for i, layer in enumerate(m.layers):
        h = layer_norm_input(layer.input_layernorm, x)
        mixer = layer.attn
        if isinstance(mixer, Mamba):
            st = slots.layers[i]
            assert isinstance(st, MambaState)
            a, mem = mamba_decode_step(mixer, h, MambaState(st.conv[:b], st.ssm[:b]))
            if mixer.is_memory:
                memory = mem
        elif isinstance(mixer, GatedMemoryUnit):
            assert memory is not None
            a = gmu_step(mixer, h, memory)
        else:
            assert isinstance(mixer, DifferentialAttention)
            kind = config.layer_types[i]
            H, Hkv, D = mixer.num_heads, mixer.num_kv_heads, mixer.head_dim
            qkv = project(h, mixer.Wqkv.weight, mixer.Wqkv.bias)
            q = qkv[:, : H * D].view(b, H, D)
            if kind == CROSS_ATTENTION:
                assert shared is not None
                keys, values, valid = shared.k[:b, :, :rows], shared.v[:b, :, :rows], valid_full
            else:
                kv = slots.layers[i]
                assert isinstance(kv, SlotKV)
                k = qkv[:, H * D: (H + Hkv) * D].view(b, Hkv, D)
                v = qkv[:, (H + Hkv) * D:].reshape(b, Hkv // 2, 2 * D)
                row = ring_row if kv.ring else pos
                kv.k[bidx, :, row] = k.to(kv.k.dtype)
                kv.v[bidx, :, row] = v.to(kv.v.dtype)
                if kv.ring:
                    keys, values, valid = kv.k[:b], kv.v[:b], valid_ring
                else:
                    keys, values, valid = kv.k[:b, :, :rows], kv.v[:b, :, :rows], valid_full
                if kind == FULL_ATTENTION and i == config.kv_layer:
                    shared = kv
            if _attention_kernel_on(qkv, mixer):
                from . import triton_attention

                core = mixer.inner_cross_attn
                whole = shared if kind == CROSS_ATTENTION else kv
                assert whole is not None
                o = triton_attention.diff_decode_attention_combined(  # valid[i, j] == (j <= pos[i]), j < rows
                    qkv, whole.k, whole.v, pos, valid.shape[1], diff_lambda(mixer, dtype), core.subln.weight,
                    core.subln.eps, core.lambda_init, H)
            else:
                a1, a2 = diff_decode_attention(q, keys, values, valid)
                o = diff_combine(mixer, a1, a2)
            a = project(o, mixer.out_proj.weight, mixer.out_proj.bias)
        x = x + a.to(x.dtype)
        x = x + mlp_step(layer.mlp, layer_norm_input(layer.post_attention_layernorm, x)).to(x.dtype)
    hidden = layer_norm_input(m.final_layernorm, x)
    return project(hidden, model.lm_head.weight).to(compute_dtype(dtype))
