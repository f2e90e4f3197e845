"""Baseline speed and memory of `inference/` (issue 5): load, prefill, decode at batch 1.

    python bench/bench_inference.py --size full              # 3.8B Phi-4-mini-flash config, random bf16, CUDA
    python bench/bench_inference.py --size tiny --device cpu  # smoke test (seconds, any machine)

Steps: random weights (seeded) -> save_pretrained to a temporary HF-layout directory -> timed load_pretrained
(safetensors, memory-mapped; the file is in the page cache, so this is a warm-cache load) -> warm-up ->
prefill of `--prompt-len` random tokens (median of `--repeats`; cross-decoder on the last token only) ->
greedy decode of `--new-tokens` tokens with the cache. Prints a table and one JSON line (`--json-out` writes it).
Weights are random, so the tokens are meaningless; only time and memory are measured.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference import (
    SambaYConfig,
    SambaYForCausalLM,
    kernels,
    load_pretrained,
    save_pretrained,
)
from inference.testing import byte_tokenizer, tiny_config


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _now(device: torch.device) -> float:
    _sync(device)
    return time.perf_counter()


def build_config(size: str) -> SambaYConfig:
    if size == "full":
        return SambaYConfig()  # the released Phi-4-mini-flash-reasoning architecture
    return tiny_config(vocab_size=512)


@torch.inference_mode()
def prefill(model: SambaYForCausalLM, ids: torch.Tensor, capacity: int):
    cache = model.allocate_cache(ids.shape[0], capacity)
    logits = model(ids, cache=cache, logits_to_keep=1)
    return cache, logits[:, -1]


@torch.inference_mode()
def decode(model: SambaYForCausalLM, cache, logits: torch.Tensor, n: int) -> torch.Tensor:
    nxt = logits.argmax(-1)
    for _ in range(n):
        logits = model(nxt.view(-1, 1), cache=cache)[:, -1]
        nxt = logits.argmax(-1)
    return nxt


def run(args: argparse.Namespace) -> dict:
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dtype = getattr(torch, args.dtype) if args.dtype else (torch.bfloat16 if device.type == "cuda"
                                                           else torch.float32)
    config = build_config(args.size)
    res: dict = {"size": args.size, "device": str(device), "dtype": str(dtype).removeprefix("torch."),
                 "prompt_len": args.prompt_len, "new_tokens": args.new_tokens, "batch": args.batch,
                 "torch": torch.__version__, "python": platform.python_version()}
    if device.type == "cuda":
        res["gpu"] = torch.cuda.get_device_name(device)
        res["fast_paths"] = kernels.is_fast_path_available(device)
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as tmp:
        t0 = time.perf_counter()
        with torch.device("meta"):
            model = SambaYForCausalLM(config).to(dtype)
        model.to_empty(device=device)
        model.tie_weights()
        model.init_random(args.seed)
        res["init_s"] = round(_now(device) - t0, 3)
        res["parameters"] = sum(p.numel() for p in model.parameters())
        t0 = time.perf_counter()
        save_pretrained(model, byte_tokenizer(), tmp)
        res["save_s"] = round(time.perf_counter() - t0, 3)
        del model
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
        t0 = time.perf_counter()
        model, _ = load_pretrained(tmp, device=device, dtype=dtype)
        res["load_s"] = round(_now(device) - t0, 3)
    if device.type == "cuda":
        res["weights_gib"] = round(torch.cuda.memory_allocated(device) / 2**30, 3)
        res["load_peak_gib"] = round(torch.cuda.max_memory_allocated(device) / 2**30, 3)
    g = torch.Generator(device="cpu").manual_seed(args.seed)
    ids = torch.randint(0, config.vocab_size, (args.batch, args.prompt_len), generator=g).to(device)
    capacity = args.prompt_len + args.new_tokens

    # warm-up: kernels load / autotune (short prefill and a few decode steps)
    cache, logits = prefill(model, ids[:, : min(64, args.prompt_len)], capacity)
    decode(model, cache, logits, 4)
    del cache
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)

    times = []
    for _ in range(args.repeats):
        t0 = _now(device)
        cache, logits = prefill(model, ids, capacity)
        times.append(_now(device) - t0)
    res["prefill_ms"] = round(1000 * statistics.median(times), 2)
    res["prefill_ms_all"] = [round(1000 * t, 2) for t in times]
    res["prefill_tok_s"] = round(args.batch * args.prompt_len / statistics.median(times), 1)
    t0 = _now(device)
    decode(model, cache, logits, args.new_tokens)
    dt = _now(device) - t0
    res["decode_s"] = round(dt, 3)
    res["decode_ms_per_token"] = round(1000 * dt / args.new_tokens, 3)
    res["decode_tok_s"] = round(args.batch * args.new_tokens / dt, 2)
    res["cache_mib"] = round(cache.nbytes() / 2**20, 2)
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
        with profile(activities=acts) as prof:
            decode(model, cache, logits, 8)
            _sync(device)
        key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
        print(prof.key_averages().table(sort_by=key, row_limit=15, max_name_column_width=50))
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10, max_name_column_width=50))
    if device.type == "cuda":
        res["peak_gib"] = round(torch.cuda.max_memory_allocated(device) / 2**30, 3)
        res["peak_reserved_gib"] = round(torch.cuda.max_memory_reserved(device) / 2**30, 3)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["full", "tiny"], default="full")
    ap.add_argument("--device", default=None)
    ap.add_argument("--dtype", default=None, choices=["bfloat16", "float32", "float16"])
    ap.add_argument("--prompt-len", type=int, default=2048)
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tmpdir", default=None, help="where the temporary checkpoint is written")
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--profile", action="store_true", help="print a torch.profiler table of 8 decode steps")
    args = ap.parse_args(argv)
    if args.prompt_len < 1 or args.new_tokens < 1 or args.batch < 1 or args.repeats < 1:
        ap.error("--prompt-len, --new-tokens, --batch and --repeats must be >= 1")
    res = run(args)
    width = max(len(k) for k in res)
    for k, v in res.items():
        print(f"{k:<{width}}  {v}")
    line = json.dumps(res)
    print(line)
    if args.json_out:
        Path(args.json_out).write_text(line + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
