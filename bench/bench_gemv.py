"""Batch-1 matrix-vector products at the 3.8B SambaY shapes: what fraction of the copy bandwidth can one kernel reach?

    python bench/bench_gemv.py --out DIR          # on a CUDA machine with Triton; writes DIR/gemv.json

For each weight shape of the decode step (W [N, K] bf16, x [K]) it times, over CUDA-graph replays of a chain of
distinct weight copies (more bytes than the 50 MB L2, so nothing is served from cache):

* `torch.mm(x, W.t())` (cuBLAS);
* a plain Triton GEMV (`_gemv`: BLOCK_N rows per program, the K loop in BLOCK_K chunks, optional split of K over
  SPLIT programs writing fp32 partial sums) for a small grid of tile sizes, the best one reported;
* a whole "layer chain" (in_proj, out_proj, fc1, fc2 of the released shapes, 8 layers, 1.6 GB) with the best tiles,
  once launched normally and once with Programmatic Dependent Launch (`launch_pdl=True`, `gdc_wait` after the
  first weight tile is loaded), to see how much of the kernel-boundary cost PDL hides.

Bandwidth = bytes of W read / time; the copy bandwidth (read + write of a 1 GiB buffer) is measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

try:
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - CUDA machines only
    triton = None

SHAPES = {  # name -> (N outputs, K inputs) of the released 3.8B model
    "mlp.fc1 (gate|up)": (20480, 2560),
    "mlp.fc2": (2560, 10240),
    "mamba.in_proj": (10240, 2560),
    "mamba.out_proj / gmu.out_proj": (2560, 5120),
    "attn.Wqkv / gmu.in_proj": (5120, 2560),
    "attn.out_proj": (2560, 2560),
    "mamba.x_proj": (192, 5120),
    "lm_head": (200064, 2560),
}

if triton is not None:
    @triton.jit
    def _gemv(w_ptr, x_ptr, y_ptr, N, K, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, SPLIT: tl.constexpr,
              PDL: tl.constexpr):
        """y[pid_k, n] = sum_{k in chunk pid_k} W[n, k] x[k] (fp32). K % (SPLIT * BLOCK_K) == 0."""
        pid_n = tl.program_id(0)
        pid_k = tl.program_id(1)
        rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
        nmask = rn[:, None] < N
        chunk = K // SPLIT
        k0 = pid_k * chunk
        rk = k0 + tl.arange(0, BLOCK_K)
        w = tl.load(w_ptr + rn[:, None] * K + rk[None, :], mask=nmask, other=0.0)  # first tile before the wait
        if PDL:
            tl.extra.cuda.gdc_wait()
        acc = w.to(tl.float32) * tl.load(x_ptr + rk).to(tl.float32)[None, :]
        for k in range(k0 + BLOCK_K, k0 + chunk, BLOCK_K):
            rk = k + tl.arange(0, BLOCK_K)
            w = tl.load(w_ptr + rn[:, None] * K + rk[None, :], mask=nmask, other=0.0)
            acc += w.to(tl.float32) * tl.load(x_ptr + rk).to(tl.float32)[None, :]
        if PDL:
            tl.extra.cuda.gdc_launch_dependents()
        tl.store(y_ptr + pid_k * N + rn, tl.sum(acc, 1), mask=rn < N)


def copy_bandwidth(dev) -> float:
    a = torch.empty(1 << 29, dtype=torch.float16, device=dev)
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    torch.cuda.synchronize()
    ts = []
    for _ in range(10):
        t0 = time.perf_counter()
        b.copy_(a)
        torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
    return 2 * a.numel() * 2 / min(ts)


def capture(fn) -> torch.cuda.CUDAGraph:
    """A CUDA graph of fn() (run once on a side stream first: compilation, allocator warm-up), replayed once."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    g.replay()
    torch.cuda.synchronize()
    return g


def graph_time(fn, reps: int = 20) -> float:
    """Median seconds of one replay of a CUDA graph of fn()."""
    g = capture(fn)
    ev = [torch.cuda.Event(enable_timing=True) for _ in range(2)]
    ts = []
    for _ in range(reps):
        ev[0].record()
        g.replay()
        ev[1].record()
        ev[1].synchronize()
        ts.append(ev[0].elapsed_time(ev[1]) / 1e3)
    return statistics.median(ts)


