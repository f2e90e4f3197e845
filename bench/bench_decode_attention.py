"""Differential decode attention alone, side by side: the Triton kernels (`inference.engine.triton_attention`)
against the torch formulation the compiled step used before (`attention.diff_decode_attention` + the DiffCore
combine), eager and through `torch.compile`, at the released model's shapes (H 40, Hkv 20, D 64, bf16).

Each variant is captured in a CUDA graph of 50 calls and replayed; the table gives microseconds per call (median
of 20 replays) and the K/V bytes read per call over that time. Usage (CUDA machine, repository root):

    python3 bench/bench_decode_attention.py [--out DIR]     # writes DIR/decode-attention.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference.engine import triton_attention as ta
from inference.engine.attention import diff_decode_attention
from inference.layers.attention import DiffCore

H, HKV, D = 40, 20, 64
CALLS = 50


def torch_path(core: DiffCore, q, k, v, valid, lam):
    a1, a2 = diff_decode_attention(q.view(q.shape[0], H, D), k, v, valid)
    o = core.subln(a1 - lam * a2) * (1 - core.lambda_init)
    return o.reshape(o.shape[0], -1)


def time_graph(fn, *args) -> float:
    """Microseconds per call of fn(*args) (median over 20 replays of a graph of CALLS calls)."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            fn(*args)
    torch.cuda.current_stream().wait_stream(stream)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(CALLS):
            fn(*args)
    ev = [torch.cuda.Event(enable_timing=True) for _ in range(2)]
    times = []
    for _ in range(20):
        ev[0].record()
        g.replay()
        ev[1].record()
        ev[1].synchronize()
        times.append(ev[0].elapsed_time(ev[1]) * 1e3 / CALLS)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch._dynamo.config.cache_size_limit = 64  # one compilation per (b, rows) shape
    dev = torch.device("cuda")
    dt = torch.bfloat16
    core = DiffCore(D, 0.5).to(dev, dt)
    lam = torch.tensor(0.3, device=dev, dtype=dt)
    compiled = torch.compile(torch_path, dynamic=False)
    rows_list = [512, 2048, 8192, 32768]
    results = []
    print(f"{'b':>3} {'rows':>6} {'KV MB':>7} | {'triton us':>9} {'TB/s':>5} | {'torch.compile us':>16} | {'eager us':>8}")
    for b in (1, 8):
        for rows in rows_list:
            q = torch.randn(b, (H + 2 * HKV) * D, device=dev, dtype=dt)
            k = torch.randn(b, HKV, rows, D, device=dev, dtype=dt)
            v = torch.randn(b, HKV // 2, rows, 2 * D, device=dev, dtype=dt)
            pos = torch.full((b,), rows - 1, device=dev, dtype=torch.long)
            valid = torch.arange(rows, device=dev)[None, :] <= pos[:, None]
            qq = q[:, : H * D].contiguous()
            kv_bytes = k.numel() * 2 + v.numel() * 2
            t_tri = time_graph(ta.diff_decode_attention_combined, q, k, v, pos, rows, lam, core.subln.weight,
                               core.subln.eps, core.lambda_init, H)
            t_cmp = time_graph(compiled, core, qq, k, v, valid, lam)
            t_eag = time_graph(torch_path, core, qq, k, v, valid, lam)
            ref = torch_path(core, qq, k, v, valid, lam).double()
            got = ta.diff_decode_attention_combined(q, k, v, pos, rows, lam, core.subln.weight, core.subln.eps,
                                                    core.lambda_init, H).double()
            err = ((got - ref).norm() / ref.norm()).item()
            row = {"b": b, "rows": rows, "kv_bytes": kv_bytes, "triton_us": t_tri, "compiled_torch_us": t_cmp,
                   "eager_torch_us": t_eag, "triton_TBps": kv_bytes / t_tri / 1e6, "rel_err_vs_torch": err}
            results.append(row)
            print(f"{b:>3} {rows:>6} {kv_bytes / 1e6:>7.1f} | {t_tri:>9.2f} {row['triton_TBps']:>5.2f} | "
                  f"{t_cmp:>16.2f} | {t_eag:>8.2f}   (rel err {err:.1e})", flush=True)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "decode-attention.json").write_text(json.dumps({"device": torch.cuda.get_device_name(),
                                                                     "torch": torch.__version__,
                                                                     "results": results}, indent=1))


if __name__ == "__main__":
    main()
