"""The batch-1 Triton decode step (inference/engine/triton_decode.py) under switch settings, side by side in one
process: each variant captured as its own CUDA graph, the graphs replayed in interleaved rounds, and a kernel
profile of one replay each with the time every kind of kernel adds to the step.

    python bench/bench_decode_variants.py --out DIR [--variants base,splits64,...] [--rounds 7] [--check]

Random bf16 3.8B model, 2K-token context (K/V rows hold random values: speed does not depend on them). For each
variant: the median ms of a replay (over `rounds` rounds of `reps` replays each, the variants taking turns, so a
drift of the clock or the memory temperature hits all of them alike), and from the profile the *added* time of each
kernel kind: the end of a kernel minus the end of the one before it (kernels overlap under Programmatic Dependent
Launch, so a kernel's own duration says little; the added times sum to the step). Writes DIR/decode-variants.json
and prints a table last. `--check` instead runs each variant's step once eagerly and once as a graph replay and
compares the logits with the first variant's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_gemv import capture, copy_bandwidth

from inference import SambaYConfig, SambaYForCausalLM
from inference.engine import triton_attention, triton_decode
from inference.engine import triton_decode_kernels as kd
from inference.engine.slots import SlotCache
from inference.engine.triton_decode import TritonDecode

# variant -> {(module, attribute): value}; attributes not named keep their defaults
KD, ATT, TD = kd, triton_attention, triton_decode
VARIANTS: dict[str, dict[tuple[object, str], object]] = {
    "base": {},
    # the attention's key-row slices: 64 rows at every length (the rule before run 29), 128 at every length
    "splits64": {(ATT, "LONG_ROWS"): 1 << 30},
    "splits128": {(ATT, "ROWS_PER_SPLIT"): 128},
    "l2_prefetch": {(TD, "L2_PREFETCH"): True},
    "no_prefetch": {(KD, "PREFETCH"): False},
    "lookahead_all": {(KD, "NO_LOOKAHEAD"): set()},
    # each MLP / GMU as two projections (not triton_decode_kernels.updown)
    "no_updown": {(TD, "UPDOWN"): False},
    "updown_no_prefetch": {(KD, "UPDOWN_PREFETCH"): False},
}


def _switch_value(text: str) -> object:
    """'8M' -> 8 << 20, '512K' -> 512 << 10, '0' -> 0, 'true' / 'false' -> True / False, other text as is."""
    if text in ("true", "false"):
        return text == "true"
    scale = {"K": 1 << 10, "M": 1 << 20}.get(text[-1:], 1)
    digits = text[:-1] if scale > 1 else text
    return int(digits) * scale if digits.isdigit() else text


def variant(name: str) -> dict[tuple[object, str], object]:
    """The switches of a named variant, or of a tile variant: ``ud=BLOCK_MxWARPSxPER_SM`` (every updown's config),
    ``uds=BLOCK_DxBLOCK_P`` (updown's sum kernel), or one module switch ``NAME=value`` of :mod:`triton_decode`
    or else :mod:`triton_decode_kernels` (``UPDOWN=false``, ``DEFAULT_WAVES=4``, ``8M`` / ``512K`` for bytes);
    ``a+b`` both."""
    if "+" in name:
        return {k: v for part in name.split("+") for k, v in variant(part).items()}
    if name.startswith(("ud=", "uds=")):
        key, _, val = name.partition("=")
        nums = tuple(int(v) for v in val.split("x"))
        if key == "ud" and len(nums) == 3:
            return {(KD, "UPDOWN_DEFAULT"): nums, (KD, "UPDOWN_CONFIGS"): {}}
        if key == "uds" and len(nums) == 2:
            return {(KD, "UPDOWN_SUM"): nums}
    key, eq, val = name.partition("=")
    if eq and key.isupper():  # a module switch: NAME=value (triton_decode's, else triton_decode_kernels')
        mod = TD if hasattr(TD, key) else KD if hasattr(KD, key) else None
        if mod is not None:
            return {(mod, key): _switch_value(val)}
    if name not in VARIANTS:
        raise SystemExit(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}, ud=BMxWxP, uds=BDxBP, "
                         "NAME=value")
    return VARIANTS[name]

NAMES = {  # (N, K, prologue, epilogue) of the 3.8B model's projections -> a short name
    (20480, 2560, kd.LAYERNORM, kd.STORE): "fc1",
    (2560, 10240, kd.SWIGLU, kd.RESIDUAL): "fc2",
    (10240, 2560, kd.LAYERNORM, kd.CONV_STATE): "mamba.in_proj",
    (192, 5120, kd.PLAIN, kd.STORE): "mamba.x_proj",
    (2560, 5120, kd.PLAIN, kd.RESIDUAL): "mamba/gmu.out_proj",
    (5120, 2560, kd.LAYERNORM, kd.KV): "attn.Wqkv",
    (5120, 2560, kd.LAYERNORM, kd.SILU_MUL): "gmu.in_proj",
    (2560, 2560, kd.LAYERNORM, kd.STORE): "cross.Wq",
    (2560, 2560, kd.PLAIN, kd.RESIDUAL): "attn.out_proj",
    (200064, 2560, kd.LAYERNORM, kd.STORE): "lm_head",
}


def launch_labels(step: TritonDecode, tok, pos, rows) -> list[str]:
    """The kernels one step launches, in order, named (one eager call with the launchers wrapped)."""
    labels = ["embedding"]
    orig_p, orig_m, orig_a, orig_u = kd.projection, kd.mamba_update, triton_attention.launch, kd.updown

    def p(x, weight, y, ws, **kw):
        N, K = weight.shape
        labels.append(NAMES.get((N, K, kw.get("prologue", kd.PLAIN), kw.get("epilogue", kd.STORE)), f"proj{N}x{K}"))
        return orig_p(x, weight, y, ws, **kw)

    def m(*a, **kw):
        labels.append("mamba_update")
        return orig_m(*a, **kw)

    def att(q, k, v, pos_, rows_, *a, **kw):
        kind = "swa" if rows_ <= 512 else "cross"
        labels.extend([f"attn.partial.{kind}", f"attn.combine.{kind}"])
        return orig_a(q, k, v, pos_, rows_, *a, **kw)

    def u(*a, **kw):
        name = "mlp" if kw.get("kind", kd.MLP) == kd.MLP else "gmu"
        labels.extend([f"{name}.updown", f"{name}.updown_sum"])
        return orig_u(*a, **kw)

    kd.projection, kd.mamba_update, triton_attention.launch, kd.updown = p, m, att, u
    try:
        step(tok, pos, rows)
    finally:
        kd.projection, kd.mamba_update, triton_attention.launch, kd.updown = orig_p, orig_m, orig_a, orig_u
    torch.cuda.synchronize()
    return labels


def added_times(graph, labels: list[str]) -> dict:
    """Profile one replay: per label, the summed time it adds (end minus the previous kernel's end, us) and count."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        graph.replay()
        torch.cuda.synchronize()
    ks = sorted((e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA
                 and "memcpy" not in e.name.lower()), key=lambda e: e.time_range.start)
    if len(ks) != len(labels):
        return {"error": f"{len(ks)} kernels profiled, {len(labels)} launches labelled"}
    out: dict[str, list[float]] = {}
    prev = ks[0].time_range.start
    for e, lab in zip(ks, labels):
        end = e.time_range.end
        out.setdefault(lab, [0.0, 0])
        out[lab][0] += max(0.0, end - prev)
        out[lab][1] += 1
        prev = max(prev, end)
    return {k: {"us": round(v[0], 2), "count": v[1], "us_each": round(v[0] / v[1], 2)} for k, v in out.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/decode-variants")
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help="comma-separated: named variants, ud=BLOCK_MxWARPSxPER_SM, uds=BLOCK_DxBLOCK_P")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--check", action="store_true",
                    help="only run each variant's step once (eager, then a graph replay) and compare its logits with "
                         "the first variant's")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.variants.split(",")
    switches = {n: variant(n) for n in names}
    dev = torch.device("cuda")
    bw = copy_bandwidth(dev)
    with torch.device("cuda"):
        model = SambaYForCausalLM(SambaYConfig())
    model = model.to(torch.bfloat16)
    model.init_random(0).eval().requires_grad_(False)
    ctx = args.context
    slots = SlotCache(model.config, 1, ctx + 64, device="cuda", dtype=model.dtype)
    for layer in slots.layers:  # random K/V and states
        for t in ((layer.k, layer.v) if hasattr(layer, "k") else (layer.conv,) if layer is not None else ()):
            t.normal_()
    tok = torch.tensor([7], device="cuda")
    pos = torch.tensor([ctx], device="cuda")
    weights = sum(p.numel() for p in model.parameters()) * 2
    res: dict = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "date": time.strftime("%Y-%m-%d"),
                 "argv": sys.argv[1:], "copy_bandwidth_TBps": bw / 1e12, "weights_GB": weights / 1e9,
                 "pdl": kd.PDL, "variants": {}}
    print(f"copy bandwidth {bw / 1e12:.3f} TB/s; weights {weights / 1e9:.3f} GB -> {weights / bw * 1e3:.3f} ms",
          flush=True)
    if args.check:
        ref = None
        for name in names:
            saved = {key: getattr(*key) for key in switches[name]}
            for (mod, attr), val in switches[name].items():
                setattr(mod, attr, val)
            try:
                step = TritonDecode(model, slots)
                snap = slots.mamba_snapshot(1)
                eager = step(tok, pos, ctx + 1).clone()
                slots.mamba_restore(snap)
                logits = torch.empty_like(eager)
                g = capture(lambda step=step, logits=logits: step(tok, pos, ctx + 1, out=logits))
                slots.mamba_restore(snap)
                g.replay()
                slots.mamba_restore(snap)
                torch.cuda.synchronize()
                ref = eager if ref is None else ref
                rel = lambda a, b: ((a - b).double().norm() / b.double().norm()).item()
                print(f"check {name}: eager logits vs {names[0]}'s rel {rel(eager, ref):.2e}; graph replay vs "
                      f"eager rel {rel(logits, eager):.2e}", flush=True)
            finally:
                for (mod, attr), val in saved.items():
                    setattr(mod, attr, val)
        return 0
    graphs, labels, steps = {}, {}, {}  # (a graph uses its step's workspace: the step must outlive it)
    for name in names:
        saved = {key: getattr(*key) for key in switches[name]}
        for (mod, attr), val in switches[name].items():
            setattr(mod, attr, val)
        try:
            t0 = time.perf_counter()
            step = steps[name] = TritonDecode(model, slots)
            labels[name] = launch_labels(step, tok, pos, ctx + 1)
            graphs[name] = capture(lambda step=step: step(tok, pos, ctx + 1))
            print(f"{name}: captured in {time.perf_counter() - t0:.1f} s", flush=True)
        finally:
            for (mod, attr), val in saved.items():
                setattr(mod, attr, val)
    times: dict[str, list[float]] = {n: [] for n in names}
    ev = [torch.cuda.Event(enable_timing=True) for _ in range(2)]
    for _ in range(args.rounds):
        for name in names:
            g = graphs[name]
            g.replay()
            for _ in range(args.reps):
                ev[0].record()
                g.replay()
                ev[1].record()
                ev[1].synchronize()
                times[name].append(ev[0].elapsed_time(ev[1]))
    for name in names:
        ms = statistics.median(times[name])
        prof = added_times(graphs[name], labels[name])
        res["variants"][name] = {"switches": {f"{m.__name__.rsplit('.', 1)[-1]}.{a}": v
                                              for (m, a), v in switches[name].items()},
                                 "ms_median": ms, "ms_p10": statistics.quantiles(times[name], n=10)[0],
                                 "ms_p90": statistics.quantiles(times[name], n=10)[-1],
                                 "weights_at_copy_rate_fraction": weights / bw * 1e3 / ms, "added_us": prof}
        print(f"{name:18s} {ms:.4f} ms/step (p10 {res['variants'][name]['ms_p10']:.4f}, p90 "
              f"{res['variants'][name]['ms_p90']:.4f}), weights at the copy rate {weights / bw * 1e3 / ms:.1%}",
              flush=True)
    (out / "decode-variants.json").write_text(json.dumps(res, indent=1, default=lambda o: sorted(o, key=str)))
    kinds = sorted({k for v in res["variants"].values() for k in v["added_us"] if k != "error"},
                   key=lambda k: -res["variants"][names[0]]["added_us"].get(k, {"us": 0})["us"])
    print("\nadded us per kernel (each) by variant:")
    print(f"{'kernel':22s} {'n':>3s} " + " ".join(f"{n[:12]:>12s}" for n in names))
    for k in kinds:
        first = res["variants"][names[0]]["added_us"].get(k, {})
        cells = [res["variants"][n]["added_us"].get(k, {}).get("us_each", float("nan")) for n in names]
        print(f"{k:22s} {first.get('count', 0):3d} " + " ".join(f"{c:12.2f}" for c in cells))
    print(f"{'step ms':22s}     " + " ".join(f"{res['variants'][n]['ms_median']:12.4f}" for n in names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
