"""The batch-1 decode step as ~6 hand-written Triton kernels a layer, for CUDA-graph capture (no torch.compile).

:func:`.fused.fused_decode_forward` compiled by Inductor leaves about 300 kernels a step for the 3.8B model, 64 of
them LayerNorm statistics, and its tile sizes are tuned anew, with some noise, at every compilation. At batch 1
the step is a chain of matrix-vector products, so this module writes it as exactly that chain, each product one
:func:`.triton_decode_kernels.projection` with its neighbours inside (shapes of the 3.8B model):

=================  ==============================================================================================
layer              kernels (prologue -> projection -> epilogue)
=================  ==============================================================================================
Mamba              LayerNorm -> in_proj -> causal conv + silu, conv state shifted; x_proj;
                   :func:`~.triton_decode_kernels.mamba_update` (dt_proj, softplus, state update, gate);
                   out_proj -> residual
attention          LayerNorm -> Wqkv (+bias) -> K/V cache row; the two kernels of :mod:`.triton_attention`;
                   out_proj (+bias) -> residual (cross-attention: Wqkv makes queries only, reads the shared K/V)
GMU                :func:`~.triton_decode_kernels.updown`: LayerNorm -> in_proj -> silu * memory -> out_proj
                   (transposed), then the partial sums -> residual (2 kernels)
every MLP          :func:`~.triton_decode_kernels.updown`: LayerNorm -> fc1 -> SwiGLU -> fc2 (transposed), then the
                   partial sums -> residual (2 kernels)
end                final LayerNorm -> LM head -> fp32 logits
=================  ==============================================================================================

That is 6 kernels for a Mamba or attention layer with its MLP, 4 for a GMU layer: 180 for the 3.8B model, with no
separate LayerNorm, residual add, K/V write or Mamba elementwise kernel, and no wait between an MLP's (or GMU's)
two projections. With :data:`UPDOWN` off the MLP and GMU run as two projections each (the down projection with
the SwiGLU / the gate in its prologue), and no transposed copies are kept. The numerics are the compiled step's
(:mod:`.fused`: LayerNorm / SwiGLU / conv / dt / projection outputs rounded to the model dtype; statistics, gates
and the state in fp32; fp32 residual stream and logits), so it is tested against the eager step like that one.

:class:`TritonDecode` serves one slot (slot 0: batch 1) of a :class:`~.slots.SlotCache`; :func:`supported` says
whether a model can use it (CUDA with Triton; bf16, fp16 or fp32; head dims the attention kernels take; SwiGLU
MLPs; d_conv <= 8). The engine's :class:`~.decode.DecodeStep` uses it for batch-1 steps on CUDA (switch
:data:`ENABLED`); larger batches take the compiled step.
"""

from __future__ import annotations

import os

import torch

from ..config import CROSS_ATTENTION, FULL_ATTENTION
from ..layers import DifferentialAttention, GatedMemoryUnit, Mamba
from ..model import SambaYForCausalLM
from . import triton_attention
from . import triton_decode_kernels as kd
from .fused import diff_lambda, precompute_diff_lambdas
from .slots import SlotCache, SlotKV

# Use this step for batch-1 decode on CUDA (read when a DecodeStep is made).
ENABLED = True
# out_proj after the attention combine and after the Mamba update prefetches its weights into L2 while that short
# kernel runs (Programmatic Dependent Launch lets it launch early; Hopper+). Read at each call (graph capture). Off:
# no measurable gain on an H100 (run 20, docs/benchmarks.md: 3.307 with against 3.298 ms/token without).
L2_PREFETCH = False
# Each MLP and GMU as one :func:`.triton_decode_kernels.updown` (the down projection streamed in the up projection's
# kernel, then a short sum kernel) instead of two projections. Read when a TritonDecode is made: it then keeps the
# down projections' weights transposed (a copy: 1.9 GB more for the 3.8B model in bf16).
UPDOWN = True
_DTYPES = (torch.bfloat16, torch.float16, torch.float32)


def supported(model: SambaYForCausalLM) -> bool:
    """Whether :class:`TritonDecode` serves this model: Triton, CUDA (or the Triton interpreter, for tests), a
    supported dtype and attention shape, conv width <= 8."""
    c = model.config
    dtype = model.model.embed_tokens.weight.dtype
    on_device = model.device.type == "cuda" or (os.environ.get("TRITON_INTERPRET") == "1")
    return (kd.AVAILABLE and triton_attention.AVAILABLE and on_device and dtype in _DTYPES
            and triton_attention.supported(c.head_dim, c.num_attention_heads, c.num_key_value_heads, dtype)
            and c.mamba_d_conv <= 8)


