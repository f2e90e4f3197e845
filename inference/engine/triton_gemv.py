"""Triton matrix-vector kernels for the decode step at batch 1..8, with the projection's producer in the prologue.

Three ops, each one kernel launch (plus, where K is split over several programs, a deterministic ``sum(0)`` that
the caller's compiled graph fuses into the next pointwise kernel):

* :func:`ln_linear` ``(x [b, K] fp32, LayerNorm weight/bias [K], eps, W [N, K], bias [N]?) -> [b, N]`` in
  ``W.dtype``: ``F.linear(F.layer_norm(x.to(W.dtype), (K,), ln_w, ln_b, eps), W, bias)``. Every program computes
  the LayerNorm statistics of the (few, L2-resident) rows of x itself, so no separate LayerNorm kernel runs;
* :func:`swiglu_linear` ``(gu [b, 2I] = [gate | up], W [N, I]) -> [b, N]``: ``F.linear((silu(gate) * up).to(dtype),
  W)``, the SwiGLU MLP's fc2 with its activation in the prologue;
* :func:`linear` ``(x [b, K], W [N, K], bias [N]?) -> [b, N]``: plain.

Rounding points are the reference's: LayerNorm statistics in fp32 of the ``W.dtype``-rounded x; the normalized
(affine) value and the SwiGLU product rounded to ``W.dtype`` before the dot; fp32 accumulation; the bias added in
fp32; one rounding at the output. Results are bitwise reproducible (no atomics; split-K partial sums are summed
in a fixed order).

Kernel shape: program (n, s) owns BLOCK_N output columns and the s-th of SPLIT slices of K, for every row of x at
once (each weight tile is loaded once and multiplied with all b <= 8 rows); the K loop runs in BLOCK_K chunks.
Tile sizes come from :data:`CONFIGS` by weight shape (measured on an H100, bench/bench_gemv.py and
bench/bench_triton_gemv.py), with :func:`config_for`'s fallback for other shapes; nothing is autotuned at run time
(the step is captured into CUDA graphs; compilation stays cheap and deterministic).

Programmatic Dependent Launch (:data:`PDL`, Hopper+): each kernel issues its first weight-tile load, then
``gdc_wait`` (the previous kernel's writes become visible), and calls ``gdc_launch_dependents`` before its stores.
Inductor does not launch user-defined Triton kernels with PDL, so with PDL on the ops go through an opaque custom
op (``sambay::gemv_pdl``) that launches the kernel itself (inside a CUDA graph the launch attribute is recorded);
with PDL off they go through ``sambay::gemv_opaque`` (the same, without PDL), or, with :data:`INLINE`, through the
``torch.library.triton_op`` ``sambay::gemv`` that Inductor inlines into its code (failed its compiled test on the
H100, see INLINE).

Triton is imported only where available: this module imports on machines without it (``AVAILABLE`` is False
there and the ops raise).
"""

from __future__ import annotations

import torch

try:  # CI and CPU machines have no Triton
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None
    tl = None

AVAILABLE = triton is not None

# Launch the kernels with Programmatic Dependent Launch (see the module docstring). Read when a call is made (at
# trace time under torch.compile), so flip it before compiling/capturing.
PDL = False

# Call the kernels through the opaque custom ops (``sambay::gemv_opaque`` / ``sambay::gemv_pdl``: Inductor calls
# them as extern ops; inside a CUDA graph that costs nothing at replay) rather than the ``triton_op``
# ``sambay::gemv`` that Inductor inlines. H100, 2026-11-22: the opaque (PDL) op compiled with fullgraph=True and
# matched eager; the triton_op flavour failed its compiled test (error not captured), so it stays opt-in.
INLINE = False

MAX_BATCH = 8

