"""Triton kernels of the batch-1 decode step (:mod:`.triton_decode`): projections with their neighbours fused in.

At batch 1 a decode step reads every weight once and does almost no arithmetic, so its time is the weight bytes
over the memory bandwidth plus a cost per kernel (launch, ramp-up, the wait on the previous kernel's results: 2-3
us each on an H100). The compiled step (:mod:`.fused`) leaves ~300 kernels a step, 64 of them LayerNorm statistics
that Inductor cannot fold into the projection that consumes them. These kernels make each projection one kernel
with its producer and consumer inside:

:func:`projection` ``y = epilogue(prologue(x) @ W^T + bias)`` for one row x, W [N, K] contiguous, where

* prologue (what the K inputs are): ``PLAIN`` x itself; ``LAYERNORM`` LayerNorm(x.to(W.dtype)) with the statistics
  computed by every program from x (fp32 residual stream [K], L2/L1-resident: one load of the whole row), so no
  LayerNorm kernel runs; ``SWIGLU`` silu(gate) * up of x = [gate | up] (the MLP's fc2);
* epilogue (what happens to the N outputs, rounded once to W.dtype): ``STORE`` into y (any float dtype: the LM
  head writes fp32 logits holding W.dtype values); ``RESIDUAL`` y = res + out in fp32 (the residual stream update,
  into a new buffer: y must not be res); ``SILU_MUL`` silu(out) * mem (the GMU gate); ``KV`` STORE, and the key and value
  columns also written into the K/V cache row of this token's position (the attention's Wqkv); ``CONV_STATE``
  STORE, and for the first Di columns (the Mamba mixer's x) the causal conv over [state[1:], x] + bias, silu,
  written to a second output, with the conv state shifted by one and x appended (Mamba's in_proj).

Programs own BLOCK_N outputs and one of SPLIT slices of K. With SPLIT > 1 each program writes fp32 partial sums
to a workspace and counts itself in on an atomic counter per column tile; the last program of a tile sums the
SPLIT partials in slice order (so results are bitwise reproducible), resets the counter and runs the epilogue.
With :data:`PDL` (Hopper and newer) a kernel is launched with Programmatic Dependent Launch: it issues its first
weight-tile load, then waits (``gdc_wait``) for the previous kernel's results.

:func:`updown` ``y = res + down(mid(up(LayerNorm(x))))``: a whole MLP (SwiGLU) or GMU (silu(up) * memory) in
two kernels. The down projection's weight is kept transposed, so a program that computed some middle rows h also
streams the down projection's rows for exactly those h and keeps an fp32 partial of all outputs; a short second
kernel sums the partial rows in a fixed order. The down projection thus needs no wait for the up projection, and
the memory system is not drained between the two (runs 41-50, docs/benchmarks.md: an MLP 60.8-61.7 us as two
projections, 54.9-57.1 us + 3.4-3.8 us for the sum as updown on an H100).

:func:`mamba_update` the rest of the Mamba decode update after x_proj in one kernel: dt_proj + softplus, the
selective state update, D skip and the gate; for the memory layer it also writes the ungated output (the GMUs'
memory).

Rounding points are the model's: LayerNorm / SwiGLU / conv outputs, dt and every projection output rounded to the
model dtype, statistics, gates and the state update in fp32. Triton is imported only where available; this module
imports on machines without it (:data:`AVAILABLE` False, the functions raise).
"""

from __future__ import annotations

import os

import torch

from .triton_gemv import generic_config

try:  # CI and CPU machines have no Triton
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None
    tl = None

AVAILABLE = triton is not None

PLAIN, LAYERNORM, SWIGLU = 0, 1, 2
STORE, RESIDUAL, SILU_MUL, KV, CONV_STATE = 0, 1, 2, 3, 4
# what :func:`updown` computes between its projections
MLP, GMU = 0, 1

# Launch with Programmatic Dependent Launch (Hopper+). Set by :class:`.triton_decode.TritonDecode` from the device.
PDL = False
# Load the next weight tile of a projection's K loop before using the current one (two tiles in flight per program).
PREFETCH = True
# ... except for these projections (N, K, prologue, epilogue) of the 3.8B step, which measured faster without it on
# an H100 (run 32, docs/benchmarks.md: attention Wqkv -1.3 us, cross-attention Wq -0.8, Mamba in_proj -0.8; the
# big streaming ones, fc1 and the LM head, are faster with it)
NO_LOOKAHEAD: set[tuple[int, int, int, int]] = {(5120, 2560, LAYERNORM, KV), (2560, 2560, LAYERNORM, STORE),
                                                (10240, 2560, LAYERNORM, CONV_STATE)}

# (N, K) -> (BLOCK_N, BLOCK_K, SPLIT, num_warps) for the released 3.8B shapes (bench/bench_decode_kernels.py on an
# H100); other shapes take :func:`config_for`'s rule.
CONFIGS: dict[tuple[int, ...], tuple[int, ...]] = {
    (20480, 2560): (16, 256, 1, 4, 8),    # mlp.fc1, LAYERNORM
    (2560, 10240): (4, 512, 1, 4, 8),     # mlp.fc2, SWIGLU + RESIDUAL
    (10240, 2560): (8, 512, 1, 4, 4),     # mamba.in_proj, LAYERNORM + CONV_STATE
    (2560, 5120): (4, 512, 1, 4, 8),      # mamba.out_proj / gmu.out_proj, RESIDUAL
    (5120, 2560): (8, 256, 1, 4, 8),      # attn.Wqkv (KV) / gmu.in_proj (SILU_MUL), LAYERNORM
    (2560, 2560): (4, 512, 1, 4, 8),      # attn.out_proj, RESIDUAL
    (2560, 2560, LAYERNORM): (8, 512, 1, 4, 8),  # cross-attention Wq
    (192, 5120): (4, 1024, 4, 4, 0),      # mamba.x_proj
    (200064, 2560): (16, 256, 1, 4, 8),   # lm_head, LAYERNORM
}
# :func:`updown` (M, K, kind) -> (BLOCK_M, num_warps, programs per SM); other shapes take UPDOWN_DEFAULT
UPDOWN_CONFIGS: dict[tuple[int, int, int], tuple[int, int, int]] = {}
UPDOWN_DEFAULT = (1, 4, 4)
# :func:`updown` loads the next tile's weights before computing the current one (in registers; leaving the loads to
# Triton's software pipeliner, as asynchronous copies into shared memory, measured 8% slower: run 45)
UPDOWN_PREFETCH = True
# :func:`updown` takes inputs and outputs up to this wide (a program holds whole weight rows)
UPDOWN_MAX = 4096
# :func:`updown`'s sum kernel: columns a program, partial rows a load
UPDOWN_SUM = (16, 128)
# a key (N, K, prologue) takes precedence over (N, K); a 5th number bounds the programs to that many per SM (each
# then loops over tiles, computing the LayerNorm statistics once), 0 = one program per tile
DEFAULT_WAVES = 0


