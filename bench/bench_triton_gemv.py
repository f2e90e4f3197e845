"""The Triton matrix-vector ops of `inference.engine.triton_gemv` at the 3.8B SambaY shapes: bandwidth per op.

    python bench/bench_triton_gemv.py --out DIR        # CUDA machine with Triton; writes DIR/triton_gemv.json

For each (op, weight shape, batch b in 1 and 8) it times CUDA-graph replays over enough distinct weight copies to
miss the 50 MB L2 and reports TB/s = weight bytes / time: the table config (`triton_gemv.CONFIGS`), a few
alternatives, and the torch formula (cuBLAS + LayerNorm / SwiGLU kernels) for comparison; then a chain of the
per-layer ops (ln_linear in_proj, linear out_proj, ln_linear fc1, swiglu_linear fc2; 8 layers) with PDL off and on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_gemv import graph_time

from inference.engine import triton_gemv as tg

SHAPES = [  # (name, op, N, K)
    ("mlp.fc1", "ln", 20480, 2560),
    ("mlp.fc2", "swiglu", 2560, 10240),
    ("mamba.in_proj", "ln", 10240, 2560),
    ("mamba.out_proj", "linear", 2560, 5120),
    ("attn.Wqkv", "ln", 5120, 2560),
    ("attn.out_proj", "linear", 2560, 2560),
    ("mamba.x_proj", "linear", 192, 5120),
    ("lm_head", "ln", 200064, 2560),
]


def make_call(op, ws, x, lw, lb, torch_ref=False):
    if op == "ln":
        if torch_ref:
            return lambda: [F.linear(F.layer_norm(x.bfloat16(), (x.shape[1],), lw, lb, 1e-5), w) for w in ws]
        return lambda: [tg.ln_linear(x, lw, lb, 1e-5, w) for w in ws]
    if op == "swiglu":
        if torch_ref:
            def f():
                g, u = x.chunk(2, dim=-1)
                return [F.linear((F.silu(g.float()) * u.float()).bfloat16(), w) for w in ws]
            return f
        return lambda: [tg.swiglu_linear(x, w) for w in ws]
    if torch_ref:
        return lambda: [F.linear(x, w) for w in ws]
    return lambda: [tg.linear(x, w) for w in ws]


def alternatives(N, K, b):
    base = tg.CONFIGS.get((N, K), (8, 512, 1, 4))
    bn, bk, sp, wp = base
    alts = [base, (bn * 2, bk, sp, wp), (bn, bk, sp * 2, wp), (bn, bk, sp, 8 if wp == 4 else 4)]
    if bn > 8:
        alts.append((8, 512, sp, 4))
    out = []
    for a in alts:
        if a not in out and K % (a[2] * 16) == 0 and not (N > 100000 and a[2] > 1):
            out.append(a)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/triton_gemv")
    ap.add_argument("--quick", action="store_true", help="table configs only")
    args = ap.parse_args()
    dev = torch.device("cuda")
    res: dict = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "rows": []}
    t_start = time.perf_counter()
    for name, op, N, K in SHAPES:
        copies = max(2, (160 << 20) // (N * K * 2) + 1)
        ws = [torch.randn(N, K, device=dev, dtype=torch.bfloat16) / K ** 0.5 for _ in range(copies)]
        nbytes = N * K * 2 * copies
        lw = torch.rand(K, device=dev).bfloat16()
        lb = torch.rand(K, device=dev).bfloat16()
        for b in (1, 8):
            if op == "ln":
                x = torch.randn(b, K, device=dev)
            elif op == "swiglu":
                x = torch.randn(b, 2 * K, device=dev).bfloat16()
            else:
                x = torch.randn(b, K, device=dev).bfloat16()
            row = {"name": name, "op": op, "N": N, "K": K, "b": b, "MB": N * K * 2 / 1e6}
            row["torch_TBps"] = nbytes / graph_time(make_call(op, ws, x, lw, lb, True)) / 1e12
            saved = tg.CONFIGS.get((N, K))
            trials = []
            for cfg in ([saved] if args.quick or saved is None else alternatives(N, K, b)):
                if cfg is not None:
                    tg.CONFIGS[(N, K)] = cfg
                try:
                    eff = tg.config_for(N, K, tg.block_b(b))
                    t = graph_time(make_call(op, ws, x, lw, lb))
                    trials.append([round(nbytes / t / 1e12, 3), list(cfg or ()), list(eff)])
                except Exception as e:  # noqa: BLE001 - report and go on
                    trials.append([0.0, list(cfg or ()), f"{type(e).__name__}: {str(e)[:120]}"])
            if saved is not None:
                tg.CONFIGS[(N, K)] = saved
            row["table_TBps"] = trials[0][0]
            row["trials"] = trials
            best = max(trials, key=lambda r: r[0])
            row["best"] = best
            res["rows"].append(row)
            print(f"{name:15s} {op:6s} b={b} {N:6d}x{K:5d}: torch {row['torch_TBps']:.3f} TB/s, table "
                  f"{row['table_TBps']:.3f} (eff cfg {trials[0][2]}), best {best[0]:.3f} {best[1]} "
                  f"[{time.perf_counter() - t_start:.0f}s]", flush=True)
        del ws
    # chain: 8 layers of (in_proj ln, out_proj linear, fc1 ln, fc2 swiglu)
    layer = [("ln", 10240, 2560), ("linear", 2560, 5120), ("ln", 20480, 2560), ("swiglu", 2560, 10240)]
    chain_w = [(op, torch.randn(N, K, device=dev, dtype=torch.bfloat16) / K ** 0.5) for _ in range(8)
               for op, N, K in layer]
    nbytes = sum(w.numel() * 2 for _, w in chain_w)
    lw = torch.rand(2560, device=dev).bfloat16()
    lb = torch.rand(2560, device=dev).bfloat16()
    chain: dict = {"GB": nbytes / 1e9, "kernels": len(chain_w)}
    for b in (1, 8):
        x = torch.randn(b, 2560, device=dev)
        xo = torch.randn(b, 5120, device=dev).bfloat16()
        gu = torch.randn(b, 20480, device=dev).bfloat16()

        def run(x=x, xo=xo, gu=gu):
            for op, w in chain_w:
                if op == "ln":
                    tg.ln_linear(x, lw, lb, 1e-5, w)
                elif op == "linear":
                    tg.linear(xo, w)
                else:
                    tg.swiglu_linear(gu, w)

        for pdl in (False, True):
            tg.PDL = pdl
            try:
                t = graph_time(run)
                chain[f"b{b}_{'pdl' if pdl else 'plain'}"] = {"ms": t * 1e3, "TBps": nbytes / t / 1e12}
            except Exception as e:  # noqa: BLE001
                chain[f"b{b}_{'pdl' if pdl else 'plain'}"] = {"error": f"{type(e).__name__}: {str(e)[:200]}"}
        tg.PDL = False
    res["chain"] = chain
    print("chain", json.dumps(chain))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "triton_gemv.json").write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
