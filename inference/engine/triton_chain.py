"""Consecutive projections of the batch-1 decode step as one persistent Triton kernel, a grid barrier between them.

:func:`.triton_decode_kernels.projection` makes each projection one kernel; on an H100 every kernel boundary
between two large projections costs 4-5 us beyond the weight bytes (the first kernel's tail, the grid's completion,
the next one's ramp-up: ``bench/bench_decode_variants.py``, docs/benchmarks.md), about 140 boundaries a step.
Here a run of projections with nothing else between them (e.g. attention out_proj -> fc1 -> fc2 -> the next
layer's Wqkv) is one launch of :func:`_chain_kernel`: P programs, all resident at once (P = SMs x occupancy), go
through the phases in order; in each phase program p takes the tiles p, p + P, ... of that projection (the same
prologues and epilogues as :func:`~.triton_decode_kernels.projection`, split-K with the same deterministic
fix-up), then loads its first weight tile of the next phase and waits at a grid barrier (an arrival counter and a
generation word in global memory, sense-reversing) until every program has finished the phase. Weights do not
depend on the previous phase, so each program's next tile is in flight while the barrier completes.

Phases are described by a device table (:data:`NF` int64 words a phase: kinds, sizes and the addresses of every
operand), built once per set of buffers and cached (:class:`Chain`); the kernel casts the addresses to pointers.
Activation loads go through L1 (every K step of a tile reads its operand again: from L2 that is a dependent
round trip a step): safe because each buffer is written once a step, by an earlier phase than any that reads it,
and L1 holds nothing of it at the launch; the split-K partials, rewritten by every split phase, are read past L1
(``.cg``).

The barrier needs all P programs resident together: P is derived from the compiled kernel's registers and shared
memory (:func:`programs`); under the Triton interpreter (which runs programs one after another) P = 1.
"""

from __future__ import annotations

import os

import torch

from . import triton_decode_kernels as kd

try:  # CI and CPU machines have no Triton
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None
    tl = None

AVAILABLE = triton is not None

# tile shape of every phase (rows of W x K columns a step of the K loop), warps a program, programs an SM
BLOCK_N, BLOCK_K, WARPS, OCCUPANCY = 8, 512, 4, 4
# descriptor words a phase
NF = 28
(F_PRO, F_EPI, F_N, F_K, F_SPLIT, F_X, F_W, F_BIAS, F_LNW, F_LNB, F_Y, F_RES, F_MEM, F_KC, F_VC, F_POS, F_KVQ, F_KVK,
 F_RING, F_KSH, F_KSR, F_VSH, F_VSR, F_CS, F_CW, F_CB, F_EVEN) = range(27)