def load_configs(path: str) -> int:
    """Merge tile configs measured on this machine's GPU into :data:`CONFIGS`: a JSON list of
    ``[N, K, prologue or null, [BLOCK_N, BLOCK_K, SPLIT, num_warps(, waves)]]`` as ``bench/bench_decode_kernels.py`` writes
    it (``best-configs.json``). Returns the number of entries. Read at import from the file named by the
    environment variable ``SAMBAY_DECODE_CONFIGS``, when set."""
    import json

    with open(path) as f:
        rows = json.load(f)
    for row in rows:
        N, K, prologue, cfg = row
        vals = tuple(int(v) for v in cfg)
        if len(vals) not in (4, 5) or min(vals[:4]) < 1 or vals[0] & (vals[0] - 1) or vals[1] & (vals[1] - 1) \
                or vals[2] > 8 or vals[-1] < 0:
            raise ValueError(f"bad tile config {row!r} in {path}")
        CONFIGS[(int(N), int(K)) if prologue is None else (int(N), int(K), int(prologue))] = vals
    return len(rows)


if os.environ.get("SAMBAY_DECODE_CONFIGS"):
    load_configs(os.environ["SAMBAY_DECODE_CONFIGS"])


def config_for(N: int, K: int, prologue: int = PLAIN) -> tuple[int, int, int, int, int]:
    """(BLOCK_N, BLOCK_K, SPLIT, num_warps, waves) for W [N, K] with this prologue: the table's entry, else 8 rows a
    program, K in 512-wide chunks, K split in up to 8 slices while fewer than ~2 programs per SM of an H100 would
    run. BLOCK_K and SPLIT shrink for small K (SPLIT * BLOCK_K never exceeds K's next power of two). waves: at most
    waves * SMs programs, each looping over tiles (0: one program per tile; :data:`DEFAULT_WAVES` where the table
    entry has 4 numbers)."""
    cfg = CONFIGS.get((N, K, prologue), CONFIGS.get((N, K))) or generic_config(N, K)
    bn, bk, split, warps, waves = _full(cfg)
    kp = 1
    while kp < K:
        kp *= 2
    bk = min(bk, max(16, kp))
    while split > 1 and split * bk > kp:
        split //= 2
    return bn, bk, split, warps, waves