# Weight shape (N, K) -> (BLOCK_N, BLOCK_K, SPLIT, num_warps) at batch 1 (H100, bench/bench_gemv.py, then the best
# of bench/bench_triton_gemv.py's few alternatives per op, 2026-11-22).
CONFIGS: dict[tuple[int, int], tuple[int, int, int, int]] = {
    (20480, 2560): (8, 512, 1, 4),     # mlp.fc1 (gate | up), ln_linear: 2.39 TB/s
    (2560, 10240): (4, 512, 2, 4),     # mlp.fc2, swiglu_linear: 2.13
    (10240, 2560): (8, 512, 1, 4),     # mamba.in_proj, ln_linear: 2.07
    (2560, 5120): (8, 512, 2, 4),      # mamba.out_proj, gmu.out_proj: 1.74
    (5120, 2560): (8, 512, 4, 4),      # attn.Wqkv, gmu.in_proj, ln_linear: 1.06
    (2560, 2560): (32, 128, 8, 8),     # attn.out_proj: 1.28
    (192, 5120): (4, 128, 8, 8),       # mamba.x_proj: 0.31
    (200064, 2560): (8, 512, 1, 4),    # lm_head, ln_linear: 2.98
}
# (the TB/s: batch 1, bench/bench_triton_gemv.py on an H100, 2026-11-22; batch 8 reached only 0.2-0.8 TB/s: the
# per-row FMA accumulators [BLOCK_B, BLOCK_N, BLOCK_K] do not scale, see fused.GEMV_MAX_BATCH)

# per-thread fp32 accumulator budget: BLOCK_B * BLOCK_N * BLOCK_K <= ACC_PER_THREAD * 32 * num_warps
ACC_PER_THREAD = 64

PLAIN, LAYERNORM, SWIGLU = 0, 1, 2


def _pow2_floor(n: int) -> int:
    p = 1
    while p * 2 <= n:
        p *= 2
    return p


def block_b(b: int | torch.SymInt) -> int:
    """Rows of x one program holds: the next power of two >= b when called eagerly; under torch.compile 1 for
    batch 1 and 8 (MAX_BATCH) otherwise, so no guard specializes a dynamic batch (one compiled graph serves every
    batch 2..8)."""
    if torch.compiler.is_compiling():
        return 1 if b == 1 else MAX_BATCH
    p = 1
    while p < b:
        p *= 2
    return p