def launch(w, x, y, bn, bk, split, warps, pdl=False):
    N, K = w.shape
    _gemv[(triton.cdiv(N, bn), split)](w, x, y, N, K, BLOCK_N=bn, BLOCK_K=bk, SPLIT=split, PDL=pdl,
                                       num_warps=warps, launch_pdl=pdl)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/gemv")
    args = ap.parse_args()
    dev = torch.device("cuda")
    bw = copy_bandwidth(dev)
    res: dict = {"device": torch.cuda.get_device_name(), "torch": torch.__version__,
                 "triton": triton.__version__, "copy_bandwidth_TBps": bw / 1e12, "shapes": {}}
    print(f"copy bandwidth {bw / 1e12:.3f} TB/s")
    configs = [(bn, bk, sp, wp) for bn in (4, 8, 16, 32) for bk in (128, 256, 512) for sp in (1, 2, 4, 8)
               for wp in (4, 8)]
    best_cfg = {}
    for name, (N, K) in SHAPES.items():
        copies = max(2, (160 << 20) // (N * K * 2) + 1)
        ws = [torch.randn(N, K, device=dev, dtype=torch.bfloat16) for _ in range(copies)]
        x = torch.randn(K, device=dev, dtype=torch.bfloat16)
        nbytes = N * K * 2 * copies
        row: dict = {"N": N, "K": K, "MB": N * K * 2 / 1e6, "copies": copies}
        t = graph_time(lambda ws=ws, x=x: [torch.mm(x[None], w.t()) for w in ws])
        row["cublas_TBps"] = nbytes / t / 1e12
        ref = (ws[0].float() @ x.float())
        results = []
        for bn, bk, sp, wp in configs:
            if K % (sp * bk) or (N >= 100000 and sp > 1):
                continue
            y = torch.empty(sp, N, device=dev, dtype=torch.float32)
            try:
                launch(ws[0], x, y, bn, bk, sp, wp)
                torch.cuda.synchronize()
                err = ((y.sum(0) - ref).norm() / ref.norm()).item()
                if err > 1e-3:
                    results.append((0.0, (bn, bk, sp, wp), f"wrong: {err:.1e}"))
                    continue
                t = graph_time(lambda ws=ws, x=x, y=y, c=(bn, bk, sp, wp): [launch(w, x, y, *c) for w in ws], reps=10)
                results.append((nbytes / t / 1e12, (bn, bk, sp, wp), ""))
            except Exception as e:  # noqa: BLE001 - a config that does not compile is skipped
                results.append((0.0, (bn, bk, sp, wp), f"{type(e).__name__}: {str(e)[:80]}"))
        results.sort(reverse=True)
        row["triton_best_TBps"], row["triton_best_cfg"] = results[0][0], results[0][1]
        row["triton_top5"] = [[round(r[0], 3), r[1]] for r in results[:5]]
        row["errors"] = [r for r in results if r[2]][:3]
        best_cfg[name] = results[0][1]
        res["shapes"][name] = row
        print(f"{name:32s} {N:6d}x{K:5d} ({row['MB']:6.1f} MB): cuBLAS {row['cublas_TBps']:.3f} TB/s, "
              f"Triton best {row['triton_best_TBps']:.3f} TB/s {row['triton_best_cfg']}", flush=True)
        del ws
    # a chain like 8 Mamba layers' big projections: in_proj, out_proj, fc1, fc2
    chain_shapes = ["mamba.in_proj", "mamba.out_proj / gmu.out_proj", "mlp.fc1 (gate|up)", "mlp.fc2"] * 8
    ws = [torch.randn(*SHAPES[s], device=dev, dtype=torch.bfloat16) for s in chain_shapes]
    xs = [torch.randn(w.shape[1], device=dev, dtype=torch.bfloat16) for w in ws]
    ys = [torch.empty(best_cfg[s][2], w.shape[0], device=dev, dtype=torch.float32) for s, w in zip(chain_shapes, ws)]
    nbytes = sum(w.numel() * 2 for w in ws)
    chain = {"GB": nbytes / 1e9, "kernels": len(ws)}
    for pdl in (False, True):
        def run(pdl=pdl):
            for s, w, x, y in zip(chain_shapes, ws, xs, ys):
                bn, bk, sp, wp = best_cfg[s]
                launch(w, x, y, bn, bk, sp, wp, pdl=pdl)
        try:
            t = graph_time(run)
            chain["pdl" if pdl else "plain"] = {"ms": t * 1e3, "TBps": nbytes / t / 1e12}
        except Exception as e:  # noqa: BLE001
            chain["pdl" if pdl else "plain"] = {"error": f"{type(e).__name__}: {str(e)[:200]}"}
    t = graph_time(lambda: [torch.mm(x[None], w.t()) for w, x in zip(ws, xs)])
    chain["cublas"] = {"ms": t * 1e3, "TBps": nbytes / t / 1e12}
    res["chain"] = chain
    print("chain", json.dumps(chain))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "gemv.json").write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