if triton is not None:
    from .triton_gemv import _w_tile  # W[rn, rk], evict-first, masked on N only when K splits evenly

    @triton.jit
    def _silu(v):
        return v / (1.0 + tl.exp(-v))

    @triton.jit
    def _operand(x_ptr, lnw_ptr, lnb_ptr, mean, rstd, rk, kmask, K_IN, PROLOGUE: tl.constexpr,
                 HAS_LNB: tl.constexpr, DT: tl.constexpr):
        """The fp32 operand [BLOCK_K] for input columns rk (0 where masked)."""
        if PROLOGUE == 1:  # LayerNorm, rounded to the model dtype
            xv = tl.load(x_ptr + rk, mask=kmask, other=0.0).to(DT).to(tl.float32)
            y = (xv - mean) * rstd * tl.load(lnw_ptr + rk, mask=kmask, other=0.0).to(tl.float32)
            if HAS_LNB:
                y += tl.load(lnb_ptr + rk, mask=kmask, other=0.0).to(tl.float32)
            v = y.to(DT).to(tl.float32)
        elif PROLOGUE == 2:  # SwiGLU: x = [gate | up]
            a = tl.load(x_ptr + rk, mask=kmask, other=0.0).to(tl.float32)
            u = tl.load(x_ptr + K_IN + rk, mask=kmask, other=0.0).to(tl.float32)
            v = (_silu(a) * u).to(DT).to(tl.float32)
        else:
            v = tl.load(x_ptr + rk, mask=kmask, other=0.0).to(tl.float32)
        return tl.where(kmask, v, 0.0)

    @triton.jit
    def _ln_stats(x_ptr, K, eps, KP: tl.constexpr, BLOCK_K: tl.constexpr, DT: tl.constexpr):
        """(mean, rstd) of LayerNorm over x [K] (fp32) rounded to DT: one pass shifted by x[0]; the whole row in one
        load when KP (K's next power of two) > 0, else in BLOCK_K chunks."""
        c = tl.load(x_ptr).to(DT).to(tl.float32)
        if KP > 0:
            ks = tl.arange(0, KP)
            xv = tl.load(x_ptr + ks, mask=ks < K, other=0.0).to(DT).to(tl.float32)
            dv = tl.where(ks < K, xv - c, 0.0)
            s1 = tl.sum(dv, 0)
            s2 = tl.sum(dv * dv, 0)
        else:
            a1 = tl.zeros([BLOCK_K], dtype=tl.float32)
            a2 = tl.zeros([BLOCK_K], dtype=tl.float32)
            for k in range(0, K, BLOCK_K):
                ks = k + tl.arange(0, BLOCK_K)
                xv = tl.load(x_ptr + ks, mask=ks < K, other=0.0).to(DT).to(tl.float32)
                dv = tl.where(ks < K, xv - c, 0.0)
                a1 += dv
                a2 += dv * dv
            s1 = tl.sum(a1, 0)
            s2 = tl.sum(a2, 0)
        mu = s1 / K
        var = tl.maximum(s2 / K - mu * mu, 0.0)
        return c + mu, 1.0 / tl.sqrt_rn(var + eps)

    @triton.jit
    def _epilogue(out, rn, nmask, y_ptr, bias_ptr, res_ptr, mem_ptr, kc_ptr, vc_ptr, pos_ptr, kv_q, kv_k, ring,
                  k_sh, k_sr, v_sh, v_sr, cs_ptr, cw_ptr, cb_ptr, EPILOGUE: tl.constexpr, HAS_BIAS: tl.constexpr,
                  HEAD_D: tl.constexpr, KC: tl.constexpr, KCP: tl.constexpr, DT: tl.constexpr):
        """out [BLOCK_N] fp32 full sums for columns rn -> bias, one rounding to DT, then the epilogue's stores."""
        if HAS_BIAS:
            out += tl.load(bias_ptr + rn, mask=nmask, other=0.0).to(tl.float32)
        r = out.to(DT)
        if EPILOGUE == 1:  # residual stream: y = res + out (fp32)
            res = tl.load(res_ptr + rn, mask=nmask, other=0.0)
            tl.store(y_ptr + rn, res + r.to(tl.float32), mask=nmask)
        elif EPILOGUE == 2:  # GMU gate: silu(out) * memory
            g = _silu(r.to(tl.float32)) * tl.load(mem_ptr + rn, mask=nmask, other=0.0).to(tl.float32)
            tl.store(y_ptr + rn, g.to(DT), mask=nmask)
        else:
            tl.store(y_ptr + rn, r, mask=nmask)
            if EPILOGUE == 3:  # this token's key and value columns into the cache row of its position
                p = tl.load(pos_ptr)
                if ring > 0:
                    p = p % ring
                kk = rn - kv_q
                kmask = nmask & (kk >= 0) & (kk < kv_k)
                tl.store(kc_ptr + (kk // HEAD_D) * k_sh + p * k_sr + kk % HEAD_D, r, mask=kmask)
                vv = rn - kv_q - kv_k
                vmask = nmask & (vv >= 0)
                tl.store(vc_ptr + (vv // (2 * HEAD_D)) * v_sh + p * v_sr + vv % (2 * HEAD_D), r, mask=vmask)
            if EPILOGUE == 4:  # Mamba in_proj: columns < kv_k are the conv's inputs x: conv, silu, shift the state
                cm = nmask & (rn < kv_k)
                j = tl.arange(0, KCP)
                tm = cm[:, None] & (j >= 1)[None, :] & (j < KC)[None, :]
                taps = tl.load(cs_ptr + rn[:, None] * KC + j[None, :], mask=tm, other=0.0)  # state[:, 1:]
                wsh = tl.load(cw_ptr + rn[:, None] * KC + (j - 1)[None, :], mask=tm, other=0.0)  # w[:, j - 1]
                acc = tl.sum(taps.to(tl.float32) * wsh.to(tl.float32), 1)
                acc += tl.load(cb_ptr + rn, mask=cm, other=0.0).to(tl.float32)
                acc += r.to(tl.float32) * tl.load(cw_ptr + rn * KC + KC - 1, mask=cm, other=0.0).to(tl.float32)
                tl.store(mem_ptr + rn, _silu(acc).to(DT), mask=cm)
                tl.debug_barrier()  # every thread holding a copy of the state has read it before any shifts it
                tl.store(cs_ptr + rn[:, None] * KC + (j - 1)[None, :], taps, mask=tm)
                tl.store(cs_ptr + rn * KC + KC - 1, r.to(cs_ptr.dtype.element_ty), mask=cm)

    @triton.jit
    def _projection_kernel(x_ptr, w_ptr, bias_ptr, lnw_ptr, lnb_ptr, cs_ptr, cw_ptr, cb_ptr, y_ptr, res_ptr,
                           mem_ptr, kc_ptr, vc_ptr, pos_ptr, ws_ptr, cnt_ptr, N, K, eps, kv_q, kv_k, ring,
                           k_sh, k_sr, v_sh, v_sr,
                           PROLOGUE: tl.constexpr, EPILOGUE: tl.constexpr, HAS_BIAS: tl.constexpr,
                           HAS_LNB: tl.constexpr, KC: tl.constexpr, KCP: tl.constexpr, HEAD_D: tl.constexpr,
                           BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, SPLIT: tl.constexpr, EVEN_K: tl.constexpr,
                           KP: tl.constexpr, PREFETCH: tl.constexpr, PREFETCH_L2: tl.constexpr,
                           LINES: tl.constexpr, PDL: tl.constexpr):
        DT: tl.constexpr = w_ptr.dtype.element_ty
        # tiles (column block n, K slice k) numbered t = n * SPLIT + k; program p takes t = p, p + P, p + 2P, ...
        pid = tl.program_id(0)
        nprog = tl.num_programs(0)
        total = tl.cdiv(N, BLOCK_N) * SPLIT
        chunk = tl.cdiv(tl.cdiv(K, SPLIT), BLOCK_K) * BLOCK_K
        rn = (pid // SPLIT) * BLOCK_N + tl.arange(0, BLOCK_N)
        rk = (pid % SPLIT) * chunk + tl.arange(0, BLOCK_K)
        w = _w_tile(w_ptr, rn, rk, rn < N, rk < K, K, EVEN_K)  # does not depend on the previous kernel
        if PREFETCH_L2:  # every 128-byte line of this program's tiles into L2 while the previous kernel runs
            rows = tl.arange(0, BLOCK_N)
            lines = tl.arange(0, LINES) * 64  # bf16/fp16: 64 elements a line
            for tt in range(pid, total, nprog):
                rr = (tt // SPLIT) * BLOCK_N + rows
                kk = (tt % SPLIT) * chunk + lines
                ok = (rr < N)[:, None] & (kk < tl.minimum((tt % SPLIT) * chunk + chunk, K))[None, :]
                ptr = tl.where(ok, w_ptr + rr[:, None] * K + kk[None, :], w_ptr)
                tl.inline_asm_elementwise("prefetch.global.L2 [$1]; mov.u32 $0, 0;", "=r,l", [ptr],
                                          dtype=tl.int32, is_pure=False, pack=1)
        if PDL:
            tl.extra.cuda.gdc_wait()
        mean = 0.0
        rstd = 0.0
        if PROLOGUE == 1:
            mean, rstd = _ln_stats(x_ptr, K, eps, KP, BLOCK_K, DT)
        for t in range(pid, total, nprog):
            pid_n = t // SPLIT
            pid_k = t % SPLIT
            rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
            nmask = rn < N
            k_lo = pid_k * chunk
            k_hi = tl.minimum(k_lo + chunk, K)
            rk = k_lo + tl.arange(0, BLOCK_K)
            kmask = rk < k_hi
            # w holds this tile's first weight tile
            if PREFETCH:  # the next weight tile is loaded before this one is used: two tiles in flight
                ntiles = tl.cdiv(k_hi - k_lo, BLOCK_K)
                acc = tl.zeros([BLOCK_N, BLOCK_K], dtype=tl.float32)
                for j in range(ntiles - 1):
                    rk_n = k_lo + (j + 1) * BLOCK_K + tl.arange(0, BLOCK_K)
                    kmask_n = rk_n < k_hi
                    w_n = _w_tile(w_ptr, rn, rk_n, nmask, kmask_n, K, EVEN_K)
                    acc += w.to(tl.float32) * _operand(x_ptr, lnw_ptr, lnb_ptr, mean, rstd, rk, kmask, K, PROLOGUE,
                                                       HAS_LNB, DT)[None, :]
                    w = w_n
                    rk = rk_n
                    kmask = kmask_n
                acc += w.to(tl.float32) * _operand(x_ptr, lnw_ptr, lnb_ptr, mean, rstd, rk, kmask, K, PROLOGUE,
                                                   HAS_LNB, DT)[None, :]
            else:
                acc = w.to(tl.float32) * _operand(x_ptr, lnw_ptr, lnb_ptr, mean, rstd, rk, kmask, K, PROLOGUE,
                                                  HAS_LNB, DT)[None, :]
                for k in range(k_lo + BLOCK_K, k_hi, BLOCK_K):
                    rk = k + tl.arange(0, BLOCK_K)
                    kmask = rk < k_hi
                    w = _w_tile(w_ptr, rn, rk, nmask, kmask, K, EVEN_K)
                    acc += w.to(tl.float32) * _operand(x_ptr, lnw_ptr, lnb_ptr, mean, rstd, rk, kmask, K, PROLOGUE,
                                                       HAS_LNB, DT)[None, :]
            out = tl.sum(acc, 1)  # [BLOCK_N]
            # the next tile's first weight tile, in flight during this tile's epilogue
            tn = t + nprog
            rn2 = (tn // SPLIT) * BLOCK_N + tl.arange(0, BLOCK_N)
            rk2 = (tn % SPLIT) * chunk + tl.arange(0, BLOCK_K)
            w = _w_tile(w_ptr, rn2, rk2, (rn2 < N) & (tn < total), rk2 < K, K, EVEN_K)
            if PDL:  # noqa: SIM102 - PDL is a compile-time constant, tn a run-time value
                if tn >= total:  # this program's last tile: the next kernel may start launching
                    tl.extra.cuda.gdc_launch_dependents()
            if SPLIT == 1:
                _epilogue(out, rn, nmask, y_ptr, bias_ptr, res_ptr, mem_ptr, kc_ptr, vc_ptr, pos_ptr, kv_q, kv_k,
                          ring, k_sh, k_sr, v_sh, v_sr, cs_ptr, cw_ptr, cb_ptr, EPILOGUE, HAS_BIAS, HEAD_D, KC, KCP,
                          DT)
            else:
                tl.store(ws_ptr + pid_k * N + rn, out, mask=nmask)
                tl.debug_barrier()  # every thread's partial is written before the count (release)
                done = tl.atomic_add(cnt_ptr + pid_n, 1, sem="acq_rel")
                if done == SPLIT - 1:  # the tile's last slice: sum the slices in order, then the epilogue
                    full = tl.zeros([BLOCK_N], dtype=tl.float32)
                    for s in tl.static_range(SPLIT):
                        full += tl.load(ws_ptr + s * N + rn, mask=nmask, other=0.0, cache_modifier=".cg")
                    tl.atomic_xchg(cnt_ptr + pid_n, 0)  # ready for the next call (CUDA-graph replays reuse it)
                    _epilogue(full, rn, nmask, y_ptr, bias_ptr, res_ptr, mem_ptr, kc_ptr, vc_ptr, pos_ptr, kv_q,
                              kv_k, ring, k_sh, k_sr, v_sh, v_sr, cs_ptr, cw_ptr, cb_ptr, EPILOGUE, HAS_BIAS, HEAD_D,
                              KC, KCP, DT)

    @triton.jit
    def _mamba_update_kernel(xz_ptr, xc_ptr, xp_ptr, wdt_ptr, dtb_ptr, a_ptr, d_ptr, ssm_ptr, y_ptr, g_ptr, Di, R,
                             NS, BLOCK_D: tl.constexpr, RP: tl.constexpr, NP: tl.constexpr, MEMORY: tl.constexpr,
                             PDL: tl.constexpr):
        DT: tl.constexpr = wdt_ptr.dtype.element_ty
        d = tl.program_id(0) * BLOCK_D + tl.arange(0, BLOCK_D)
        dm = d < Di
        r = tl.arange(0, RP)
        rm = r < R
        n = tl.arange(0, NP)
        nm = n < NS
        # weights first (independent of the previous kernel)
        wdt = tl.load(wdt_ptr + d[:, None] * R + r[None, :], mask=dm[:, None] & rm[None, :], other=0.0)
        A = tl.load(a_ptr + d[:, None] * NS + n[None, :], mask=dm[:, None] & nm[None, :], other=0.0)
        if PDL:  # out_proj may launch now (it prefetches its weights, then waits for this output)
            tl.extra.cuda.gdc_launch_dependents()
            tl.extra.cuda.gdc_wait()
        # x_proj output = [dt (R) | B (NS) | C (NS)] in the model dtype
        dt_low = tl.load(xp_ptr + r, mask=rm, other=0.0).to(tl.float32)
        Bv = tl.load(xp_ptr + R + n, mask=nm, other=0.0).to(tl.float32)
        Cv = tl.load(xp_ptr + R + NS + n, mask=nm, other=0.0).to(tl.float32)
        dt = tl.sum(wdt.to(tl.float32) * dt_low[None, :], 1).to(DT).to(tl.float32)  # dt_proj, rounded
        v = dt + tl.load(dtb_ptr + d, mask=dm, other=0.0).to(tl.float32)
        delta = tl.where(v > 20.0, v, tl.where(v < -15.0, tl.exp(v), tl.log(1.0 + tl.exp(v))))  # softplus
        xc = tl.load(xc_ptr + d, mask=dm, other=0.0).to(tl.float32)
        # selective state update (fp32 state [Di, NS])
        sp = ssm_ptr + d[:, None] * NS + n[None, :]
        smask = dm[:, None] & nm[None, :]
        s = tl.load(sp, mask=smask, other=0.0)
        tl.debug_barrier()  # every thread holding a copy of the state has read it before it is written
        s = tl.exp(delta[:, None] * A) * s + (delta * xc)[:, None] * Bv[None, :]
        tl.store(sp, s, mask=smask)
        y = tl.sum(tl.where(smask, s * Cv[None, :], 0.0), 1)
        y += tl.load(d_ptr + d, mask=dm, other=0.0).to(tl.float32) * xc
        z = tl.load(xz_ptr + Di + d, mask=dm, other=0.0).to(tl.float32)
        if MEMORY:  # the ungated output is the GMUs' memory; out_proj reads the gated one
            yr = y.to(DT)
            tl.store(y_ptr + d, yr, mask=dm)
            tl.store(g_ptr + d, (_silu(z) * yr.to(tl.float32)).to(DT), mask=dm)
        else:
            tl.store(y_ptr + d, (y * _silu(z)).to(DT), mask=dm)


    @triton.jit
    def _pow2_split(ptr, rows, ra, rb, mask, N: tl.constexpr, HAS_B: tl.constexpr):
        """Rows `rows` of a row-major [*, N] matrix as a [R, NA] and a [R, NB] tile (columns ra = [0, NA), rb =
        NA + [0, NB) masked to N; the second is the first again when not HAS_B)."""
        a = tl.load(ptr + rows[:, None] * N + ra[None, :], mask=mask[:, None], other=0.0, eviction_policy="evict_first")
        b = a
        if HAS_B:
            b = tl.load(ptr + rows[:, None] * N + rb[None, :], mask=mask[:, None] & (rb < N)[None, :], other=0.0,
                        eviction_policy="evict_first")
        return a, b

    @triton.jit
    def _updown_rows(w1_ptr, w2_ptr, rows, ka, kb, da, db, M, K: tl.constexpr, D: tl.constexpr,
                     KIND: tl.constexpr, HAS_KB: tl.constexpr, HAS_DB: tl.constexpr):
        """The weights of middle rows `rows` (masked to M): the up projection's gate (and, for the MLP, up) rows
        and the transposed down projection's rows, each as a power-of-two pair of tiles (:func:`_pow2_split`)."""
        m = rows < M
        ga, gb = _pow2_split(w1_ptr, rows, ka, kb, m, K, HAS_KB)
        ua, ub = ga, gb
        if KIND == 0:  # MLP (SwiGLU): the up rows follow the M gate rows
            ua, ub = _pow2_split(w1_ptr + M * K, rows, ka, kb, m, K, HAS_KB)
        wa, wb = _pow2_split(w2_ptr, rows, da, db, m, D, HAS_DB)
        return ga, gb, ua, ub, wa, wb

    @triton.jit
    def _updown_kernel(x_ptr, w1_ptr, w2_ptr, lnw_ptr, lnb_ptr, mem_ptr, part_ptr, M,
                       K: tl.constexpr, D: tl.constexpr, eps, KIND: tl.constexpr, HAS_LNB: tl.constexpr,
                       BLOCK_M: tl.constexpr, KA: tl.constexpr, KB: tl.constexpr, HAS_KB: tl.constexpr,
                       DA: tl.constexpr, DB: tl.constexpr, HAS_DB: tl.constexpr, KP: tl.constexpr,
                       PREFETCH: tl.constexpr, PDL: tl.constexpr):
        """Program p: partial[p] [D] = sum over its tiles of W2t[rows]^T @ mid(W1[rows] @ LN(x)) (see :func:`updown`).
        Whole rows at a time: K is covered by a KA- and a KB-wide part, D by a DA- and a DB-wide part (powers of
        two; the B parts masked, absent when not needed), so the LayerNorm'd input is computed once a program and a
        tile's loads are all issued at once."""
        DT: tl.constexpr = w1_ptr.dtype.element_ty
        pid = tl.program_id(0)
        nprog = tl.num_programs(0)
        tiles = tl.cdiv(M, BLOCK_M)
        ka = tl.arange(0, KA)
        kb = KA + tl.arange(0, KB)
        da = tl.arange(0, DA)
        db = DA + tl.arange(0, DB)
        # the first tile's weights do not depend on the previous kernel
        ga, gb, ua, ub, wa, wb = _updown_rows(w1_ptr, w2_ptr, pid * BLOCK_M + tl.arange(0, BLOCK_M), ka, kb, da, db,
                                              M, K, D, KIND, HAS_KB, HAS_DB)
        if PDL:
            tl.extra.cuda.gdc_wait()
        mean, rstd = _ln_stats(x_ptr, K, eps, KP, KA, DT)
        va = _operand(x_ptr, lnw_ptr, lnb_ptr, mean, rstd, ka, ka < K, K, 1, HAS_LNB, DT)
        vb = _operand(x_ptr, lnw_ptr, lnb_ptr, mean, rstd, kb, kb < K, K, 1, HAS_LNB, DT)
        acc_a = tl.zeros([DA], dtype=tl.float32)
        acc_b = tl.zeros([DB], dtype=tl.float32)
        for t in range(pid, tiles, nprog):
            rm = t * BLOCK_M + tl.arange(0, BLOCK_M)
            mm = rm < M
            if PREFETCH:  # the next tile's weights in flight while this one is computed
                ga_n, gb_n, ua_n, ub_n, wa_n, wb_n = _updown_rows(w1_ptr, w2_ptr, rm + nprog * BLOCK_M, ka, kb, da,
                                                                  db, M, K, D, KIND, HAS_KB, HAS_DB)
            gs = tl.sum(ga.to(tl.float32) * va[None, :], 1)
            if HAS_KB:
                gs += tl.sum(gb.to(tl.float32) * vb[None, :], 1)
            gs = gs.to(DT).to(tl.float32)
            if KIND == 0:
                us = tl.sum(ua.to(tl.float32) * va[None, :], 1)
                if HAS_KB:
                    us += tl.sum(ub.to(tl.float32) * vb[None, :], 1)
                h = _silu(gs) * us.to(DT).to(tl.float32)
            else:  # GMU: silu(gate) * memory
                h = _silu(gs) * tl.load(mem_ptr + rm, mask=mm, other=0.0).to(tl.float32)
            h = tl.where(mm, h.to(DT).to(tl.float32), 0.0)
            acc_a += tl.sum(wa.to(tl.float32) * h[:, None], 0)
            if HAS_DB:
                acc_b += tl.sum(wb.to(tl.float32) * h[:, None], 0)
            if PDL:  # noqa: SIM102 - PDL is a compile-time constant
                if t + nprog >= tiles:  # this program's last tile: the sum kernel may start launching
                    tl.extra.cuda.gdc_launch_dependents()
            if PREFETCH:
                ga, gb, ua, ub, wa, wb = ga_n, gb_n, ua_n, ub_n, wa_n, wb_n
            else:
                ga, gb, ua, ub, wa, wb = _updown_rows(w1_ptr, w2_ptr, rm + nprog * BLOCK_M, ka, kb, da, db, M, K, D,
                                                      KIND, HAS_KB, HAS_DB)
        tl.store(part_ptr + pid * D + da, acc_a, mask=da < D)
        if HAS_DB:
            tl.store(part_ptr + pid * D + db, acc_b, mask=db < D)

    @triton.jit
    def _updown_sum_kernel(part_ptr, res_ptr, y_ptr, w_ptr, P: tl.constexpr, D: tl.constexpr,
                           BLOCK_D: tl.constexpr, BLOCK_P: tl.constexpr, PDL: tl.constexpr):
        """y = res + (sum of the P partial rows).to(W dtype), fp32, for BLOCK_D columns; the rows in BLOCK_P-row
        loads, all issued at once (P is a constant), summed in a fixed order."""
        DT: tl.constexpr = w_ptr.dtype.element_ty
        rd = tl.program_id(0) * BLOCK_D + tl.arange(0, BLOCK_D)
        dm = rd < D
        if PDL:  # the next kernel may launch now (it loads its first weights, then waits for y)
            tl.extra.cuda.gdc_launch_dependents()
            tl.extra.cuda.gdc_wait()
        acc = tl.zeros([BLOCK_P, BLOCK_D], dtype=tl.float32)
        for p in tl.static_range(0, P, BLOCK_P):
            rp = p + tl.arange(0, BLOCK_P)
            acc += tl.load(part_ptr + rp[:, None] * D + rd[None, :], mask=(rp < P)[:, None] & dm[None, :],
                           other=0.0, cache_modifier=".cg")
        r = tl.sum(acc, 0).to(DT).to(tl.float32)
        tl.store(y_ptr + rd, tl.load(res_ptr + rd, mask=dm, other=0.0) + r, mask=dm)

    @triton.jit
    def _embed_kernel(tok_ptr, w_ptr, y_ptr, D, BLOCK: tl.constexpr, PDL: tl.constexpr):
        """y [D] fp32 = row tok[0] of the embedding table W [V, D]."""
        r = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        if PDL:  # the token may come from the kernel before (the pipelined engine's greedy feedback)
            tl.extra.cuda.gdc_launch_dependents()
            tl.extra.cuda.gdc_wait()
        t = tl.load(tok_ptr).to(tl.int64)
        tl.store(y_ptr + r, tl.load(w_ptr + t * D + r, mask=r < D, other=0.0).to(tl.float32), mask=r < D)

    @triton.jit
    def _greedy_kernel(x_ptr, V, val_ptr, idx_ptr, cnt_ptr, next_ptr, tok_ptr, pos_ptr, BLOCK: tl.constexpr,
                       P: tl.constexpr, PDL: tl.constexpr):
        """argmax of x [V] (first index of the maximum) into next[0] and tok[0]; pos[0] += 1. Each program reduces
        BLOCK entries; the last to finish reduces the programs' results."""
        pid = tl.program_id(0)
        if PDL:
            tl.extra.cuda.gdc_wait()
        r = pid * BLOCK + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + r, mask=r < V, other=float("-inf"))
        tl.store(val_ptr + pid, tl.max(x, 0))
        tl.store(idx_ptr + pid, (pid * BLOCK + tl.argmax(x, 0)).to(tl.int32))
        tl.debug_barrier()
        done = tl.atomic_add(cnt_ptr, 1, sem="acq_rel")
        if done == tl.num_programs(0) - 1:
            tl.atomic_xchg(cnt_ptr, 0)
            p = tl.arange(0, P)
            pm = p < tl.num_programs(0)
            vals = tl.load(val_ptr + p, mask=pm, other=float("-inf"), cache_modifier=".cg")
            idxs = tl.load(idx_ptr + p, mask=pm, other=0, cache_modifier=".cg")
            best = tl.argmax(vals, 0)
            tok = tl.sum(tl.where(p == best, idxs, 0), 0).to(tl.int64)
            tl.store(next_ptr, tok)
            tl.store(tok_ptr, tok)
            tl.store(pos_ptr, tl.load(pos_ptr) + 1)


class Workspace:
    """Split-K partial sums and per-tile counters shared by every :func:`projection` call of a step (kernels run one
    after another; a counter is back at 0 when its kernel ends). Sized for `max_outputs` outputs, <= 8 slices, and
    for :func:`updown` partial rows of `updown_floats` floats in all (programs x outputs)."""

    def __init__(self, max_outputs: int, device: torch.device, updown_floats: int = 0) -> None:
        self.partials = torch.empty(max(8 * max_outputs, updown_floats), dtype=torch.float32, device=device)
        self.counters = torch.zeros(max_outputs, dtype=torch.int32, device=device)
        self.indices = torch.empty(GREEDY_PROGRAMS, dtype=torch.int32, device=device)


GREEDY_PROGRAMS = 128


def greedy(logits: torch.Tensor, next_tokens: torch.Tensor, tokens: torch.Tensor, pos: torch.Tensor,
           ws: Workspace) -> None:
    """One kernel: t = argmax(logits) (the first index of the maximum; logits [V] fp32) into next_tokens[0] and
    tokens[0] (int64), pos[0] += 1: the pipelined greedy decode's feedback for one slot."""
    _need()
    V = logits.shape[-1]
    block = max(1024, triton.next_power_of_2(-(-V // GREEDY_PROGRAMS)))
    n = -(-V // block)
    extra = {"launch_pdl": True} if PDL else {}
    _greedy_kernel[(n,)](logits, V, ws.partials, ws.indices, ws.counters, next_tokens, tokens, pos, BLOCK=block,
                         P=triton.next_power_of_2(n), PDL=PDL, num_warps=8, **extra)


_SMS: dict[int, int] = {}


def _sm_count(device: torch.device) -> int:
    """Streaming multiprocessors of the device (132 for an H100 SXM; 132 under the Triton interpreter)."""
    if device.type != "cuda":
        return 132
    i = device.index if device.index is not None else torch.cuda.current_device()
    if i not in _SMS:
        _SMS[i] = torch.cuda.get_device_properties(i).multi_processor_count
    return _SMS[i]


def _full(cfg: tuple[int, ...]) -> tuple[int, int, int, int, int]:
    """A config with its programs-per-SM bound (5th entry; 0 = a program per tile) filled in."""
    return (*cfg, DEFAULT_WAVES) if len(cfg) == 4 else tuple(cfg)  # type: ignore[return-value]


def _need() -> None:
    if triton is None:
        raise RuntimeError("inference.engine.triton_decode_kernels needs Triton (a CUDA machine)")


def projection(x: torch.Tensor, weight: torch.Tensor, y: torch.Tensor, ws: Workspace, *,
               prologue: int = PLAIN, epilogue: int = STORE, bias: torch.Tensor | None = None,
               ln: torch.nn.LayerNorm | None = None, res: torch.Tensor | None = None, mem: torch.Tensor | None = None,
               kv: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int, int, int] | None = None,
               conv: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
               config: tuple[int, ...] | None = None, prefetch_l2: bool = False) -> torch.Tensor:
    """y = epilogue(prologue(x) @ weight^T + bias) for one row (see the module docstring); returns y.

    x: [K] input (LAYERNORM: the fp32 residual stream; SWIGLU: [2K] = [gate | up]); weight [N, K] contiguous;
    y [N] output (RESIDUAL: fp32, not `res`); bias [N]; ln the LayerNorm; res [N] fp32 (RESIDUAL); mem [N]
    (SILU_MUL); kv = (k cache of this slot [Hkv, R, D], v cache [Hkv/2, R, 2D], pos [1] int64, first key column,
    key columns, ring size or 0) (KV); conv = (state [Di, KC] of this slot, weight [Di, KC], bias [Di], out [Di])
    (CONV_STATE: columns [0, Di) of y are the conv's inputs; out gets silu(conv), the state is shifted).
    prefetch_l2: with PDL, every program first asks for all of its weight lines to be brought into L2 (then waits
    for the previous kernel): for a projection after a short kernel that lets it launch early (the attention combine,
    the Mamba update), whose weights then stream from HBM while that kernel runs."""
    _need()
    N, K = weight.shape
    if res is not None and res.data_ptr() == y.data_ptr():
        raise ValueError("the residual update writes a new buffer: y must not be res")
    need = {RESIDUAL: res, SILU_MUL: mem, KV: kv, CONV_STATE: conv}
    if epilogue in need and need[epilogue] is None or prologue == LAYERNORM and ln is None:
        raise ValueError("the prologue / epilogue needs its operand (ln, res, mem, kv or conv)")
    bn, bk, split, warps, waves = _full(config) if config is not None else config_for(N, K, prologue)
    if split > 1 and (ws.counters.numel() < -(-N // bn) or ws.partials.numel() < split * N):
        raise ValueError(f"workspace too small for {N} outputs in {split} slices")
    dummy = weight
    cs, cw, cb, conv_out = conv if conv is not None else (dummy, dummy, dummy, dummy)
    kc, vc, pos, kv_q, kv_k, ring = kv if kv is not None else (dummy, dummy, dummy, 0, 0, 0)
    if conv is not None:
        kv_k = cs.shape[0]  # the conv's channels: columns [0, Di)
        mem = conv_out
    head_d = kc.shape[-1] if kv is not None else 16
    kc_ = cs.shape[-1] if conv is not None else 4
    kp = triton.next_power_of_2(K)
    extra = {"launch_pdl": True} if PDL else {}
    tiles = triton.cdiv(N, bn) * split
    programs = tiles if waves <= 0 else min(tiles, waves * _sm_count(weight.device))
    chunk = triton.cdiv(triton.cdiv(K, split), bk) * bk
    # the L2 prefetch needs PDL (it runs while the previous kernel does) and 2-byte weights (64 to a line)
    l2 = bool(prefetch_l2 and PDL and weight.element_size() == 2)
    _projection_kernel[(programs,)](
        x, weight, dummy if bias is None else bias, dummy if ln is None else ln.weight,
        dummy if ln is None or ln.bias is None else ln.bias, cs, cw, cb, y, dummy if res is None else res,
        dummy if mem is None else mem, kc, vc, pos, ws.partials, ws.counters, N, K,
        float(ln.eps) if ln is not None else 0.0, kv_q, kv_k, ring,
        kc.stride(0) if kv is not None else 0, kc.stride(1) if kv is not None else 0,
        vc.stride(0) if kv is not None else 0, vc.stride(1) if kv is not None else 0,
        PROLOGUE=prologue, EPILOGUE=epilogue, HAS_BIAS=bias is not None,
        HAS_LNB=ln is not None and ln.bias is not None, KC=kc_, KCP=triton.next_power_of_2(kc_), HEAD_D=head_d,
        BLOCK_N=bn, BLOCK_K=bk, SPLIT=split, EVEN_K=K % (split * bk) == 0, KP=kp if kp <= 16384 else 0,
        PREFETCH=bool(PREFETCH) and (N, K, prologue, epilogue) not in NO_LOOKAHEAD,
        PREFETCH_L2=l2, LINES=triton.next_power_of_2(max(1, -(-chunk // 64))), PDL=PDL,
        num_warps=warps, **extra)
    return y


def updown_config(M: int, K: int, kind: int) -> tuple[int, int, int]:
    """(BLOCK_M, num_warps, programs per SM) of :func:`updown` for M middle rows over K inputs."""
    return UPDOWN_CONFIGS.get((M, K, kind), UPDOWN_DEFAULT)


def updown_programs(M: int, K: int, kind: int, device: torch.device, config: tuple[int, ...] | None = None) -> int:
    """Programs (= partial rows) one :func:`updown` call launches: at most `programs per SM` x SMs, as few as give
    every program the same number of tiles (rounded up), so they finish together."""
    bm, _, per_sm = config if config is not None else updown_config(M, K, kind)
    tiles = -(-M // bm)
    each = -(-tiles // max(1, per_sm * _sm_count(device)))
    return -(-tiles // each)


def _pow2_parts(n: int) -> tuple[int, int]:
    """(a, b): a the largest power of two <= n, b the smallest power of two >= n - a (0 when n is one)."""
    a = 1 << (n.bit_length() - 1)
    rest = n - a
    return a, (0 if rest == 0 else 1 << (rest - 1).bit_length())


def updown(x: torch.Tensor, w1: torch.Tensor, w2t: torch.Tensor, y: torch.Tensor, res: torch.Tensor, ws: Workspace,
           *, ln: torch.nn.LayerNorm, kind: int = MLP, mem: torch.Tensor | None = None,
           config: tuple[int, ...] | None = None) -> torch.Tensor:
    """y = res + down(mid(up(LayerNorm(x)))) for one row, in two kernels with no wait between the projections:
    the MLP (kind = MLP: up = fc1 with W1 = [gate rows; up rows], h = silu(gate) * up) or the GMU (kind = GMU:
    up = in_proj, h = silu(up) * mem). Returns y.

    x [K] fp32 residual stream; w1 [2M, K] (MLP) or [M, K] (GMU), contiguous; w2t [M, D] the down projection's
    weight *transposed* (W2 [D, M] -> W2.t().contiguous(), so a program's rows of it are contiguous); res, y [D]
    fp32 (y not res); mem [M] (GMU).

    Each program takes tiles of BLOCK_M middle rows (whole weight rows, the next tile's loaded ahead; the
    LayerNorm'd x computed once a program): it computes their up-projection sums, rounds them and h like the model
    (to the model dtype), and adds h @ W2t[rows] to its own fp32 accumulator of all D outputs,
    written as one partial row at its end; a second kernel sums the partial rows in a fixed order (bitwise
    reproducible), rounds once to the model dtype and adds the residual. The down projection's weights stream in
    the same kernel as the up projection's, so the step does not drain the memory system between them."""
    _need()
    if ln is None or kind not in (MLP, GMU) or (kind == GMU) != (mem is not None):
        raise ValueError("updown needs ln, kind MLP or GMU, and mem exactly for GMU")
    M, D = w2t.shape
    K = x.shape[0]
    if max(K, D) > UPDOWN_MAX:
        raise ValueError(f"updown holds whole rows in registers: K and D up to {UPDOWN_MAX} (K {K}, D {D})")
    if w1.shape != ((2 * M if kind == MLP else M), K) or not (w1.is_contiguous() and w2t.is_contiguous()):
        raise ValueError(f"updown: w1 {tuple(w1.shape)} and w2t {tuple(w2t.shape)} do not fit x [{K}] (contiguous)")
    if res.shape != (D,) or y.shape != (D,) or res.data_ptr() == y.data_ptr():
        raise ValueError("updown: res and y are [D] and distinct")
    cfg = tuple(config) if config is not None else updown_config(M, K, kind)
    bm, warps, _ = cfg
    programs = updown_programs(M, K, kind, w1.device, cfg)
    if ws.partials.numel() < programs * D:
        raise ValueError(f"workspace too small for {programs} partial rows of {D}")
    ka, kb = _pow2_parts(K)
    da, db = _pow2_parts(D)
    extra = {"launch_pdl": True} if PDL else {}
    _updown_kernel[(programs,)](
        x, w1, w2t, ln.weight, ln.weight if ln.bias is None else ln.bias, w1 if mem is None else mem, ws.partials,
        M, K, D, float(ln.eps), KIND=kind, HAS_LNB=ln.bias is not None, BLOCK_M=bm, KA=ka, KB=max(kb, 1),
        HAS_KB=kb > 0, DA=da, DB=max(db, 1), HAS_DB=db > 0, KP=triton.next_power_of_2(K),
        PREFETCH=bool(UPDOWN_PREFETCH), PDL=PDL,
        num_warps=warps, **extra)
    bd, bp = UPDOWN_SUM
    _updown_sum_kernel[(-(-D // bd),)](ws.partials, res, y, w1, P=programs, D=D, BLOCK_D=bd,
                                        BLOCK_P=min(bp, triton.next_power_of_2(programs)), PDL=PDL, num_warps=4,
                                        **extra)
    return y


def embed(tokens: torch.Tensor, weight: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """y [D] fp32 = weight[tokens[0]] (tokens [1] int64 on the device, weight [V, D] contiguous) in one kernel (the
    residual stream's start); returns y."""
    _need()
    if not weight.is_contiguous() or tokens.shape != (1,) or y.shape != (weight.shape[1],):
        raise ValueError("embed: one token, a contiguous table [V, D] and y [D]")
    D = weight.shape[1]
    extra = {"launch_pdl": True} if PDL else {}
    _embed_kernel[(triton.cdiv(D, 1024),)](tokens, weight, y, D, BLOCK=1024, PDL=PDL, num_warps=4, **extra)
    return y


def mamba_update(xz: torch.Tensor, xc: torch.Tensor, xp: torch.Tensor, dt_weight: torch.Tensor,
                 dt_bias: torch.Tensor, A: torch.Tensor, D: torch.Tensor, ssm: torch.Tensor, y: torch.Tensor,
                 gated: torch.Tensor | None = None, block_d: int = 16) -> None:
    """The Mamba decode update after x_proj, for one slot: dt_proj, softplus, the state update, D skip, the gate.

    xz [2 Di] (in_proj output: [x | z], model dtype; only z is read); xc [Di] silu(conv) of x (the CONV_STATE
    epilogue's output); xp [R + 2 NS] (x_proj output: [dt | B | C]); dt_weight [Di, R]; dt_bias [Di]; A [Di, NS]
    fp32 (-exp(A_log)); D [Di]; ssm [Di, NS] fp32 (updated in place). Writes y [Di] = (C.s + D xc) * silu(z), or,
    with `gated` (the memory layer), y = C.s + D xc ungated and gated = silu(z) * y, in the model dtype."""
    _need()
    Di, NS = A.shape
    R = dt_weight.shape[1]
    extra = {"launch_pdl": True} if PDL else {}
    _mamba_update_kernel[(triton.cdiv(Di, block_d),)](
        xz, xc, xp, dt_weight, dt_bias, A, D, ssm, y, y if gated is None else gated, Di, R, NS, BLOCK_D=block_d,
        RP=triton.next_power_of_2(R), NP=triton.next_power_of_2(NS), MEMORY=gated is not None, PDL=PDL,
        num_warps=4, **extra)
