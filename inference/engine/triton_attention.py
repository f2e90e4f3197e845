"""Differential decode attention in two Triton kernels: split-K attention over the key rows, then the combine.

The compiled decode step (:mod:`.fused`) spelled the attention core as torch ops: a copy of the queries into the
grouped layout, a batched matmul for the scores, a masked softmax (two kernels), a batched matmul for the outputs,
and the differential combine with its SubLN (two more kernels, the rest folded into the out_proj reduction). On an
H100 that is 7-8 kernels and 14 us per sliding-window layer, 24 us per cross-attention layer over 2K keys (run 10,
docs/benchmarks.md), for 1-10 MB of keys and values. Here it is two kernels (flash-decoding):

1. :func:`_diff_partial_kernel`, grid (b, Hkv/2, S): program (i, m, s) takes value pair m of slot i (key heads 2m
   and 2m+1, the 2 * rep query heads that read them, see :mod:`.attention`) and the s-th of S slices of the key
   rows, and keeps an online softmax per query head over its rows: running max, running sum, and the unnormalised
   2D-wide output, written as fp32 partials;
2. :func:`_diff_combine_kernel`, grid (b, H/2): program (i, h) merges the S partials of branch-local head h's two
   query heads (one per branch), then computes the differential combine of
   :class:`~inference.layers.attention.DiffCore`, ``SubLN(a1 - lambda * a2) * (1 - lambda_init)``, and writes it to
   columns [2D h, 2D (h + 1)) of the output [b, H * D] in the model dtype.

Numerics: scores and softmax in fp32 (the torch path rounds the scores to the model dtype first), the
probabilities rounded to the value dtype before the product with V, as the torch path does; a1 and a2 rounded to
the model dtype, then the combine with the torch path's rounding points (``lambda * a2``, the difference, the
normalised value, the SubLN weight product and the final scale each rounded to the model dtype). The result
matches :func:`.attention.diff_decode_attention` + :func:`.fused.diff_combine` to bf16 noise (GPU tests).

Shapes: q [b, H * D] (a row slice of the fused q|k|v projection is fine: only the row stride is used); k [b_all,
Hkv, R_all, D] and v [b_all, Hkv/2, R_all, 2D] (the :class:`~inference.engine.slots.SlotKV` buffers, whole: the
kernel reads rows [0, R) of slots [0, b)); pos [b] int64 and R: slot i sees rows j < R with j <= pos[i] (the
decode step's masks, computed in the kernel, so no mask is read). D must be a power of two >= 16 (``tl.dot``);
:func:`supported` says whether a shape is served. Triton is imported only where available.
"""

from __future__ import annotations

import math

import torch

try:  # CI and CPU machines have no Triton
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None
    tl = None

AVAILABLE = triton is not None

# key rows per program (the S slices are multiples of it) and the query-row tile (tl.dot needs >= 16 rows; a program
# has 2 * rep = 4 query heads for the 3.8B model, so most rows of the tile are padding and cost nothing measurable:
# the kernel is bound by reading K and V)
BLOCK_R = 64
QB = 16
# rows each split aims at: ROWS_PER_SPLIT up to LONG_ROWS keys (a 512-key window -> 8 slices), twice that beyond
# (2K keys -> 16 slices of 128 rows; b * Hkv/2 * S programs). Batch 1 on an H100 (run 29, docs/benchmarks.md): 64
# rows a slice is faster for the 512-key window (7.2 against 8.4 us a layer), 128 for 2K keys (9.1 against 11.4:
# the combine merges half as many partials; run 30: the step 3.242 against 3.266 ms with 64 rows everywhere)
ROWS_PER_SPLIT = 64
LONG_ROWS = 1024
MAX_SPLITS = 128


def supported(head_dim: int, num_heads: int, num_kv_heads: int, dtype: torch.dtype) -> bool:
    """Whether the kernels serve this attention shape and dtype (bf16, fp16, fp32; head_dim a power of two >= 16)."""
    rep = num_heads // max(num_kv_heads, 1)
    return (AVAILABLE and dtype in (torch.bfloat16, torch.float16, torch.float32) and head_dim >= 16
            and head_dim & (head_dim - 1) == 0 and num_kv_heads % 2 == 0 and 1 <= rep <= QB)


