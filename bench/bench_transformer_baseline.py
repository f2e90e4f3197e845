"""Issue 8 baseline: the transformer SambaY replaces (Phi-4-mini's architecture in Hugging Face `transformers`).

    python bench/bench_transformer_baseline.py --out DIR                 # CUDA; writes DIR/transformer.json
    python bench/bench_transformer_baseline.py --size tiny --device cpu --no-compile --out /tmp/t   # smoke test

`Phi3ForCausalLM` with the Phi-4-mini config (vocab 200064, d 3072, 32 layers, 24 query / 8 KV heads of 128,
partial rotary 0.75, tied embeddings; plain RoPE instead of LongRoPE, which changes no speed), random bf16 weights,
its fastest settings: a `StaticCache` of 2K + G tokens and the decode forward compiled with
`torch.compile(mode="reduce-overhead")` (CUDA graphs; what `generate` does with a static cache). For each
generation length G the batch is the largest whose cache fits. As for the engine, decode step time is measured at
contexts 2K, 2K+G/2, 2K+G-1 (the cache's write position set directly), integrated over the generation, and the
batch's 2K prefill (measured at batch 1, times the batch) is added.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

GIB = 1024 ** 3


def phi4_mini_config(size: str):
    from transformers import Phi3Config

    rope = {"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.75}
    if size == "tiny":
        return Phi3Config(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                          tie_word_embeddings=True, rope_parameters=rope, pad_token_id=0, bos_token_id=1,
                          eos_token_id=2)
    return Phi3Config(vocab_size=200064, hidden_size=3072, intermediate_size=8192, num_hidden_layers=32,
                      num_attention_heads=24, num_key_value_heads=8, max_position_embeddings=131072,
                      original_max_position_embeddings=4096, rms_norm_eps=1e-5, tie_word_embeddings=True,
                      rope_parameters=rope, pad_token_id=199999, bos_token_id=199999, eos_token_id=199999)


def now(dev: torch.device) -> float:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["full", "tiny"], default="full")
    ap.add_argument("--device", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--gen-lengths", type=int, nargs="+", default=[32768, 8192, 16384])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--max-batch-cap", type=int, default=512)
    args = ap.parse_args(argv)

    import transformers
    from transformers import Phi3ForCausalLM, StaticCache

    dev = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dtype = torch.bfloat16 if dev.type == "cuda" else torch.float32
    cfg = phi4_mini_config(args.size)
    if args.size == "tiny":
        args.context, args.gen_lengths, args.reps = 32, [64], 2
    res: dict = {"kind": "transformer", "model": "Phi3ForCausalLM (Phi-4-mini config, random weights)",
                 "transformers": transformers.__version__, "torch": torch.__version__,
                 "python": platform.python_version(), "device": str(dev), "dtype": str(dtype).removeprefix("torch."),
                 "compiled": not args.no_compile, "date": time.strftime("%Y-%m-%d"), "argv": sys.argv[1:]}
    if dev.type == "cuda":
        res["gpu"] = torch.cuda.get_device_name(dev)

    def write() -> None:
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / "transformer.json").write_text(json.dumps(res, indent=1))

    t0 = time.perf_counter()
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(dev):
            model = Phi3ForCausalLM(cfg)
    finally:
        torch.set_default_dtype(default)
    model.eval().requires_grad_(False)
    res["parameters"] = sum(p.numel() for p in model.parameters())
    res["init_s"] = time.perf_counter() - t0
    kv_bytes_per_token = 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * (
        cfg.hidden_size // cfg.num_attention_heads) * torch.empty((), dtype=dtype).element_size()
    res["kv_bytes_per_token"] = kv_bytes_per_token

    # prefill of one 2K prompt (eager, dynamic cache), median of 3 after a warm-up
    ids = torch.randint(1, cfg.vocab_size, (1, args.context), device=dev)
    times = []
    with torch.inference_mode():
        for _ in range(4):
            t = now(dev)
            model(input_ids=ids, use_cache=True, logits_to_keep=1)
            times.append(now(dev) - t)
    res["prefill_2k_ms"] = statistics.median(times[1:]) * 1e3
    write()

    step_fn = model if args.no_compile else torch.compile(model, mode="reduce-overhead", dynamic=False)
    res["throughput"] = {}
    for G in args.gen_lengths:
        t_start = time.perf_counter()
        L = args.context + G
        gc.collect()
        if dev.type == "cuda":
            torch.cuda.empty_cache()
            free = torch.cuda.mem_get_info(dev)[0]
            # SDPA's repeat_kv copies one layer's K and V per step, 3x expanded: ~19% of the cache; keep 25% + 6 GiB
            B = int((free - 6 * GIB) // (kv_bytes_per_token * L * 1.25))
        else:
            B = 2
        B = max(1, min(B, args.max_batch_cap))
        row: dict = {"batch": B, "prompt": args.context, "gen": G}
        try:
            cache = StaticCache(config=cfg, max_cache_len=L)
            tok = torch.randint(1, cfg.vocab_size, (B, 1), device=dev)
            with torch.inference_mode():
                model(input_ids=tok, past_key_values=cache, use_cache=True,
                      position_ids=torch.zeros(B, 1, dtype=torch.long, device=dev))  # allocates the cache
            steps = {}
            for ctx in (args.context, args.context + G // 2, args.context + G - 1):
                times = []
                for i in range(3 + args.reps):
                    with torch.inference_mode():
                        for layer in cache.layers:
                            layer.cumulative_length.fill_(ctx)
                    pos = torch.full((B, 1), ctx, dtype=torch.long, device=dev)
                    if not args.no_compile:
                        torch.compiler.cudagraph_mark_step_begin()
                    t = now(dev)
                    with torch.inference_mode():
                        out = step_fn(input_ids=tok, past_key_values=cache, use_cache=True, position_ids=pos)
                        tok = out.logits[:, -1].argmax(-1, keepdim=True).clone()
                    times.append(now(dev) - t)
                    if i == 0:
                        row.setdefault("first_call_s", {})[str(ctx)] = times[0]
                steps[str(ctx)] = statistics.median(times[3:])
            st = list(steps.values())
            mean_step = (st[0] + 2 * st[1] + st[2]) / 4
            decode_s = mean_step * G
            prefill_s = res["prefill_2k_ms"] / 1e3 * B
            row.update({"step_s": steps, "decode_s_est": decode_s, "prefill_s_est": prefill_s,
                        "tokens_per_s": B * G / (decode_s + prefill_s)})
        except Exception as e:  # noqa: BLE001 - OOM or compile failure: record and go on
            import traceback

            traceback.print_exc()
            row["error"] = f"{type(e).__name__}: {e}"[:600]
        row["bench_wall_s"] = time.perf_counter() - t_start
        res["throughput"][str(G)] = row
        cache = out = None
        write()
        print(f"-- G={G}: {row}", flush=True)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