def updown_copy_bytes(model: SambaYForCausalLM) -> int:
    """Bytes of the transposed down-projection weights a :class:`TritonDecode` of `model` keeps for
    :func:`.triton_decode_kernels.updown` (the MLPs' fc2 and the GMUs' out_proj; 1,861,222,400 for the 3.8B model in
    bf16); 0 with :data:`UPDOWN` off or a model too wide for updown. Memory planners subtract it."""
    if not _updown_on(model.config):
        return 0
    return sum(layer.mlp.fc2.weight.nbytes
               + (layer.attn.out_proj.weight.nbytes if isinstance(layer.attn, GatedMemoryUnit) else 0)
               for layer in model.model.layers)


def _updown_on(c) -> bool:
    return bool(UPDOWN) and c.hidden_size <= kd.UPDOWN_MAX


class TritonDecode:
    """Callable: (tokens [1] int64, pos [1] int64, rows) -> logits [1, V] fp32 for slot 0 of `slots`.

    pos = tokens already held by the slot (this token's position); rows = shared-K/V rows the cross-attention reads
    (> pos; rows past pos are not read). Writes this token's K/V rows and Mamba states into slot 0, like
    :meth:`.decode.DecodeStep.forward`. Weight-only constants (A = -exp(A_log), the differential-attention lambdas)
    and, with :data:`UPDOWN`, the transposed copies of the MLPs' fc2 and the GMUs' out_proj weights (1.9 GB for the
    3.8B model in bf16) are made here once: a caller that changes the weights makes a new one."""

    def __init__(self, model: SambaYForCausalLM, slots: SlotCache) -> None:
        if not supported(model):
            raise RuntimeError("TritonDecode does not serve this model or device (see triton_decode.supported)")
        self.model, self.slots = model, slots
        self.config = c = model.config
        self.dtype = model.model.embed_tokens.weight.dtype
        dev = model.device
        precompute_diff_lambdas(model)
        self._A = {i: layer.attn._A(self.dtype).float().contiguous() for i, layer in enumerate(model.model.layers)
                   if isinstance(layer.attn, Mamba)}
        widest = max(p.shape[0] for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n)
        # the down projections W2 [d, M] as W2^T [M, d] contiguous, for updown (MLP fc2, GMU out_proj)
        # (key i: layer i's MLP; key -1 - i: layer i's GMU)
        self._down: dict[int, torch.Tensor] = {}
        rows = 0
        if _updown_on(c):
            for i, layer in enumerate(model.model.layers):
                self._down[i] = layer.mlp.fc2.weight.t().contiguous()
                rows = max(rows, kd.updown_programs(self._down[i].shape[0], c.hidden_size, kd.MLP, dev))
                if isinstance(layer.attn, GatedMemoryUnit):
                    self._down[-1 - i] = layer.attn.out_proj.weight.t().contiguous()
                    rows = max(rows, kd.updown_programs(self._down[-1 - i].shape[0], c.hidden_size, kd.GMU, dev))
        self.ws = kd.Workspace(widest, dev, updown_floats=rows * c.hidden_size)
        # Programmatic Dependent Launch where the GPU has it (Hopper+); the interpreter has none
        kd.PDL = dev.type == "cuda" and torch.cuda.get_device_capability(dev)[0] >= 9

    @torch.inference_mode()
    def __call__(self, tokens: torch.Tensor, pos: torch.Tensor, rows: int, out: torch.Tensor | None = None
                 ) -> torch.Tensor:
        """-> logits [1, V] fp32 (written into `out` [1, V] fp32 when given, and returned)."""
        if tokens.shape != (1,) or pos.shape != (1,):
            raise ValueError(f"TritonDecode serves one slot: tokens {tuple(tokens.shape)}, pos {tuple(pos.shape)}")
        m, c, dt, ws, P = self.model.model, self.config, self.dtype, self.ws, kd.projection
        dev = tokens.device
        f32 = torch.float32
        d = c.hidden_size
        x = kd.embed(tokens, m.embed_tokens.weight, torch.empty(d, device=dev, dtype=f32))  # residual stream
        memory: torch.Tensor | None = None
        shared: SlotKV | None = None
        for i, layer in enumerate(m.layers):
            ln, mixer = layer.input_layernorm, layer.attn
            if isinstance(mixer, Mamba):
                st = self.slots.layers[i]
                Di = mixer.d_inner
                conv_state, conv_w = st.conv[0], mixer.conv1d.weight[:, 0, :]
                xc = torch.empty(Di, device=dev, dtype=dt)
                xz = P(x, mixer.in_proj.weight, torch.empty(2 * Di, device=dev, dtype=dt), ws,
                       prologue=kd.LAYERNORM, ln=ln, epilogue=kd.CONV_STATE,
                       conv=(conv_state, conv_w, mixer.conv1d.bias, xc))
                xp = P(xc, mixer.x_proj.weight, torch.empty(mixer.x_proj.weight.shape[0], device=dev, dtype=dt), ws)
                y = torch.empty(Di, device=dev, dtype=dt)
                gated = torch.empty(Di, device=dev, dtype=dt) if mixer.is_memory else None
                kd.mamba_update(xz, xc, xp, mixer.dt_proj.weight, mixer.dt_proj.bias, self._A[i], mixer.D,
                                st.ssm[0], y, gated)
                x = P(y if gated is None else gated, mixer.out_proj.weight, torch.empty(d, device=dev, dtype=f32),
                      ws, epilogue=kd.RESIDUAL, res=x, prefetch_l2=L2_PREFETCH)
                if gated is not None:
                    memory = y
            elif isinstance(mixer, GatedMemoryUnit):
                assert memory is not None
                if -1 - i in self._down:
                    x = kd.updown(x, mixer.in_proj.weight, self._down[-1 - i], torch.empty(d, device=dev, dtype=f32),
                                  x, ws, ln=ln, kind=kd.GMU, mem=memory)
                else:
                    gate = P(x, mixer.in_proj.weight, torch.empty(mixer.in_proj.weight.shape[0], device=dev,
                                                                  dtype=dt),
                             ws, prologue=kd.LAYERNORM, ln=ln, epilogue=kd.SILU_MUL, mem=memory)
                    x = P(gate, mixer.out_proj.weight, torch.empty(d, device=dev, dtype=f32), ws,
                          epilogue=kd.RESIDUAL, res=x)
            else:
                assert isinstance(mixer, DifferentialAttention)
                kind = c.layer_types[i]
                H, Hkv, D = mixer.num_heads, mixer.num_kv_heads, mixer.head_dim
                qkv = torch.empty(mixer.Wqkv.weight.shape[0], device=dev, dtype=dt)
                if kind == CROSS_ATTENTION:
                    assert shared is not None
                    cache, visible = shared, rows
                    P(x, mixer.Wqkv.weight, qkv, ws, prologue=kd.LAYERNORM, ln=ln, bias=mixer.Wqkv.bias)
                else:
                    cache = self.slots.layers[i]
                    assert isinstance(cache, SlotKV)
                    ring = cache.rows if cache.ring else 0
                    visible = cache.rows if cache.ring else rows
                    P(x, mixer.Wqkv.weight, qkv, ws, prologue=kd.LAYERNORM, ln=ln, bias=mixer.Wqkv.bias,
                      epilogue=kd.KV, kv=(cache.k[0], cache.v[0], pos, H * D, Hkv * D, ring))
                    if kind == FULL_ATTENTION and i == c.kv_layer:
                        shared = cache
                core = mixer.inner_cross_attn
                o = triton_attention.launch(qkv[None], cache.k, cache.v, pos, visible, diff_lambda(mixer, dt),
                                             core.subln.weight, core.subln.eps, 1.0 - core.lambda_init, H,
                                             pdl=kd.PDL)
                x = P(o[0], mixer.out_proj.weight, torch.empty(d, device=dev, dtype=f32), ws, epilogue=kd.RESIDUAL,
                      res=x, bias=mixer.out_proj.bias, prefetch_l2=L2_PREFETCH)
            mlp = layer.mlp
            if i in self._down:
                x = kd.updown(x, mlp.fc1.weight, self._down[i], torch.empty(d, device=dev, dtype=f32), x, ws,
                              ln=layer.post_attention_layernorm)
            else:
                gu = P(x, mlp.fc1.weight, torch.empty(mlp.fc1.weight.shape[0], device=dev, dtype=dt), ws,
                       prologue=kd.LAYERNORM, ln=layer.post_attention_layernorm)
                x = P(gu, mlp.fc2.weight, torch.empty(d, device=dev, dtype=f32), ws, prologue=kd.SWIGLU,
                      epilogue=kd.RESIDUAL, res=x)
        V = self.model.lm_head.weight.shape[0]
        if out is None:
            out = torch.empty(1, V, device=dev, dtype=f32)
        P(x, self.model.lm_head.weight, out[0], ws, prologue=kd.LAYERNORM, ln=m.final_layernorm)
        return out

    def greedy(self, logits: torch.Tensor, next_tokens: torch.Tensor, tokens: torch.Tensor, pos: torch.Tensor
               ) -> None:
        """argmax(logits [1, V]) into next_tokens[0] and tokens[0], pos[0] += 1, in one kernel."""
        kd.greedy(logits[0], next_tokens, tokens, pos, self.ws)
