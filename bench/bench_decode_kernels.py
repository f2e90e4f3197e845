"""Tile sizes of the batch-1 Triton decode step's projections (inference/engine/triton_decode_kernels.py), timed as
the step runs them, and the whole step with the table's tiles and with the best ones found.

    python bench/bench_decode_kernels.py --out DIR      # a CUDA machine with Triton; writes DIR/decode-kernels.json
                                                        # and DIR/best-configs.json (SAMBAY_DECODE_CONFIGS=that file
                                                        # makes the engine use them)

For each projection of the released 3.8B model (weight shape and the prologue/epilogue it has in the step) it times
a CUDA graph of a chain of distinct weight copies (more bytes than the 50 MB L2) with Programmatic Dependent
Launch on Hopper, for a few candidate tile configs (BLOCK_N, BLOCK_K, SPLIT, num_warps), and reports the weight
bandwidth of each (TB/s = weight bytes / time); the Mamba update kernel at three channel-block sizes. Then it
replays the whole :class:`TritonDecode` step (random bf16 3.8B model, 2K-token context: K/V rows hold random
values) with the table's configs, with the best configs, and with the best configs without the weight-tile
prefetch (`triton_decode_kernels.PREFETCH`), and prints the suggested table. The copy bandwidth (read + write) is measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_gemv import copy_bandwidth, graph_time

from inference import SambaYConfig, SambaYForCausalLM
from inference.engine import triton_decode_kernels as kd
from inference.engine.slots import SlotCache
from inference.engine.triton_decode import TritonDecode


def graph_ms(fn, reps: int = 15) -> float:
    """Median ms of one replay of a CUDA graph of fn()."""
    return graph_time(fn, reps) * 1e3

# name -> (N, K, prologue, epilogue) as the step calls them
PROJECTIONS = {
    "mlp.fc1": (20480, 2560, kd.LAYERNORM, kd.STORE),
    "mlp.fc2": (2560, 10240, kd.SWIGLU, kd.RESIDUAL),
    "mamba.in_proj": (10240, 2560, kd.LAYERNORM, kd.CONV_STATE),
    "mamba/gmu.out_proj": (2560, 5120, kd.PLAIN, kd.RESIDUAL),
    "attn.Wqkv / gmu.in_proj": (5120, 2560, kd.LAYERNORM, kd.SILU_MUL),
    "attn.out_proj": (2560, 2560, kd.PLAIN, kd.RESIDUAL),
    "cross Wq": (2560, 2560, kd.LAYERNORM, kd.STORE),
    "mamba.x_proj": (192, 5120, kd.PLAIN, kd.STORE),
    "lm_head": (200064, 2560, kd.LAYERNORM, kd.STORE),
}
# tiles of 2K-8K weights a step of the K loop (4 warps; 8 for 8K), K in 1-8 slices (8 only for narrow, long ones)
# and 0 (a program per tile), 4 or 8 programs per SM looping over tiles
CANDIDATES = [(bn, bk, sp, 8 if bn * bk >= 8192 else 4, waves) for bn in (4, 8, 16) for bk in (256, 512, 1024)
              for sp in (1, 2, 4, 8) if 2048 <= bn * bk <= 8192 for waves in (0, 4, 8)]


def sweep(name: str, N: int, K: int, pro: int, epi: int, candidates, ws) -> dict:
    dev = torch.device("cuda")
    copies = max(2, (160 << 20) // (N * K * 2) + 1)
    Ws = [torch.randn(N, K, device=dev, dtype=torch.bfloat16) * K ** -0.5 for _ in range(copies)]
    Kx = 2 * K if pro == kd.SWIGLU else K
    x = torch.randn(Kx, device=dev, dtype=torch.float32 if pro == kd.LAYERNORM else torch.bfloat16)
    ln = torch.nn.LayerNorm(K).to(dev, torch.bfloat16)
    conv = (torch.randn(N // 2, 4, device=dev, dtype=torch.bfloat16),
            torch.randn(N // 2, 4, device=dev, dtype=torch.bfloat16), torch.randn(N // 2, device=dev, dtype=torch.bfloat16),
            torch.empty(N // 2, device=dev, dtype=torch.bfloat16))
    res = torch.randn(N, device=dev)
    mem = torch.randn(N, device=dev, dtype=torch.bfloat16)
    out_dtype = torch.float32 if epi == kd.RESIDUAL else torch.bfloat16
    ys = [torch.empty(N, device=dev, dtype=out_dtype) for _ in Ws]
    kw = {"prologue": pro, "epilogue": epi, "ln": ln if pro == kd.LAYERNORM else None,
          "conv": conv if epi == kd.CONV_STATE else None, "res": res if epi == kd.RESIDUAL else None,
          "mem": mem if epi == kd.SILU_MUL else None}
    rows = []
    for cfg in candidates:
        _, bk, sp, _, _ = cfg
        if sp * bk > K or (N > 100000 and sp > 1) or (sp == 8 and (K < 5120 or N > 4096)):
            continue
        try:
            ms = graph_ms(lambda c=cfg, Ws=Ws: [kd.projection(x, W, y, ws, config=c, **kw) for W, y in zip(Ws, ys)])
            rows.append((N * K * 2 * copies / ms / 1e9, cfg))
        except Exception as e:  # noqa: BLE001 - a config that does not compile or fit is skipped
            print(f"  {name} {cfg}: {type(e).__name__}: {str(e)[:100]}", flush=True)
    rows.sort(reverse=True)
    table = kd.config_for(N, K, pro)
    at_table = next((tb for tb, c in rows if c == table), None)
    del Ws
    return {"N": N, "K": K, "MB": N * K * 2 / 1e6, "best_TBps": rows[0][0], "best": rows[0][1],
            "table": table, "table_TBps": at_table, "top5": [[round(t, 3), c] for t, c in rows[:5]]}


def step_ms(model, ctx: int) -> tuple[float, int]:
    slots = SlotCache(model.config, 1, ctx + 64, device="cuda", dtype=model.dtype)
    for layer in slots.layers:  # random K/V and states: speed does not depend on the values
        for t in ((layer.k, layer.v) if hasattr(layer, "k") else (layer.conv,) if layer is not None else ()):
            t.normal_()
    step = TritonDecode(model, slots)
    tok = torch.tensor([7], device="cuda")
    pos = torch.tensor([ctx], device="cuda")
    from torch.profiler import ProfilerActivity, profile

    ms = graph_ms(lambda: step(tok, pos, ctx + 1), reps=30)
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        step(tok, pos, ctx + 1)
        torch.cuda.synchronize()
    n = sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)
    return ms, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/decode-kernels")
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--only", default="", help="comma-separated projection names (default: all)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kd.PDL = torch.cuda.get_device_capability()[0] >= 9
    res: dict = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "pdl": kd.PDL,
                 "date": time.strftime("%Y-%m-%d"), "copy_bandwidth_TBps": copy_bandwidth(torch.device("cuda")) / 1e12, "shapes": {}}
    print(f"copy bandwidth {res['copy_bandwidth_TBps']:.3f} TB/s, PDL {kd.PDL}", flush=True)
    ws = kd.Workspace(200064, torch.device("cuda"))
    names = args.only.split(",") if args.only else list(PROJECTIONS)
    for name in names:
        N, K, pro, epi = PROJECTIONS[name]
        t0 = time.perf_counter()
        row = sweep(name, N, K, pro, epi, CANDIDATES, ws)
        res["shapes"][name] = row
        print(f"{name:26s} {N:6d}x{K:5d}: best {row['best_TBps']:.3f} TB/s {row['best']}, table {row['table']} "
              f"{row['table_TBps'] or float('nan'):.3f} ({time.perf_counter() - t0:.0f} s); top5 {row['top5']}",
              flush=True)
        (out / "decode-kernels.json").write_text(json.dumps(res, indent=1))
    # the Mamba update kernel (dt_proj + state update + gate; 3.8B shapes: Di 5120, R 160, NS 16), 9 copies
    Di, R, NS = 5120, 160, 16
    mu = [(torch.randn(2 * Di, device="cuda", dtype=torch.bfloat16), torch.randn(Di, device="cuda", dtype=torch.bfloat16),
           torch.randn(R + 2 * NS, device="cuda", dtype=torch.bfloat16),
           torch.randn(Di, R, device="cuda", dtype=torch.bfloat16) * 0.1, torch.randn(Di, device="cuda", dtype=torch.bfloat16),
           -torch.rand(Di, NS, device="cuda"), torch.ones(Di, device="cuda", dtype=torch.bfloat16),
           torch.zeros(Di, NS, device="cuda"), torch.empty(Di, device="cuda", dtype=torch.bfloat16)) for _ in range(9)]
    res["mamba_update_us"] = {}
    for bd in (16, 32, 64):
        ms = graph_ms(lambda bd=bd: [kd.mamba_update(*a, block_d=bd) for a in mu])
        res["mamba_update_us"][bd] = ms / 9 * 1e3
    print(f"mamba_update us by BLOCK_D: {res['mamba_update_us']}", flush=True)
    with torch.device("cuda"):
        model = SambaYForCausalLM(SambaYConfig())
    model = model.to(torch.bfloat16)
    model.init_random(0).eval().requires_grad_(False)
    weights = sum(p.numel() for p in model.parameters()) * 2
    for label in ("table", "best", "best_no_prefetch"):
        if label == "best":
            for name in names:
                r = res["shapes"][name]
                kd.CONFIGS[(r["N"], r["K"], PROJECTIONS[name][2])] = tuple(r["best"])
        kd.PREFETCH = label != "best_no_prefetch"
        ms, n = step_ms(model, args.context)
        res[f"step_{label}"] = {"ms": ms, "kernels": n, "weights_GB": weights / 1e9,
                                "weight_roofline_fraction": weights / (res["copy_bandwidth_TBps"] * 1e12) * 1e3 / ms}
        print(f"whole step, {label} configs: {ms:.3f} ms/token, {n} kernels, weights alone at the copy rate "
              f"{res[f'step_{label}']['weight_roofline_fraction']:.1%}", flush=True)
        (out / "decode-kernels.json").write_text(json.dumps(res, indent=1))
    kd.PREFETCH = True
    best = [[res["shapes"][n]["N"], res["shapes"][n]["K"], PROJECTIONS[n][2], list(res["shapes"][n]["best"])]
            for n in names]
    (out / "best-configs.json").write_text(json.dumps(best))  # for SAMBAY_DECODE_CONFIGS
    print("suggested CONFIGS:")
    for name in names:
        r = res["shapes"][name]
        print(f"    ({r['N']}, {r['K']}, prologue {PROJECTIONS[name][2]}): {tuple(r['best'])},  # {name}: "
              f"{r['best_TBps']:.2f} TB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