def generic_config(N: int, K: int) -> tuple[int, int, int, int]:
    """(BLOCK_N, BLOCK_K, SPLIT, num_warps) for a shape no table lists: 8 rows a program, K in 512-wide chunks,
    K split in up to 8 slices while fewer than ~2 programs per SM of an H100 (264) would run."""
    bn, bk, warps = 8, 512, 4
    tiles = -(-N // bn)
    split = 1
    while tiles * split < 264 and split < 8 and K >= split * 2 * 1024:
        split *= 2
    return bn, bk, split, warps


def config_for(N: int, K: int, bb: int) -> tuple[int, int, int, int]:
    """(BLOCK_N, BLOCK_K, SPLIT, num_warps) for W [N, K] and bb = block_b(b) rows. Table entry or the generic
    fallback; BLOCK_K shrinks (and warps grow to 8) for bb > 1 so the accumulator stays in registers; SPLIT and
    BLOCK_K are cut down for small K (SPLIT * BLOCK_K never exceeds K's next power of two)."""
    bn, bk, split, warps = CONFIGS.get((N, K)) or generic_config(N, K)
    kp = triton.next_power_of_2(K) if triton is not None else K
    bk = min(bk, max(16, kp))
    while split > 1 and split * bk > kp:
        split //= 2
    if bb > 1:
        warps = max(warps, 8)
        bk = max(16, min(bk, _pow2_floor(ACC_PER_THREAD * 32 * warps // (bb * bn))))
    return bn, bk, split, warps


if triton is not None:

    @triton.jit
    def _x_tile(x_ptr, stride_x, lnw_ptr, lnb_ptr, mean, rstd, rb, bmask, rk, kmask, K_IN,
                PROLOGUE: tl.constexpr, HAS_LNB: tl.constexpr, DT: tl.constexpr):
        """The [BLOCK_B, BLOCK_K] fp32 operand for K columns rk: x itself (PLAIN), its LayerNorm (LAYERNORM,
        rounded to DT), or silu(gate) * up (SWIGLU, gate at column k and up at k + K_IN, rounded to DT)."""
        m = bmask[:, None] & kmask[None, :]
        ptr = x_ptr + rb[:, None] * stride_x + rk[None, :]
        if PROLOGUE == 1:
            xv = tl.load(ptr, mask=m, other=0.0).to(DT).to(tl.float32)
            g = tl.load(lnw_ptr + rk, mask=kmask, other=0.0).to(tl.float32)
            y = (xv - mean[:, None]) * rstd[:, None] * g[None, :]
            if HAS_LNB:
                y += tl.load(lnb_ptr + rk, mask=kmask, other=0.0).to(tl.float32)[None, :]
            xt = y.to(DT).to(tl.float32)
        elif PROLOGUE == 2:
            a = tl.load(ptr, mask=m, other=0.0).to(tl.float32)
            u = tl.load(ptr + K_IN, mask=m, other=0.0).to(tl.float32)
            xt = (a / (1.0 + tl.exp(-a)) * u).to(DT).to(tl.float32)
        else:
            xt = tl.load(ptr, mask=m, other=0.0).to(tl.float32)
        return tl.where(m, xt, 0.0)

    @triton.jit
    def _w_tile(w_ptr, rn, rk, nmask, kmask, K, EVEN_K: tl.constexpr):
        """The weight tile W[rn, rk] (streamed once: evict first); masked on N only when K splits evenly."""
        if EVEN_K:
            w = tl.load(w_ptr + rn[:, None] * K + rk[None, :], mask=nmask[:, None], other=0.0,
                        eviction_policy="evict_first")
        else:
            w = tl.load(w_ptr + rn[:, None] * K + rk[None, :], mask=nmask[:, None] & kmask[None, :], other=0.0,
                        eviction_policy="evict_first")
        return w

    @triton.jit
    def _gemv_kernel(x_ptr, w_ptr, bias_ptr, lnw_ptr, lnb_ptr, y_ptr, B, N, K, stride_x, eps,
                     PROLOGUE: tl.constexpr, HAS_BIAS: tl.constexpr, HAS_LNB: tl.constexpr,
                     BLOCK_B: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, SPLIT: tl.constexpr,
                     EVEN_K: tl.constexpr, PDL: tl.constexpr):
        """y = prologue(x) @ W^T (+ bias). x rows [B, *] with row stride stride_x; W [N, K] contiguous.
        SPLIT == 1: y [B, N] in y's dtype. SPLIT > 1: y [SPLIT, B, N] fp32 partial sums (bias in slice 0).
        EVEN_K: K % (SPLIT * BLOCK_K) == 0 (no K masks)."""
        DT: tl.constexpr = w_ptr.dtype.element_ty
        pid_n = tl.program_id(0)
        pid_k = tl.program_id(1)
        rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
        nmask = rn < N
        chunk = tl.cdiv(tl.cdiv(K, SPLIT), BLOCK_K) * BLOCK_K
        k_lo = pid_k * chunk
        k_hi = tl.minimum(k_lo + chunk, K)
        rk = k_lo + tl.arange(0, BLOCK_K)
        kmask = rk < k_hi
        # the first weight tile does not depend on the previous kernel: in flight before the wait
        w = _w_tile(w_ptr, rn, rk, nmask, kmask, K, EVEN_K)
        if PDL:
            tl.extra.cuda.gdc_wait()
        rb = tl.arange(0, BLOCK_B)
        bmask = rb < B
        mean = tl.zeros([BLOCK_B], dtype=tl.float32)
        rstd = tl.zeros([BLOCK_B], dtype=tl.float32)
        if PROLOGUE == 1:  # LayerNorm statistics of the DT-rounded rows, shifted single pass (shift = column 0)
            c = tl.load(x_ptr + rb * stride_x, mask=bmask, other=0.0).to(DT).to(tl.float32)
            s1 = tl.zeros([BLOCK_B], dtype=tl.float32)
            s2 = tl.zeros([BLOCK_B], dtype=tl.float32)
            for k in range(0, K, BLOCK_K):
                ks = k + tl.arange(0, BLOCK_K)
                m = bmask[:, None] & (ks < K)[None, :]
                xv = tl.load(x_ptr + rb[:, None] * stride_x + ks[None, :], mask=m, other=0.0)
                d = tl.where(m, xv.to(DT).to(tl.float32) - c[:, None], 0.0)
                s1 += tl.sum(d, 1)
                s2 += tl.sum(d * d, 1)
            mu = s1 / K
            var = tl.maximum(s2 / K - mu * mu, 0.0)
            mean = c + mu
            rstd = 1.0 / tl.sqrt_rn(var + eps)
        if BLOCK_B == 1:
            acc = tl.zeros([BLOCK_N, BLOCK_K], dtype=tl.float32)
            xt = _x_tile(x_ptr, stride_x, lnw_ptr, lnb_ptr, mean, rstd, rb, bmask, rk, kmask, K,
                         PROLOGUE, HAS_LNB, DT)
            acc += w.to(tl.float32) * tl.sum(xt, 0)[None, :]
            for k in range(k_lo + BLOCK_K, k_hi, BLOCK_K):
                rk = k + tl.arange(0, BLOCK_K)
                kmask = rk < k_hi
                w = _w_tile(w_ptr, rn, rk, nmask, kmask, K, EVEN_K)
                xt = _x_tile(x_ptr, stride_x, lnw_ptr, lnb_ptr, mean, rstd, rb, bmask, rk, kmask, K,
                             PROLOGUE, HAS_LNB, DT)
                acc += w.to(tl.float32) * tl.sum(xt, 0)[None, :]
            out = tl.sum(acc, 1)[None, :]  # [1, BLOCK_N]
        else:
            acc3 = tl.zeros([BLOCK_B, BLOCK_N, BLOCK_K], dtype=tl.float32)
            xt = _x_tile(x_ptr, stride_x, lnw_ptr, lnb_ptr, mean, rstd, rb, bmask, rk, kmask, K,
                         PROLOGUE, HAS_LNB, DT)
            acc3 += w.to(tl.float32)[None, :, :] * xt[:, None, :]
            for k in range(k_lo + BLOCK_K, k_hi, BLOCK_K):
                rk = k + tl.arange(0, BLOCK_K)
                kmask = rk < k_hi
                w = _w_tile(w_ptr, rn, rk, nmask, kmask, K, EVEN_K)
                xt = _x_tile(x_ptr, stride_x, lnw_ptr, lnb_ptr, mean, rstd, rb, bmask, rk, kmask, K,
                             PROLOGUE, HAS_LNB, DT)
                acc3 += w.to(tl.float32)[None, :, :] * xt[:, None, :]
            out = tl.sum(acc3, 2)  # [BLOCK_B, BLOCK_N]
        if HAS_BIAS:
            bias = tl.load(bias_ptr + rn, mask=nmask, other=0.0).to(tl.float32)
            out += tl.where(pid_k == 0, bias, 0.0)[None, :]
        if PDL:
            tl.extra.cuda.gdc_launch_dependents()
        omask = bmask[:, None] & nmask[None, :]
        if SPLIT == 1:
            tl.store(y_ptr + rb[:, None] * N + rn[None, :], out.to(y_ptr.dtype.element_ty), mask=omask)
        else:
            tl.store(y_ptr + pid_k * B * N + rb[:, None] * N + rn[None, :], out, mask=omask)


def _launch(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, ln_weight: torch.Tensor | None,
            ln_bias: torch.Tensor | None, eps: float, mode: int, bb: int, bn: int, bk: int, split: int, warps: int,
            pdl: bool, wrap) -> torch.Tensor:
    """Allocate the output and launch `_gemv_kernel` (through `wrap`, torch's `wrap_triton`, or directly)."""
    b = x.shape[0]
    N, K = weight.shape
    if split == 1:
        y = torch.empty(b, N, device=x.device, dtype=weight.dtype)
    else:
        y = torch.empty(split, b, N, device=x.device, dtype=torch.float32)
    kernel = wrap(_gemv_kernel) if wrap is not None else _gemv_kernel
    grid = (triton.cdiv(N, bn), split)
    extra = {"launch_pdl": True} if pdl else {}
    kernel[grid](x, weight, weight if bias is None else bias, weight if ln_weight is None else ln_weight,
                 weight if ln_bias is None else ln_bias, y, b, N, K, x.stride(0), eps,
                 PROLOGUE=mode, HAS_BIAS=bias is not None, HAS_LNB=ln_bias is not None,
                 BLOCK_B=bb, BLOCK_N=bn, BLOCK_K=bk, SPLIT=split, EVEN_K=K % (split * bk) == 0, PDL=pdl,
                 num_warps=warps, **extra)
    return y


def _fake(x, weight, bias, ln_weight, ln_bias, eps, mode, bb, bn, bk, split, warps):
    b = x.shape[0]
    N = weight.shape[0]
    if split == 1:
        return x.new_empty(b, N, dtype=weight.dtype)
    return x.new_empty(split, b, N, dtype=torch.float32)


def _register() -> dict[str, object]:
    """Register the two op flavours (at import, where Triton exists): 'plain', ``sambay::gemv`` (a triton_op that
    Inductor inlines), and 'pdl', ``sambay::gemv_pdl`` (an opaque custom op that launches with PDL).
    Arguments: (x, weight, bias?, ln_weight?, ln_bias?, eps, mode, BLOCK_B, BLOCK_N, BLOCK_K, SPLIT, num_warps)
    -> [b, N] in weight.dtype (SPLIT == 1) or [SPLIT, b, N] fp32 partial sums."""
    from torch.library import custom_op, triton_op, wrap_triton

    @triton_op("sambay::gemv", mutates_args=())
    def gemv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, ln_weight: torch.Tensor | None,
             ln_bias: torch.Tensor | None, eps: float, mode: int, bb: int, bn: int, bk: int, split: int,
             warps: int) -> torch.Tensor:
        return _launch(x, weight, bias, ln_weight, ln_bias, eps, mode, bb, bn, bk, split, warps, False,
                       wrap_triton)

    @custom_op("sambay::gemv_pdl", mutates_args=())
    def gemv_pdl(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                 ln_weight: torch.Tensor | None, ln_bias: torch.Tensor | None, eps: float, mode: int, bb: int,
                 bn: int, bk: int, split: int, warps: int) -> torch.Tensor:
        return _launch(x, weight, bias, ln_weight, ln_bias, eps, mode, bb, bn, bk, split, warps, True, None)

    @custom_op("sambay::gemv_opaque", mutates_args=())
    def gemv_opaque(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                    ln_weight: torch.Tensor | None, ln_bias: torch.Tensor | None, eps: float, mode: int, bb: int,
                    bn: int, bk: int, split: int, warps: int) -> torch.Tensor:
        return _launch(x, weight, bias, ln_weight, ln_bias, eps, mode, bb, bn, bk, split, warps, False, None)

    gemv_pdl.register_fake(_fake)
    gemv_opaque.register_fake(_fake)
    return {"plain": torch.ops.sambay.gemv.default, "pdl": torch.ops.sambay.gemv_pdl.default,
            "opaque": torch.ops.sambay.gemv_opaque.default}


# registered once, when this module is first imported (outside any traced region: Dynamo imports for real)
_OPS: dict[str, object] = _register() if triton is not None else {}


def _ops() -> dict[str, object]:
    if not _OPS:
        raise RuntimeError("inference.engine.triton_gemv needs Triton (a CUDA machine)")
    return _OPS


def _gemv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, ln_weight: torch.Tensor | None,
          ln_bias: torch.Tensor | None, eps: float, mode: int, K_in: int) -> torch.Tensor:
    """Pick the tile config, call the op, sum split-K partials (fixed order) and round once to weight.dtype."""
    b = x.shape[0]
    N, K = weight.shape
    if K != K_in:
        raise ValueError(f"x has {K_in} inputs per row, weight {tuple(weight.shape)}")
    if x.stride(-1) != 1:
        x = x.contiguous()
    if not weight.is_contiguous():
        weight = weight.contiguous()
    bb = block_b(b)
    bn, bk, split, warps = config_for(N, K, bb)
    op = _ops()["pdl" if PDL else "plain" if INLINE else "opaque"]
    y = op(x, weight, bias, ln_weight, ln_bias, float(eps), mode, bb, bn, bk, split, warps)
    return y if split == 1 else y.sum(0).to(weight.dtype)


def ln_linear(x: torch.Tensor, ln_weight: torch.Tensor, ln_bias: torch.Tensor | None, eps: float,
              weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """F.linear(F.layer_norm(x.to(W.dtype), (K,), ln_weight, ln_bias, eps), W, bias) in one kernel.
    x [b, K] (fp32 residual stream, b <= 8); ln_weight, ln_bias [K]; W [N, K]; bias [N] -> [b, N] in W.dtype."""
    return _gemv(x, weight, bias, ln_weight, ln_bias, eps, LAYERNORM, x.shape[1])


def swiglu_linear(gu: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """F.linear((silu(gate.float()) * up.float()).to(W.dtype), W) with [gate | up] = gu.
    gu [b, 2I] (b <= 8); W [N, I] -> [b, N] in W.dtype."""
    if gu.shape[1] % 2:
        raise ValueError("gu must hold [gate | up] of equal widths")
    return _gemv(gu, weight, None, None, None, 0.0, SWIGLU, gu.shape[1] // 2)


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """F.linear(x, W, bias): x [b, K] (b <= 8); W [N, K]; bias [N] -> [b, N] in W.dtype (fp32 accumulation)."""
    return _gemv(x, weight, bias, None, None, 0.0, PLAIN, x.shape[1])
