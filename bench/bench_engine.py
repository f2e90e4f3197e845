"""Issue 8: the SambaY serving engine (`inference.engine`) on the GPU, four measurements plus a CPU smoke mode.

    python bench/bench_engine.py --out DIR                       # all sections, 3.8B config, random bf16, CUDA
    python bench/bench_engine.py --sections roofline,prefill --out DIR
    python bench/bench_engine.py --size tiny --device cpu --out /tmp/e   # smoke test of every code path (CPU)
    python bench/bench_engine.py --table DIR/engine.json DIR/transformer.json   # the comparison table only

Sections (each writes its numbers into DIR/engine.json as soon as it ends):

* ``roofline``: batch-1 decode at a 2K-token context for each of `--variants` (compiled = the default GPU path,
  compiled_plain = the same with Inductor's default options, graphs = graphs of the model's own modules, eager),
  with the compile + capture time, a 1000-token jump into the last key-row bucket (capture time, new Dynamo
  frames), the replayed logits against the eager modules, and with `--profile` the kernels of one replay. Roofline = bytes a step must read
  (every weight once, the tied embedding once as the LM head; the shared K/V rows read by the 8 attention layers
  over the context; the ring buffers; the Mamba states) over the device-to-device copy bandwidth measured in
  the same run (bytes read + written per second).
* ``prefill``: prompt lengths 2K..32K at batch 1 (median of 3 after one warm-up), peak memory over the weights,
  and the decode state a 32K-token sequence holds in the engine.
* ``latency``: N in (1, 8, 32, 128) streams submitted together (2K-token prompts, 64 new tokens, background
  thread): time to first token and per-token latency (median and p90 over the streams).
* ``throughput``: 2K prompts + G new tokens for G in (8K, 16K, 32K) at the largest batch whose slots fit.
  Decode step time is measured at contexts 2K, 2K+G/2 and 2K+G-1 (the engine's real `step()`, with positions
  fast-forwarded by `Engine.debug_set_positions`, since decode speed does not depend on the values in the
  cache) and integrated (trapezoid) over the generation; the batch's prefill (measured 2K prefill x batch) is
  added. Graphs and the engine's eager path.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference import SambaYConfig, SambaYForCausalLM, kernels
from inference.engine import Engine, SamplingParams, fused, triton_decode
from inference.engine.decode import DecodeStep
from inference.engine.slots import SlotCache
from inference.testing import tiny_config

GIB = 1024 ** 3


def sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def now(dev: torch.device) -> float:
    sync(dev)
    return time.perf_counter()


def free_engine(dev: torch.device) -> None:
    gc.collect()
    if dev.type == "cuda":
        torch.cuda.empty_cache()


def copy_bandwidth(dev: torch.device) -> float:
    """Device-to-device copy rate in bytes/s, counting bytes read + written (median of 20, 1 GiB buffers)."""
    if dev.type != "cuda":
        return float("nan")
    n = GIB // 2
    srcs = [torch.randn(n // 2, device=dev, dtype=torch.float32).view(torch.bfloat16) for _ in range(2)]
    dst = torch.empty_like(srcs[0])
    times = []
    for i in range(23):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        dst.copy_(srcs[i % 2])
        b.record()
        b.synchronize()
        if i >= 3:
            times.append(a.elapsed_time(b) / 1e3)
    del srcs, dst
    return 2 * n * 2 / statistics.median(times)


def step_bytes(model: SambaYForCausalLM, ctx: int) -> dict[str, int]:
    """Fewest bytes one batch-1 decode step at context `ctx` must read."""
    c = model.config
    e = model.dtype.itemsize
    weights = sum(p.numel() for p in model.parameters()) * e  # tied head counted once
    kv_row = 2 * c.num_key_value_heads * c.head_dim * e
    n_shared = c.count("full_attention") + c.count("cross_attention")
    shared = n_shared * ctx * kv_row
    ring = c.count("sliding_attention") * min(ctx, c.sliding_window or 0) * kv_row
    mamba = (c.count("mamba") + c.count("memory_mamba")) * c.mamba_d_inner * (c.mamba_d_conv * e + c.mamba_d_state * 4)
    return {"weights": weights, "shared_kv": shared, "ring_kv": ring, "mamba_state": mamba,
            "total": weights + shared + ring + mamba}


def random_prompt(n: int, vocab: int, seed: int) -> list[int]:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1, vocab, (n,), generator=g).tolist()


# ------------------------------------------------------------------------------------------- sections
def profile_replay(graph, reps: int = 5) -> dict:
    """Kernels of one graph replay (torch.profiler/CUPTI): count per replay, GPU time, the 15 costliest names."""
    from torch.profiler import ProfilerActivity, profile

    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(reps):
            graph.replay()
        torch.cuda.synchronize()
    kernels_: dict[str, list[float]] = {}
    for e in prof.events():
        if e.device_type == torch.autograd.DeviceType.CUDA and "memcpy" not in e.name.lower():
            kernels_.setdefault(e.name, []).append(e.device_time_total / 1e3 if hasattr(e, "device_time_total")
                                                   else e.cuda_time_total / 1e3)
    n = sum(len(v) for v in kernels_.values())
    total = sum(sum(v) for v in kernels_.values())
    top = sorted(((sum(v) / reps, len(v) // reps, k[:90]) for k, v in kernels_.items()), reverse=True)[:15]
    # the last replay's kernels in launch order: [name, start (us from the first kernel), duration (us)]
    ordered = sorted((e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA
                      and "memcpy" not in e.name.lower()), key=lambda e: e.time_range.start)
    per = len(ordered) // reps if reps else 0
    last = ordered[-per:] if per else []
    t0 = last[0].time_range.start if last else 0
    trace = [[e.name[:80], round(e.time_range.start - t0, 2), round(e.time_range.end - e.time_range.start, 2)]
             for e in last]
    return {"kernels_per_replay": n / reps, "kernel_ms_per_replay": total / reps,
            "top": [{"ms": round(t, 4), "count": c, "name": k} for t, c, k in top], "trace": trace}


DEFAULT_TRITON_ATTENTION = fused.TRITON_ATTENTION  # the variants below change it; "compiled" is the default
DEFAULT_DIRECT = triton_decode.ENABLED
DEFAULT_L2 = triton_decode.L2_PREFETCH

VARIANTS = {  # name -> (use_cuda_graphs, compile_decode[, Inductor options])
    "compiled": (True, True),    # the default GPU path: graphs of the torch.compile'd fused step
    "compiled_plain": (True, True, {}),  # the same without coordinate-descent tuning (Inductor defaults)
    # the default plus Programmatic Dependent Launch in Inductor's Triton kernels (Hopper+)
    "compiled_pdl": (True, True, {"coordinate_descent_tuning": True, "triton.enable_pdl": True}),
    # the Triton matrix-vector kernels (inference/engine/triton_gemv.py: LayerNorm / SwiGLU fused into the
    # projections) in the compiled step; 4th element: {"gemv": fused.TRITON_GEMV, "pdl": triton_gemv.PDL}
    "compiled_gemv": (True, True, {"coordinate_descent_tuning": True, "triton.enable_pdl": True}, {"gemv": True}),
    # split-K formulation of the narrow projections (fused.SPLIT_K; fc2 2560x10240 as 8 slices, ...)
    "compiled_splitk": (True, True, None, {"splitk": True}),
    "compiled_gemv_pdl": (True, True, {"coordinate_descent_tuning": True, "triton.enable_pdl": True},
                          {"gemv": True, "pdl": True}),
    # the attention core as the two Triton kernels of inference/engine/triton_attention.py (fused.TRITON_ATTENTION,
    # on by default since 2026-11-23) or as torch ops (the default before)
    "compiled_tattn": (True, True, None, {"tattn": True}),
    "compiled_torch_attn": (True, True, None, {"tattn": False}),
    # batch 1 through the compiled step instead of the hand-written Triton step (inference/engine/triton_decode.py,
    # on by default since 2026-11-23 for batch-1 steps)
    "compiled_inductor": (True, True, None, {"direct": False}),
    # the Triton step with out_proj's L2 prefetch under the attention combine / Mamba update (off by default)
    "compiled_l2": (True, True, None, {"l2": True}),
    "graphs": (True, False),     # graphs of the model's own modules (the 2026-11-22 default)
    "eager": (False, False),
}


def bench_roofline(model, dev, args, res) -> None:
    ctx = args.context
    n = args.decode_tokens
    bw = copy_bandwidth(dev)
    need = step_bytes(model, ctx + n // 2)
    out: dict = {"context": ctx, "copy_bandwidth_TBps": bw / 1e12, "bytes_per_step": need,
                 "roofline_ms": need["total"] / bw * 1e3}
    names = args.variants.split(",") if dev.type == "cuda" else ["eager"]
    for name in names:
        graphs, comp, *opts = VARIANTS[name]
        switches = opts[1] if len(opts) > 1 else {}
        fused.TRITON_GEMV = bool(switches.get("gemv"))
        fused.SPLIT_K = bool(switches.get("splitk"))
        fused.TRITON_ATTENTION = bool(switches.get("tattn", DEFAULT_TRITON_ATTENTION))
        triton_decode.ENABLED = bool(switches.get("direct", DEFAULT_DIRECT))
        triton_decode.L2_PREFETCH = bool(switches.get("l2", DEFAULT_L2))
        if switches.get("gemv"):
            from inference.engine import triton_gemv

            triton_gemv.PDL = bool(switches.get("pdl"))
        steps = n if graphs else max(8, n // 8)
        t0 = time.perf_counter()
        eng = Engine(model, max_batch=1, max_seq_len=ctx + steps + 1100, use_cuda_graphs=graphs,
                     compile_decode=comp, compile_options=opts[0] if opts else None)
        h = eng.submit(random_prompt(ctx, model.config.vocab_size, 1), SamplingParams(max_new_tokens=steps + 40))
        eng.step()  # prefill + first decode (+ compilation + graph capture)
        row: dict = {"first_step_s": time.perf_counter() - t0}
        for _ in range(3):
            eng.step()
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            eng.step()  # ends with .tolist() of the argmax: synchronised
            times.append(time.perf_counter() - t0)
        ms = statistics.median(times) * 1e3
        row.update({"ms_per_token_median": ms, "ms_per_token_mean": statistics.mean(times) * 1e3,
                    "ms_per_token_p90": sorted(times)[int(0.9 * (len(times) - 1))] * 1e3,
                    "tokens_per_s": 1e3 / ms, "fraction_of_roofline": out["roofline_ms"] / ms, "steps": steps})
        if graphs and eng.graphs is not None:  # GPU time of the replay alone (no Python, no sampling)
            (_, rows), g = next(iter(eng.graphs.graphs.items()))
            ev = [torch.cuda.Event(enable_timing=True) for _ in range(2)]
            gt = []
            for _ in range(20):
                ev[0].record()
                g.replay()
                ev[1].record()
                ev[1].synchronize()
                gt.append(ev[0].elapsed_time(ev[1]))
            row["replay_gpu_ms_median"] = statistics.median(gt)
            row["replay_rows"] = rows
            row["fraction_of_roofline_gpu_only"] = out["roofline_ms"] / statistics.median(gt)
            if args.profile:
                try:
                    row["profile"] = profile_replay(g)
                except Exception as e:  # noqa: BLE001 - the profile is extra information
                    row["profile_error"] = f"{type(e).__name__}: {e}"[:300]
            # correctness of the replayed step against the model's own modules, eagerly, on the same state
            req = eng._active[0]
            tok = torch.tensor([req.last_token], device=dev)
            p = torch.tensor([req.pos], device=dev)
            snap = eng.slots.mamba_snapshot(1)
            ref = DecodeStep(model, eng.slots)(tok, p, req.pos + 1).double()
            eng.slots.mamba_restore(snap)
            got = eng.graphs(tok, p, req.pos).double()
            eng.slots.mamba_restore(snap)
            row["logits_rel_err_vs_eager_modules"] = ((got - ref).norm() / ref.norm()).item()
            # a jump of 1000 tokens: new key-row bucket -> a new graph capture (no recompilation expected)
            from torch._dynamo.utils import counters

            before = dict(counters["stats"])
            eng.debug_set_positions(ctx + steps + 1000)  # the last bucket: rows == max_seq_len
            t0 = time.perf_counter()
            eng.step()
            row["new_rows_bucket_first_step_s"] = time.perf_counter() - t0
            row["new_rows_bucket_dynamo_frames"] = counters["stats"].get("unique_graphs", 0) - before.get(
                "unique_graphs", 0)
            jt = []
            for _ in range(20):
                t0 = time.perf_counter()
                eng.step()
                jt.append(time.perf_counter() - t0)
            row["ms_per_token_median_at_ctx_plus_1000"] = statistics.median(jt) * 1e3
        out[name] = row
        h.cancel()
        del eng, h
        free_engine(dev)
        res["roofline"] = out
        write(res, args)
    res["roofline"] = out


def bench_prefill(model, dev, args, res) -> None:
    out: dict = {"lengths": {}}
    weights = torch.cuda.memory_allocated(dev) if dev.type == "cuda" else 0
    for T in args.prefill_lengths:
        ids = torch.tensor([random_prompt(T, model.config.vocab_size, T)], device=dev)
        times = []
        for _ in range(4):
            if dev.type == "cuda":
                torch.cuda.reset_peak_memory_stats(dev)
            t0 = now(dev)
            with torch.inference_mode():
                cache = model.allocate_cache(1, T)
                model(ids, cache=cache, logits_to_keep=1)
            times.append(now(dev) - t0)
            del cache
        ms = statistics.median(times[1:]) * 1e3
        row = {"ms": ms, "tokens_per_s": T / ms * 1e3, "ms_per_1k_tokens": ms / T * 1024, "first_ms": times[0] * 1e3}
        if dev.type == "cuda":
            row["peak_over_weights_gib"] = (torch.cuda.max_memory_allocated(dev) - weights) / GIB
        out["lengths"][str(T)] = row
        free_engine(dev)
    L = max(args.prefill_lengths)
    out["decode_state_bytes_per_sequence"] = {str(n): SlotCache.bytes_per_slot(model.config, n, model.dtype)
                                              for n in (L, 2048 + 32768)}
    res["prefill"] = out


def bench_latency(model, dev, args, res) -> None:
    out: dict = {"prompt": args.latency_prompt, "new_tokens": args.latency_new, "streams": {}}
    max_n = max(args.streams)
    eng = Engine(model, max_batch=max_n, max_seq_len=args.latency_prompt + args.latency_new + 8,
                 max_prefill_tokens=args.max_prefill_tokens)
    t0 = time.perf_counter()
    captured = eng.warmup([args.latency_prompt + k for k in (0, args.latency_new)])
    out["warmup_graphs"], out["warmup_s"] = captured, time.perf_counter() - t0
    eng.start()
    for n in args.streams:
        hs = [eng.submit(random_prompt(args.latency_prompt, model.config.vocab_size, 1000 + i),
                         SamplingParams(max_new_tokens=args.latency_new)) for i in range(n)]
        for h in hs:
            for _ in h:
                pass
        ttft = sorted(h.token_times[0] - h.submitted_at for h in hs)
        itl = sorted((h.token_times[-1] - h.token_times[0]) / (len(h.token_times) - 1) for h in hs)
        total = max(h.token_times[-1] for h in hs) - min(h.submitted_at for h in hs)
        out["streams"][str(n)] = {
            "ttft_ms_median": statistics.median(ttft) * 1e3, "ttft_ms_p90": ttft[int(0.9 * (n - 1))] * 1e3,
            "ttft_ms_max": ttft[-1] * 1e3,
            "per_token_ms_median": statistics.median(itl) * 1e3, "per_token_ms_p90": itl[int(0.9 * (n - 1))] * 1e3,
            "generated_tokens_per_s": n * args.latency_new / total}
    eng.stop()
    out["graphs_total"] = len(eng.graphs.graphs) if eng.graphs is not None else 0
    del eng
    free_engine(dev)
    res["latency"] = out


def largest_batch(model, dev, max_len: int, cap: int) -> int:
    per = SlotCache.bytes_per_slot(model.config, max_len, model.dtype)
    if dev.type != "cuda":
        return min(cap, 4)
    free = torch.cuda.mem_get_info(dev)[0]
    if triton_decode.ENABLED and triton_decode.supported(model):  # the batch-1 step's transposed weight copies
        free -= triton_decode.updown_copy_bytes(model)
    c = model.config
    # transient per row of a decode step: fp32 scores/probs over the rows + logits (graph pool + static buffer)
    # x3: the eager warm-up before a capture, the graph pool, and the pool's fragmentation across row buckets
    transient = 3 * (3 * c.num_attention_heads * max_len * 4 + 3 * c.vocab_size * 4)
    b = int((free - 8 * GIB) // (per + transient))
    return max(1, min(cap, b))


def time_steps(eng: Engine, ctx: int, reps: int) -> float:
    if eng.graphs is not None:  # the bench jumps between far-apart row buckets: drop the old graphs' memory
        eng.graphs.reset()
        gc.collect()
        torch.cuda.empty_cache()
    eng.debug_set_positions(ctx)
    eng.step()  # capture / warm-up at this context
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        eng.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_throughput(model, dev, args, res, prefill_2k_ms: float | None) -> None:
    out: dict = res.setdefault("throughput", {})
    for G in args.gen_lengths:
        max_len = args.context + G
        B = largest_batch(model, dev, max_len + 8, args.max_batch_cap)
        row: dict = {"batch": B, "prompt": args.context, "gen": G}
        ctxs = [args.context, args.context + G // 2, args.context + G - 1]
        for graphs in ([True, False] if dev.type == "cuda" else [False]):
            t_start = time.perf_counter()
            eng = Engine(model, max_batch=B, max_seq_len=max_len + 8, use_cuda_graphs=graphs,
                         max_prefill_tokens=16 * 32)
            hs = [eng.submit(random_prompt(16, model.config.vocab_size, i), SamplingParams(max_new_tokens=G))
                  for i in range(B)]
            while eng.num_pending:
                eng.step()
            steps = {str(c): time_steps(eng, c, args.reps) for c in ctxs}
            st = list(steps.values())
            mean_step = (st[0] + 2 * st[1] + st[2]) / 4  # trapezoid over [start, end]
            decode_s = mean_step * G
            prefill_s = (prefill_2k_ms or 0.0) / 1e3 * B
            key = "graphs" if graphs else "eager"
            row[key] = {"step_s": steps, "decode_s_est": decode_s, "prefill_s_est": prefill_s,
                        "tokens_per_s": B * G / (decode_s + prefill_s), "bench_wall_s": time.perf_counter() - t_start}
            eng.stop()  # cancels every request (no loop variable may keep a handle, and so the engine, alive)
            del eng, hs
            free_engine(dev)
        out[str(G)] = row
        res["throughput"] = out
        write(res, args)


# ------------------------------------------------------------------------------------------- table
def write(res: dict, args) -> None:
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "engine.json").write_text(json.dumps(res, indent=1))


def table(engine: dict, transformer: dict | None) -> str:
    lines = []
    r = engine.get("roofline")
    if r:
        lines.append(f"[1] batch-1 decode @ {r['context']} ctx: roofline {r['roofline_ms']:.3f} ms "
                     f"({r['bytes_per_step']['total'] / 1e9:.2f} GB / {r['copy_bandwidth_TBps']:.2f} TB/s)")
        for k in [k for k in r if isinstance(r[k], dict) and "ms_per_token_median" in r[k]]:
            if k in r:
                x = r[k]
                extra = (f", replay-only {x['replay_gpu_ms_median']:.3f} ms = "
                         f"{100 * x['fraction_of_roofline_gpu_only']:.1f}%") if "replay_gpu_ms_median" in x else ""
                lines.append(f"    {k:14s}: {x['ms_per_token_median']:.3f} ms/token = {x['tokens_per_s']:.1f} tok/s = "
                             f"{100 * x['fraction_of_roofline']:.1f}% of roofline{extra}")
                if "first_step_s" in x:
                    lines.append(f"              first step (compile + capture) {x['first_step_s']:.1f} s"
                                 + (f"; +1000 tokens: new bucket {x['new_rows_bucket_first_step_s']:.2f} s, "
                                    f"{x['new_rows_bucket_dynamo_frames']} new Dynamo frames, "
                                    f"{x['ms_per_token_median_at_ctx_plus_1000']:.3f} ms/token; logits rel err "
                                    f"{x['logits_rel_err_vs_eager_modules']:.1e}"
                                    if "new_rows_bucket_first_step_s" in x else ""))
                if "profile" in x:
                    pr = x["profile"]
                    lines.append(f"              {pr['kernels_per_replay']:.0f} kernels/replay, "
                                 f"{pr['kernel_ms_per_replay']:.3f} ms of kernel time")
    rc = engine.get("roofline_compiled", {}).get("graphs+compile")
    if rc:
        lines.append(f"    graphs+compile: {rc['ms_per_token_median']:.3f} ms/token = {rc['tokens_per_s']:.1f} tok/s = "
                     f"{100 * rc['fraction_of_roofline']:.1f}% of roofline")
    t = engine.get("throughput", {})
    if t:
        lines.append("[2] throughput (generated tok/s, all sequences), 2K prompt + G new tokens:")
        lines.append("    G       engine(graphs) B      engine(eager)     transformer B        ratio")
        for G, row in t.items():
            hf = (transformer or {}).get("throughput", {}).get(G, {})
            g = row.get("graphs", {}).get("tokens_per_s", float("nan"))
            e = row.get("eager", {}).get("tokens_per_s", float("nan"))
            h = hf.get("tokens_per_s", float("nan"))
            lines.append(f"    {int(G):6d}  {g:10.1f} {row['batch']:5d}  {e:14.1f}  {h:12.1f} {hf.get('batch', 0):4d}"
                         f"  {g / h if math.isfinite(h) and h else float('nan'):8.2f}x")
    p = engine.get("prefill")
    if p:
        lines.append("[3] prefill (batch 1): " + ", ".join(
            f"{k}: {v['ms']:.1f} ms ({v['ms_per_1k_tokens']:.2f} ms/1K)" for k, v in p["lengths"].items()))
        last = list(p["lengths"].values())[-1]
        if "peak_over_weights_gib" in last:
            lines.append(f"    peak memory over weights at {list(p['lengths'])[-1]}: "
                         f"{last['peak_over_weights_gib']:.2f} GiB; engine decode state per sequence: " + ", ".join(
                             f"{k} tok = {v / 2**20:.0f} MiB" for k, v in p["decode_state_bytes_per_sequence"].items()))
    lat = engine.get("latency")
    if lat:
        lines.append(f"[4] latency ({lat['prompt']}-token prompts, {lat['new_tokens']} new tokens):")
        for n, v in lat["streams"].items():
            lines.append(f"    {int(n):4d} streams: TTFT median {v['ttft_ms_median']:8.1f} ms (p90 {v['ttft_ms_p90']:8.1f}),"
                         f" per-token median {v['per_token_ms_median']:6.2f} ms (p90 {v['per_token_ms_p90']:6.2f}),"
                         f" {v['generated_tokens_per_s']:8.1f} tok/s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["full", "tiny"], default="full")
    ap.add_argument("--device", default=None)
    ap.add_argument("--sections", default="roofline,prefill,latency,throughput")
    ap.add_argument("--out", default=None, help="folder for engine.json")
    ap.add_argument("--table", nargs="+", default=None, help="print the table of these JSON files and exit")
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--decode-tokens", type=int, default=200)
    ap.add_argument("--prefill-lengths", type=int, nargs="+", default=[2048, 4096, 8192, 16384, 32768])
    ap.add_argument("--streams", type=int, nargs="+", default=[1, 8, 32, 128])
    ap.add_argument("--latency-prompt", type=int, default=2048)
    ap.add_argument("--latency-new", type=int, default=64)
    ap.add_argument("--max-prefill-tokens", type=int, default=16384)
    ap.add_argument("--gen-lengths", type=int, nargs="+", default=[8192, 16384, 32768])
    ap.add_argument("--max-batch-cap", type=int, default=512)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--prefill-ms", type=float, default=None,
                    help="batch-1 prefill time of one prompt (ms) for the throughput section when the prefill "
                         "section is not run in the same call")
    ap.add_argument("--variants", default="compiled,compiled_plain,graphs,eager",
                    help="roofline section: decode paths to time (compiled = the default GPU path, graphs = graphs "
                         "of the model's own modules, eager)")
    ap.add_argument("--profile", action="store_true", help="roofline section: kernel profile of each graph replay")
    args = ap.parse_args(argv)
    if args.table:
        docs = [json.loads(Path(p).read_text()) for p in args.table if Path(p).is_file()]
        eng = next((d for d in docs if d.get("kind") == "engine"), {})
        hf = next((d for d in docs if d.get("kind") == "transformer"), None)
        print(table(eng, hf))
        return 0
    dev = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dtype = torch.bfloat16 if dev.type == "cuda" else torch.float32
    config = SambaYConfig() if args.size == "full" else tiny_config(vocab_size=512)
    if args.size == "tiny":
        args.context, args.decode_tokens = min(args.context, 64), min(args.decode_tokens, 16)
        args.prefill_lengths = [n for n in args.prefill_lengths if n <= 256] or [32, 128]
        args.streams, args.latency_prompt, args.latency_new = [1, 4], 32, 8
        args.gen_lengths, args.max_batch_cap, args.reps = [64], 4, 2
    res: dict = {"kind": "engine", "size": args.size, "device": str(dev), "dtype": str(dtype).removeprefix("torch."),
                 "torch": torch.__version__, "python": platform.python_version(),
                 "date": time.strftime("%Y-%m-%d"), "argv": sys.argv[1:]}
    if dev.type == "cuda":
        res["gpu"] = torch.cuda.get_device_name(dev)
        res["fast_paths"] = kernels.is_fast_path_available(dev)
    t0 = time.perf_counter()
    with torch.device(dev):
        model = SambaYForCausalLM(config)
    model = model.to(dtype)
    model.init_random(0).eval().requires_grad_(False)
    res["parameters"] = sum(p.numel() for p in model.parameters())
    res["init_s"] = time.perf_counter() - t0
    sections = args.sections.split(",")
    prefill_2k = None
    for name in sections:
        t0 = time.perf_counter()
        try:
            if name == "roofline":
                bench_roofline(model, dev, args, res)
            elif name == "prefill":
                bench_prefill(model, dev, args, res)
            elif name == "latency":
                bench_latency(model, dev, args, res)
            elif name == "throughput":
                p = res.get("prefill", {}).get("lengths", {}).get(str(args.context))
                prefill_2k = p["ms"] if p else args.prefill_ms
                bench_throughput(model, dev, args, res, prefill_2k)
            else:
                raise SystemExit(f"unknown section {name!r}")
        except Exception as e:  # noqa: BLE001 - record (OOM included) and go on with the next section
            import traceback

            traceback.print_exc()
            res.setdefault("errors", {})[name] = f"{type(e).__name__}: {e}"[:600]
            free_engine(dev)
        res.setdefault("section_s", {})[name] = time.perf_counter() - t0
        write(res, args)
        print(f"-- {name} done in {res['section_s'][name]:.1f} s", flush=True)
    print(json.dumps(res))
    print(table(res, None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