if triton is not None:
    from .triton_decode_kernels import _epilogue, _silu, _w_tile

    @triton.jit
    def _ptr(addr, DT: tl.constexpr):
        """A 16-byte aligned address (describe() checks it) as a pointer to DT: vector loads stay possible."""
        return tl.multiple_of(addr, 16).to(tl.pointer_type(DT))

    @triton.jit
    def _first_tile(d, pid, DT: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr):
        """Program pid's first weight tile of the phase described at d (zeros where it has none)."""
        N = tl.load(d + 2).to(tl.int32)
        K = tl.multiple_of(tl.load(d + 3).to(tl.int32), 16)
        split = tl.load(d + 4).to(tl.int32)
        w_ptr = _ptr(tl.load(d + 6), DT)
        chunk = tl.cdiv(tl.cdiv(K, split), BLOCK_K) * BLOCK_K
        rn = (pid // split) * BLOCK_N + tl.arange(0, BLOCK_N)
        rk = (pid % split) * chunk + tl.arange(0, BLOCK_K)
        nmask = (rn < N) & (pid < tl.cdiv(N, BLOCK_N) * split)
        if tl.load(d + 26) != 0:  # K splits into whole BLOCK_K steps: no K mask, 16-byte loads
            w = _w_tile(w_ptr, rn, rk, nmask, rk < K, K, True)
        else:
            w = _w_tile(w_ptr, rn, rk, nmask, rk < K, K, False)
        return w

    @triton.jit
    def _x_operand(x_addr, lnw_addr, lnb_addr, mean, rstd, rk, kmask, K, PRO: tl.constexpr, DT: tl.constexpr):
        """The fp32 operand [BLOCK_K] of columns rk: x (PLAIN), LayerNorm(x) (x fp32), silu(gate) * up (SWIGLU)."""
        if PRO == 1:
            xv = tl.load(_ptr(x_addr, tl.float32) + rk, mask=kmask, other=0.0).to(DT).to(tl.float32)
            y = (xv - mean) * rstd * tl.load(_ptr(lnw_addr, DT) + rk, mask=kmask, other=0.0).to(tl.float32)
            if lnb_addr != 0:
                y += tl.load(_ptr(lnb_addr, DT) + rk, mask=kmask, other=0.0).to(tl.float32)
            v = y.to(DT).to(tl.float32)
        elif PRO == 2:
            xp = _ptr(x_addr, DT)
            a = tl.load(xp + rk, mask=kmask, other=0.0).to(tl.float32)
            u = tl.load(xp + K + rk, mask=kmask, other=0.0).to(tl.float32)
            v = (_silu(a) * u).to(DT).to(tl.float32)
        else:
            v = tl.load(_ptr(x_addr, DT) + rk, mask=kmask, other=0.0).to(tl.float32)
        return tl.where(kmask, v, 0.0)

    @triton.jit
    def _tile_sum(w, w_ptr, x_addr, lnw, lnb, mean, rstd, rn, nmask, k_lo, k_hi, K, PRO: tl.constexpr,
                  DT: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, EVEN: tl.constexpr):
        """sum over k in [k_lo, k_hi) of W[rn, k] * operand[k]: [BLOCK_N] fp32; w holds the first weight tile, the
        next one is in flight while a tile is used."""
        rk = k_lo + tl.arange(0, BLOCK_K)
        kend = K if EVEN else k_hi  # EVEN: the slice is whole BLOCK_K steps (a mask the compiler sees as uniform)
        kmask = rk < kend
        acc = tl.zeros([BLOCK_N, BLOCK_K], dtype=tl.float32)
        for _ in range(tl.cdiv(k_hi - k_lo, BLOCK_K) - 1):
            rk_n = rk + BLOCK_K
            kmask_n = rk_n < kend
            w_n = _w_tile(w_ptr, rn, rk_n, nmask, kmask_n, K, EVEN)
            acc += w.to(tl.float32) * _x_operand(x_addr, lnw, lnb, mean, rstd, rk, kmask, K, PRO, DT)[None, :]
            w = w_n
            rk = rk_n
            kmask = kmask_n
        acc += w.to(tl.float32) * _x_operand(x_addr, lnw, lnb, mean, rstd, rk, kmask, K, PRO, DT)[None, :]
        return tl.sum(acc, 1)

    @triton.jit
    def _phase_epilogue(out, rn, nmask, d, DT: tl.constexpr, HEAD_D: tl.constexpr, KC: tl.constexpr,
                        KCP: tl.constexpr):
        """bias, then the phase's epilogue (kinds as :func:`~.triton_decode_kernels.projection`)."""
        epi = tl.load(d + 1)
        bias = tl.load(d + 7)
        if bias != 0:
            out += tl.load(bias.to(tl.pointer_type(DT)) + rn, mask=nmask, other=0.0).to(tl.float32)
        y = tl.load(d + 10)
        yd = y.to(tl.pointer_type(DT))
        if epi == 1:
            _epilogue(out, rn, nmask, y.to(tl.pointer_type(tl.float32)), yd,
                      tl.load(d + 11).to(tl.pointer_type(tl.float32)), yd, yd, yd, yd, 0, 0, 0, 0, 0, 0, 0,
                      yd, yd, yd, 1, False, HEAD_D, KC, KCP, DT)
        elif epi == 2:
            _epilogue(out, rn, nmask, yd, yd, yd, tl.load(d + 12).to(tl.pointer_type(DT)), yd, yd, yd, 0, 0, 0, 0,
                      0, 0, 0, yd, yd, yd, 2, False, HEAD_D, KC, KCP, DT)
        elif epi == 3:
            _epilogue(out, rn, nmask, yd, yd, yd, yd, tl.load(d + 13).to(tl.pointer_type(DT)),
                      tl.load(d + 14).to(tl.pointer_type(DT)), tl.load(d + 15).to(tl.pointer_type(tl.int64)),
                      tl.load(d + 16), tl.load(d + 17), tl.load(d + 18), tl.load(d + 19), tl.load(d + 20),
                      tl.load(d + 21), tl.load(d + 22), yd, yd, yd, 3, False, HEAD_D, KC, KCP, DT)
        elif epi == 4:
            _epilogue(out, rn, nmask, yd, yd, yd, tl.load(d + 12).to(tl.pointer_type(DT)), yd, yd, yd, 0,
                      tl.load(d + 17), 0, 0, 0, 0, 0, tl.load(d + 23).to(tl.pointer_type(DT)),
                      tl.load(d + 24).to(tl.pointer_type(DT)), tl.load(d + 25).to(tl.pointer_type(DT)), 4, False,
                      HEAD_D, KC, KCP, DT)
        else:
            _epilogue(out, rn, nmask, yd, yd, yd, yd, yd, yd, yd, 0, 0, 0, 0, 0, 0, 0, yd, yd, yd, 0, False,
                      HEAD_D, KC, KCP, DT)

    @triton.jit
    def _load_acquire(ptr):
        """ld.acquire.gpu of an int32: a plain load (no atomic unit), ordered before this thread's later accesses."""
        return tl.inline_asm_elementwise("ld.acquire.gpu.global.b32 $0, [$1];", "=r,l", [ptr], dtype=tl.int32,
                                         is_pure=False, pack=1)

    @triton.jit
    def _grid_sync(bar_ptr, P):
        """Every program of the grid has arrived (all resident): count at bar_ptr[0], generation at bar_ptr[1].
        Waiting programs poll the generation with acquire loads: polling with atomics (measured) queues the
        arrivals behind hundreds of polls at the L2 and costs ~25 us a barrier."""
        tl.debug_barrier()  # this program's stores happen before its arrival (release)
        gen = tl.load(bar_ptr + 1, volatile=True)  # before the arrival (acq_rel): not the new generation
        old = tl.atomic_add(bar_ptr, 1, sem="acq_rel")
        if old == P - 1:  # the last to arrive: reset the count, then open the barrier
            tl.atomic_xchg(bar_ptr, 0, sem="relaxed")
            tl.atomic_add(bar_ptr + 1, 1, sem="release")
        else:
            cur = _load_acquire(bar_ptr + 1)
            while cur == gen:
                cur = _load_acquire(bar_ptr + 1)
        tl.debug_barrier()

    @triton.jit(do_not_specialize=["num_phases"])
    def _chain_kernel(desc_ptr, eps_ptr, num_phases, bar_ptr, ws_ptr, cnt_ptr, dt_ptr, ts_ptr,
                      KP: tl.constexpr, KC: tl.constexpr, KCP: tl.constexpr, HEAD_D: tl.constexpr,
                      BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, PDL: tl.constexpr, TIMING: tl.constexpr):
        DT: tl.constexpr = dt_ptr.dtype.element_ty
        pid = tl.program_id(0)
        P = tl.num_programs(0)
        w = _first_tile(desc_ptr, pid, DT, BLOCK_N, BLOCK_K)  # does not depend on the previous kernel
        if PDL:
            tl.extra.cuda.gdc_wait()
        for ph in range(num_phases):
            d = desc_ptr + ph * 28
            if TIMING:  # global ns at the phase's start and end, per program: ts [P, 16, 2]
                tl.store(ts_ptr + (pid * 16 + ph) * 2, tl.extra.cuda.globaltimer())
            pro = tl.load(d + 0)
            N = tl.load(d + 2).to(tl.int32)
            K = tl.multiple_of(tl.load(d + 3).to(tl.int32), 16)
            split = tl.load(d + 4).to(tl.int32)
            x_addr = tl.load(d + 5)
            w_ptr = _ptr(tl.load(d + 6), DT)
            lnw = tl.load(d + 8)
            lnb = tl.load(d + 9)
            even = tl.load(d + 26)
            total = tl.cdiv(N, BLOCK_N) * split
            chunk = tl.cdiv(tl.cdiv(K, split), BLOCK_K) * BLOCK_K
            mean = 0.0
            rstd = 0.0
            if pro == 1:  # LayerNorm statistics of the DT-rounded residual row, one load, shifted by x[0]
                xf = _ptr(x_addr, tl.float32)
                c = tl.load(xf).to(DT).to(tl.float32)
                ks = tl.arange(0, KP)
                xv = tl.load(xf + ks, mask=ks < K, other=0.0).to(DT).to(tl.float32)
                dv = tl.where(ks < K, xv - c, 0.0)
                mu = tl.sum(dv, 0) / K
                var = tl.maximum(tl.sum(dv * dv, 0) / K - mu * mu, 0.0)
                mean = c + mu
                rstd = 1.0 / tl.sqrt_rn(var + tl.load(eps_ptr + ph))
            for t in range(pid, total, P):
                pid_n = t // split
                pid_k = t % split
                rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
                nmask = rn < N
                k_lo = pid_k * chunk
                k_hi = tl.minimum(k_lo + chunk, K)
                if even:
                    if pro == 1:
                        out = _tile_sum(w, w_ptr, x_addr, lnw, lnb, mean, rstd, rn, nmask, k_lo, k_hi, K, 1, DT,
                                        BLOCK_N, BLOCK_K, True)
                    elif pro == 2:
                        out = _tile_sum(w, w_ptr, x_addr, lnw, lnb, mean, rstd, rn, nmask, k_lo, k_hi, K, 2, DT,
                                        BLOCK_N, BLOCK_K, True)
                    else:
                        out = _tile_sum(w, w_ptr, x_addr, lnw, lnb, mean, rstd, rn, nmask, k_lo, k_hi, K, 0, DT,
                                        BLOCK_N, BLOCK_K, True)
                else:
                    if pro == 1:
                        out = _tile_sum(w, w_ptr, x_addr, lnw, lnb, mean, rstd, rn, nmask, k_lo, k_hi, K, 1, DT,
                                        BLOCK_N, BLOCK_K, False)
                    elif pro == 2:
                        out = _tile_sum(w, w_ptr, x_addr, lnw, lnb, mean, rstd, rn, nmask, k_lo, k_hi, K, 2, DT,
                                        BLOCK_N, BLOCK_K, False)
                    else:
                        out = _tile_sum(w, w_ptr, x_addr, lnw, lnb, mean, rstd, rn, nmask, k_lo, k_hi, K, 0, DT,
                                        BLOCK_N, BLOCK_K, False)
                tn = t + P
                rn2 = (tn // split) * BLOCK_N + tl.arange(0, BLOCK_N)
                rk2 = (tn % split) * chunk + tl.arange(0, BLOCK_K)
                if even:
                    w = _w_tile(w_ptr, rn2, rk2, (rn2 < N) & (tn < total), rk2 < K, K, True)
                else:
                    w = _w_tile(w_ptr, rn2, rk2, (rn2 < N) & (tn < total), rk2 < K, K, False)
                if PDL:  # noqa: SIM102 - PDL is a compile-time constant
                    if (ph == num_phases - 1) & (tn >= total):  # the program's last tile: the next kernel may launch
                        tl.extra.cuda.gdc_launch_dependents()
                if split == 1:
                    _phase_epilogue(out, rn, nmask, d, DT, HEAD_D, KC, KCP)
                else:
                    tl.store(ws_ptr + pid_k * N + rn, out, mask=nmask)
                    tl.debug_barrier()  # every thread's partial is written before the count (release)
                    done = tl.atomic_add(cnt_ptr + pid_n, 1, sem="acq_rel")
                    if done == split - 1:  # the tile's last slice: sum the slices in order, then the epilogue
                        full = tl.zeros([BLOCK_N], dtype=tl.float32)
                        for s in range(split):
                            full += tl.load(ws_ptr + s * N + rn, mask=nmask, other=0.0, cache_modifier=".cg")
                        tl.atomic_xchg(cnt_ptr + pid_n, 0)
                        _phase_epilogue(full, rn, nmask, d, DT, HEAD_D, KC, KCP)
            if TIMING:
                tl.store(ts_ptr + (pid * 16 + ph) * 2 + 1, tl.extra.cuda.globaltimer())
            if ph + 1 < num_phases:
                w = _first_tile(d + 28, pid, DT, BLOCK_N, BLOCK_K)  # in flight during the barrier
                _grid_sync(bar_ptr, P)


def _addr(t: torch.Tensor | None) -> int:
    return 0 if t is None else t.data_ptr()


def describe(x: torch.Tensor, weight: torch.Tensor, y: torch.Tensor, programs: int, *, prologue: int = kd.PLAIN,
             epilogue: int = kd.STORE, bias: torch.Tensor | None = None, ln: torch.nn.LayerNorm | None = None,
             res: torch.Tensor | None = None, mem: torch.Tensor | None = None,
             kv: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int, int, int] | None = None,
             conv: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] | None = None
             ) -> tuple[list[int], float]:
    """One phase's descriptor words and LayerNorm eps, for the arguments of
    :func:`~.triton_decode_kernels.projection` (the same checks). K splits in up to 8 slices while the phase has
    fewer tiles than `programs`. STORE / SILU_MUL / KV / CONV_STATE outputs are in the weight dtype, RESIDUAL fp32;
    all tensors contiguous."""
    N, K = weight.shape
    if res is not None and res.data_ptr() == y.data_ptr():
        raise ValueError("the residual update writes a new buffer: y must not be res")
    need = {kd.RESIDUAL: res, kd.SILU_MUL: mem, kd.KV: kv, kd.CONV_STATE: conv}
    if epilogue in need and need[epilogue] is None or prologue == kd.LAYERNORM and ln is None:
        raise ValueError("the prologue / epilogue needs its operand (ln, res, mem, kv or conv)")
    want = torch.float32 if epilogue == kd.RESIDUAL else weight.dtype
    if y.dtype != want:
        raise ValueError(f"a chained projection with epilogue {epilogue} writes {want}, not {y.dtype}")
    if K % 16:
        raise ValueError(f"a chained projection needs K a multiple of 16, not {K}")
    for name, t in (("x", x), ("weight", weight), ("ln.weight", ln.weight if ln is not None else None),
                    ("ln.bias", ln.bias if ln is not None else None)):
        if t is not None and (t.data_ptr() % 16 or not t.is_contiguous()):
            raise ValueError(f"a chained projection's {name} must be contiguous and 16-byte aligned")
    split, even = 1, K % BLOCK_K == 0
    while split < 8 and -(-N // BLOCK_N) * split < programs and K // (2 * split) >= BLOCK_K \
            and (not even or K % (2 * split * BLOCK_K) == 0):
        split *= 2
    w = [0] * NF
    w[F_PRO], w[F_EPI], w[F_N], w[F_K], w[F_SPLIT] = prologue, epilogue, N, K, split
    w[F_EVEN] = int(K % (split * BLOCK_K) == 0)
    w[F_X], w[F_W], w[F_BIAS], w[F_Y] = x.data_ptr(), weight.data_ptr(), _addr(bias), y.data_ptr()
    if ln is not None:
        w[F_LNW], w[F_LNB] = ln.weight.data_ptr(), _addr(ln.bias)
    w[F_RES], w[F_MEM] = _addr(res), _addr(mem)
    if kv is not None:
        kc, vc, pos, kv_q, kv_k, ring = kv
        w[F_KC], w[F_VC], w[F_POS], w[F_KVQ], w[F_KVK], w[F_RING] = (kc.data_ptr(), vc.data_ptr(), pos.data_ptr(),
                                                                    kv_q, kv_k, ring)
        w[F_KSH], w[F_KSR], w[F_VSH], w[F_VSR] = kc.stride(0), kc.stride(1), vc.stride(0), vc.stride(1)
    if conv is not None:
        cs, cw, cb, out = conv
        w[F_KVK], w[F_MEM] = cs.shape[0], out.data_ptr()  # the conv's channels: columns [0, Di)
        w[F_CS], w[F_CW], w[F_CB] = cs.data_ptr(), cw.data_ptr(), cb.data_ptr()
    return w, float(ln.eps) if ln is not None else 0.0


class Chain:
    """Collects projections (:meth:`add`, arguments of :func:`~.triton_decode_kernels.projection`) and runs them as
    one :func:`_chain_kernel` launch (:meth:`flush`). Descriptor tables are cached by content: the caller keeps its
    buffers (same addresses every step), so a CUDA graph captures only the launch. Holds the barrier words and a
    split-K workspace (the :class:`~.triton_decode_kernels.Workspace` of the step: kernels run one at a time)."""

    MAX_CACHED = 512

    def __init__(self, ws: kd.Workspace, device: torch.device, dtype: torch.dtype, hidden: int, head_dim: int,
                 d_conv: int) -> None:
        self.ws, self.device, self.dtype = ws, device, dtype
        self.kp = triton.next_power_of_2(hidden) if triton is not None else hidden
        self.head_dim, self.kc = head_dim, d_conv
        self.bar = torch.zeros(2, dtype=torch.int32, device=device)
        self.dt = torch.zeros(1, dtype=dtype, device=device)  # its element type is the kernel's DT
        self.regs = self.spills = 0  # of the compiled kernel (CUDA)
        self.pending: list[tuple[list[int], float, tuple]] = []
        self.tables: dict[tuple, tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]] = {}
        self.programs = programs(device, dtype, self)
        self.tiles_target = self.programs  # K splits while a phase has fewer tiles (tests raise it on the CPU)

    def add(self, x: torch.Tensor, weight: torch.Tensor, y: torch.Tensor, **kw) -> torch.Tensor:
        kw.pop("prefetch_l2", None)  # a single-kernel option
        words, eps = describe(x, weight, y, self.tiles_target, **kw)
        N = weight.shape[0]
        if words[F_SPLIT] > 1 and (self.ws.counters.numel() < -(-N // BLOCK_N)
                                   or self.ws.partials.numel() < words[F_SPLIT] * N):
            raise ValueError(f"workspace too small for {N} outputs in {words[F_SPLIT]} slices")
        # keep every operand alive until the launch
        self.pending.append((words, eps, (x, weight, y, *kw.values())))
        return y

    def _table(self, key: tuple, eps: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
        hit = self.tables.get(key)
        if hit is None:
            if len(self.tables) >= self.MAX_CACHED:
                self.tables.clear()
            words = torch.tensor(key, dtype=torch.int64)
            epsv = torch.tensor(eps, dtype=torch.float32)
            if self.device.type == "cuda" and torch.cuda.is_current_stream_capturing():
                # a new table inside a capture: the graph copies it from pinned memory at every replay
                words, epsv = words.pin_memory(), epsv.pin_memory()
                dw = torch.empty_like(words, device=self.device)
                de = torch.empty_like(epsv, device=self.device)
                dw.copy_(words, non_blocking=True)
                de.copy_(epsv, non_blocking=True)
                hit = (dw, de, (words, epsv))
            else:
                hit = (words.to(self.device), epsv.to(self.device), None)
            self.tables[key] = hit
        return hit[0], hit[1]

    def flush(self) -> None:
        """Launch the collected projections (nothing when none)."""
        if not self.pending:
            return
        key = tuple(v for words, _, _ in self.pending for v in words)
        desc, eps = self._table(key, [e for _, e, _ in self.pending])
        launch(desc, eps, len(self.pending), self)
        self.pending = []  # (after the launch: the operands may have had no other reference)


# A list: every launch appends a [programs, 16, 2] int64 tensor of each program's phase start / end times (global
# ns; bench/bench_decode_variants.py --chain-timing). None: no timing (the kernel has no timer code).
TIMING_SINK: list | None = None


def launch(desc: torch.Tensor, eps: torch.Tensor, phases: int, chain: Chain) -> None:
    """One :func:`_chain_kernel` launch over `phases` described in desc [phases * NF] int64 (eps [phases] fp32)."""
    extra = {"launch_pdl": True} if kd.PDL else {}
    ws = chain.ws
    ts = chain.dt
    if TIMING_SINK is not None and phases <= 16:
        ts = torch.zeros(chain.programs, 16, 2, dtype=torch.int64, device=chain.device)
        TIMING_SINK.append(ts)
    _chain_kernel[(chain.programs,)](desc, eps, phases, chain.bar, ws.partials, ws.counters, chain.dt, ts,
                                     TIMING=ts is not chain.dt, KP=chain.kp,
                                     KC=chain.kc, KCP=triton.next_power_of_2(chain.kc), HEAD_D=chain.head_dim,
                                     BLOCK_N=BLOCK_N, BLOCK_K=BLOCK_K, PDL=kd.PDL, num_warps=WARPS,
                                     maxnreg=65536 // (WARPS * 32 * OCCUPANCY), **extra)


def programs(device: torch.device, dtype: torch.dtype, chain: Chain) -> int:
    """Programs of a chain launch, all resident together: SMs x OCCUPANCY, fewer a SM where the compiled kernel's
    registers or shared memory do not fit that many (the barrier would never open); 1 under the Triton interpreter
    (programs run one after another)."""
    if device.type != "cuda" or os.environ.get("TRITON_INTERPRET") == "1":
        return 1
    props = torch.cuda.get_device_properties(device)
    sms = props.multi_processor_count
    desc = torch.zeros(NF, dtype=torch.int64, device=device)
    k = _chain_kernel.warmup(desc, torch.zeros(1, device=device), 0, chain.bar, chain.ws.partials, chain.ws.counters,
                             chain.dt, chain.dt, TIMING=False, KP=chain.kp, KC=chain.kc, KCP=triton.next_power_of_2(chain.kc),
                             HEAD_D=chain.head_dim, BLOCK_N=BLOCK_N, BLOCK_K=BLOCK_K, PDL=kd.PDL, num_warps=WARPS,
                             maxnreg=65536 // (WARPS * 32 * OCCUPANCY), grid=(1,),
                             **({"launch_pdl": True} if kd.PDL else {}))
    k._init_handles()  # loads the binary: n_regs, the CUfunction
    chain.regs, chain.spills = k.n_regs, k.n_spills
    per_sm = min(OCCUPANCY, _resident(k, WARPS * 32))
    if per_sm < 1:
        raise RuntimeError("a chain program does not fit on an SM")
    return sms * per_sm


def _resident(kernel, threads: int) -> int:
    """Programs of `kernel` an SM holds at once: the driver's occupancy calculator (cuOccupancyMaxActiveBlocks-
    PerMultiprocessor), else a conservative count from its registers (allocated per warp in 256s) and shared
    memory."""
    import ctypes

    shared = int(getattr(kernel.metadata, "shared", 0) or 0)
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
        n = ctypes.c_int(0)
        rc = cuda.cuOccupancyMaxActiveBlocksPerMultiprocessor(ctypes.byref(n), ctypes.c_void_p(kernel.function),
                                                               ctypes.c_int(threads), ctypes.c_size_t(shared))
        if rc == 0:
            return int(n.value)
    except (OSError, AttributeError):  # pragma: no cover - no driver library
        pass
    warp_regs = -(-kernel.n_regs * 32 // 256) * 256
    by_regs = 65536 // (warp_regs * (threads // 32))
    by_smem = (227 * 1024) // (shared + 1024)
    return max(0, min(by_regs, by_smem, 2048 // threads, 32) - 1)