def num_splits(rows: int) -> int:
    """S, the slices of the key rows: about ROWS_PER_SPLIT rows each (2 * ROWS_PER_SPLIT past LONG_ROWS rows), at
    most MAX_SPLITS."""
    per = ROWS_PER_SPLIT if rows <= LONG_ROWS else 2 * ROWS_PER_SPLIT
    return max(1, min(MAX_SPLITS, -(-rows // per)))


if triton is not None:

    @triton.jit
    def _diff_partial_kernel(q_ptr, q_stride, k_ptr, k_sb, k_sh, k_sr, v_ptr, v_sb, v_sh, v_sr, pos_ptr,
                             part_o_ptr, part_ml_ptr, R, rows_per_split, scale,
                             S: tl.constexpr, D: tl.constexpr, REP: tl.constexpr, QB: tl.constexpr,
                             BLOCK_R: tl.constexpr, IEEE: tl.constexpr, PDL: tl.constexpr):
        if PDL:  # let the combine launch now (it waits for these results); wait for q and this token's K/V row
            tl.extra.cuda.gdc_launch_dependents()
            tl.extra.cuda.gdc_wait()
        i = tl.program_id(0)
        m = tl.program_id(1)
        s = tl.program_id(2)
        G = tl.num_programs(1)
        a = tl.arange(0, QB)
        d = tl.arange(0, D)
        d2 = tl.arange(0, 2 * D)
        amask = a < REP
        last = tl.load(pos_ptr + i)  # rows 0..last are visible
        # query head of branch br and branch-local head m * REP + a: h = 2 (m REP + a) + br
        qrow = q_ptr + i * q_stride + (2 * (m * REP + a))[:, None] * D + d[None, :]
        q0 = tl.load(qrow, mask=amask[:, None], other=0.0)
        q1 = tl.load(qrow + D, mask=amask[:, None], other=0.0)
        m0 = tl.full([QB], -1.0e30, tl.float32)
        m1 = tl.full([QB], -1.0e30, tl.float32)
        l0 = tl.zeros([QB], tl.float32)
        l1 = tl.zeros([QB], tl.float32)
        acc0 = tl.zeros([QB, 2 * D], tl.float32)
        acc1 = tl.zeros([QB, 2 * D], tl.float32)
        # 64-bit slot offsets: a serving batch's caches pass 2^31 elements (253 slots of 34K rows: 2.3e10)
        k0_base = k_ptr + i.to(tl.int64) * k_sb + (2 * m) * k_sh
        k1_base = k0_base + k_sh
        v_base = v_ptr + i.to(tl.int64) * v_sb + m * v_sh
        start = s * rows_per_split
        end = tl.minimum(start + rows_per_split, R)
        for r0 in range(start, end, BLOCK_R):
            r = r0 + tl.arange(0, BLOCK_R)
            # rows not visible are not read either: whatever they hold (an old request's keys, NaN) cannot leak
            ok = (r < end) & (r <= last)
            k0 = tl.load(k0_base + r[:, None] * k_sr + d[None, :], mask=ok[:, None], other=0.0)
            k1 = tl.load(k1_base + r[:, None] * k_sr + d[None, :], mask=ok[:, None], other=0.0)
            v = tl.load(v_base + r[:, None] * v_sr + d2[None, :], mask=ok[:, None], other=0.0)
            if IEEE:
                s0 = tl.dot(q0, tl.trans(k0), input_precision="ieee")
                s1 = tl.dot(q1, tl.trans(k1), input_precision="ieee")
            else:
                s0 = tl.dot(q0, tl.trans(k0))
                s1 = tl.dot(q1, tl.trans(k1))
            s0 = tl.where(ok[None, :], s0 * scale, float("-inf"))
            s1 = tl.where(ok[None, :], s1 * scale, float("-inf"))
            n0 = tl.maximum(m0, tl.max(s0, 1))
            n1 = tl.maximum(m1, tl.max(s1, 1))
            p0 = tl.exp(s0 - n0[:, None])
            p1 = tl.exp(s1 - n1[:, None])
            al0 = tl.exp(m0 - n0)
            al1 = tl.exp(m1 - n1)
            l0 = l0 * al0 + tl.sum(p0, 1)
            l1 = l1 * al1 + tl.sum(p1, 1)
            if IEEE:
                acc0 = acc0 * al0[:, None] + tl.dot(p0.to(v.dtype), v, input_precision="ieee")
                acc1 = acc1 * al1[:, None] + tl.dot(p1.to(v.dtype), v, input_precision="ieee")
            else:
                acc0 = acc0 * al0[:, None] + tl.dot(p0.to(v.dtype), v)
                acc1 = acc1 * al1[:, None] + tl.dot(p1.to(v.dtype), v)
            m0 = n0
            m1 = n1
        # partials: o [b, G, REP, 2, S, 2D], ml [b, G, REP, 2, S, 2] (max, sum): a combine program reads one
        # (head, branch) as a contiguous [S, 2D] tile
        hb = ((i * G + m) * REP + a) * 2  # [QB]: row (i, m, a, branch 0)
        o_ptr = part_o_ptr + ((hb * S + s) * (2 * D))[:, None] + d2[None, :]
        tl.store(o_ptr, acc0, mask=amask[:, None])
        tl.store(o_ptr + S * 2 * D, acc1, mask=amask[:, None])
        ml_ptr = part_ml_ptr + (hb * S + s) * 2
        tl.store(ml_ptr, m0, mask=amask)
        tl.store(ml_ptr + 1, l0, mask=amask)
        tl.store(ml_ptr + S * 2, m1, mask=amask)
        tl.store(ml_ptr + S * 2 + 1, l1, mask=amask)

    @triton.jit
    def _merge(part_o_ptr, part_ml_ptr, row, S: tl.constexpr, SP: tl.constexpr, D: tl.constexpr):
        """The S partials of one (slot, head, branch) `row` merged: [2D] fp32."""
        sp = tl.arange(0, SP)
        d2 = tl.arange(0, 2 * D)
        smask = sp < S
        mx = tl.load(part_ml_ptr + (row * S + sp) * 2, mask=smask, other=-1.0e30)
        sm = tl.load(part_ml_ptr + (row * S + sp) * 2 + 1, mask=smask, other=0.0)
        o = tl.load(part_o_ptr + (row * S + sp)[:, None] * (2 * D) + d2[None, :], mask=smask[:, None], other=0.0)
        w = tl.exp(mx - tl.max(mx, 0))
        return tl.sum(o * w[:, None], 0) / tl.sum(sm * w, 0)

    @triton.jit
    def _diff_combine_kernel(part_o_ptr, part_ml_ptr, lam_ptr, w_ptr, out_ptr, out_stride, eps, post_scale,
                             S: tl.constexpr, SP: tl.constexpr, D: tl.constexpr, PDL: tl.constexpr):
        if PDL:  # let out_proj launch now (it loads its first weights, then waits for this output)
            tl.extra.cuda.gdc_launch_dependents()
            tl.extra.cuda.gdc_wait()
        i = tl.program_id(0)
        h = tl.program_id(1)  # branch-local head m * REP + a
        d2 = tl.arange(0, 2 * D)
        dt = out_ptr.dtype.element_ty
        row = (i * tl.num_programs(1) + h) * 2
        a1 = _merge(part_o_ptr, part_ml_ptr, row, S, SP, D).to(dt)
        a2 = _merge(part_o_ptr, part_ml_ptr, row + 1, S, SP, D).to(dt)
        lam = tl.load(lam_ptr).to(tl.float32)
        la2 = (lam * a2.to(tl.float32)).to(dt)
        x = (a1.to(tl.float32) - la2.to(tl.float32)).to(dt).to(tl.float32)
        rs = 1.0 / tl.sqrt(tl.sum(x * x, 0) / (2 * D) + eps)
        y = (x * rs).to(dt).to(tl.float32)
        y = (tl.load(w_ptr + d2).to(tl.float32) * y).to(dt).to(tl.float32)
        tl.store(out_ptr + i * out_stride + h * (2 * D) + d2, (y * post_scale).to(dt))


def launch(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pos: torch.Tensor, rows: int, lam: torch.Tensor,
           subln_weight: torch.Tensor, eps: float, post_scale: float, num_heads: int, pdl: bool = False
           ) -> torch.Tensor:
    """Run both kernels directly (no custom op; arguments as :func:`diff_decode_attention_combined` with
    post_scale = 1 - lambda_init). `pdl`: launch both with Programmatic Dependent Launch (Hopper+), each letting
    its dependent launch at once (the batch-1 Triton step of :mod:`.triton_decode`).

    (Tried: the combine done by the last slice of each value pair inside the partial kernel, one kernel instead of
    two. Slower at 2K keys on an H100, the merge then runs in 10 programs instead of 20: run 18, docs/benchmarks.md.)
    """
    b = pos.shape[0]
    Hkv, D = k.shape[1], k.shape[3]
    G, rep = Hkv // 2, num_heads // Hkv
    S = num_splits(rows)
    per = -(-rows // S)
    per = -(-per // BLOCK_R) * BLOCK_R
    S = -(-rows // per)
    part_o = torch.empty(b, G, rep, 2, S, 2 * D, device=q.device, dtype=torch.float32)
    part_ml = torch.empty(b, G, rep, 2, S, 2, device=q.device, dtype=torch.float32)
    out = torch.empty(b, num_heads * D, device=q.device, dtype=q.dtype)
    # software-pipeline stages that fit in shared memory (fp32 with D = 128 fits one)
    stage_bytes = BLOCK_R * 4 * D * q.element_size()
    stages = max(1, min(3, (160 * 1024) // stage_bytes))
    extra = {"launch_pdl": True} if pdl else {}
    _diff_partial_kernel[(b, G, S)](q, q.stride(0), k, k.stride(0), k.stride(1), k.stride(2), v, v.stride(0),
                                    v.stride(1), v.stride(2), pos, part_o, part_ml, rows, per, D ** -0.5, S=S,
                                    D=D, REP=rep, QB=QB, BLOCK_R=BLOCK_R, IEEE=q.dtype == torch.float32, PDL=pdl,
                                    num_warps=4, num_stages=stages, **extra)
    _diff_combine_kernel[(b, G * rep)](part_o, part_ml, lam, subln_weight, out, out.stride(0), eps, post_scale,
                                       S=S, SP=triton.next_power_of_2(S), D=D, PDL=pdl,
                                       num_warps=4 if S <= 32 else 8, **extra)
    return out


def _register() -> object:
    from torch.library import custom_op

    @custom_op("sambay::diff_decode_attn", mutates_args=())
    def diff_decode_attn(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pos: torch.Tensor, rows: int,
                         lam: torch.Tensor, subln_weight: torch.Tensor, eps: float, post_scale: float,
                         num_heads: int) -> torch.Tensor:
        return launch(q, k, v, pos, rows, lam, subln_weight, eps, post_scale, num_heads)

    @diff_decode_attn.register_fake
    def _(q, k, v, pos, rows, lam, subln_weight, eps, post_scale, num_heads):
        return q.new_empty(pos.shape[0], num_heads * k.shape[3])

    return torch.ops.sambay.diff_decode_attn.default


# registered once, at first import (outside any traced region: Dynamo imports for real)
_OP = _register() if triton is not None else None


def diff_decode_attention_combined(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pos: torch.Tensor, rows: int,
                                   lam: torch.Tensor, subln_weight: torch.Tensor, eps: float, lambda_init: float,
                                   num_heads: int) -> torch.Tensor:
    """SubLN(a1 - lam a2) * (1 - lambda_init) of differential decode attention -> [b, H * D] in q's dtype.

    q [b, >= H * D] (row-strided, last dim contiguous; columns [0, H*D) are the queries); k [B, Hkv, R', D],
    v [B, Hkv/2, R', 2D] (B >= b slots, R' >= rows); pos [b] int64: slot i sees key rows j < rows with j <= pos[i]
    (the decode step's masks: the shared K/V up to the token's position, a ring buffer whole once full); lam 0-d;
    subln_weight [2D]."""
    if _OP is None:
        raise RuntimeError("inference.engine.triton_attention needs Triton (a CUDA machine)")
    if q.stride(-1) != 1 or k.stride(-1) != 1 or v.stride(-1) != 1:
        raise ValueError("q, k and v need a contiguous last dimension")
    if not math.isfinite(eps):
        raise ValueError("eps must be finite")
    return _OP(q, k, v, pos, rows, lam, subln_weight, float(eps), float(1.0 - lambda_init), int(num_heads))
