"""Train a small SambaY model on a prompt/response corpus and write an HF-layout checkpoint.

    python -m inference.training.train --data train.jsonl.gz --val-data val.jsonl.gz \
        --tokenizer tokenizer.json --out DIR [--time-budget 450]
    python -m inference.training.train --data train.jsonl --out DIR --cpu-smoke

Recipe (defaults): SambaY of the Phi-4-mini-flash layout rules (`SambaYConfig`: Mamba / sliding-window
differential attention self-decoder, memory Mamba + full attention at L/2, GMU / cross-attention
cross-decoder) with hidden 256, 8 layers, 8 query / 4 KV heads, SwiGLU 768, Mamba d_state 16, window 128;
loss on response tokens only; AdamW (betas 0.9/0.95, weight decay 0.1 on matrices), linear warmup then
cosine decay to 10%; gradient clipping 1.0; bf16 autocast on CUDA (fp32 master weights); Mamba scans use the
parallel training scan (`inference.training.scan`) unless `--scan` picks the mamba_ssm kernel. With `--time-budget S` the number of steps is fitted to
S seconds after the warmup's measured step time (the cosine horizon is fixed then). `--init-from DIR`
continues training a saved checkpoint (a second stage with its own warmup and cosine schedule).

Writes to --out: config.json, model.safetensors, tokenizer.json, generation_config.json (by
`inference.save_pretrained`) and training.json (recipe, corpus summary, final losses); to --log-dir (default
--out): loss.csv (step, tokens, lr, train_loss, val_loss, seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import hashlib
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..config import SambaYConfig
from ..kernels import is_fast_path_available
from ..loading import load_pretrained, save_pretrained
from ..model import SambaYForCausalLM
from ..tokenizer import END, END_OF_TEXT, Tokenizer
from .data import DataError, Example, batches, collate, encode_all, padded_length, read_jsonl
from .scan import parallel_scan
from .step import GraphedTrainStep, train_step
from .tokenizer_train import train_tokenizer

SMOKE: dict[str, Any] = {
    "hidden": 32, "layers": 8, "heads": 4, "kv_heads": 2, "intermediate": 64, "d_state": 4, "window": 16,
    "steps": 3, "tokens_per_batch": 1024, "warmup": 1, "eval_every": 2, "vocab_size": 300, "max_examples": 16,
    "val_examples": 4, "save_dtype": "float32"}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m inference.training.train", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, type=Path, help="training JSONL (.gz ok): prompt, response[, family]")
    ap.add_argument("--val-data", type=Path, default=None, help="held-out JSONL for the validation loss")
    ap.add_argument("--tokenizer", type=Path, default=None, help="tokenizer.json (default: train one on --data)")
    ap.add_argument("--vocab-size", type=int, default=2048, help="for a tokenizer trained here")
    ap.add_argument("--out", required=True, type=Path, help="checkpoint directory to write")
    ap.add_argument("--log-dir", type=Path, default=None, help="where loss.csv goes (default: --out)")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--intermediate", type=int, default=768)
    ap.add_argument("--d-state", type=int, default=16)
    ap.add_argument("--window", type=int, default=128)
    ap.add_argument("--max-len", type=int, default=640, help="longer examples are dropped (and counted)")
    ap.add_argument("--tokens-per-batch", type=int, default=16384, help="padded tokens per optimizer step")
    ap.add_argument("--steps", type=int, default=4000, help="maximum optimizer steps")
    ap.add_argument("--time-budget", type=float, default=None, help="seconds of training; fits --steps to it")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--max-examples", type=int, default=None, help="use only the first N training records")
    ap.add_argument("--val-examples", type=int, default=512)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    ap.add_argument("--save-dtype", default="bfloat16", choices=["bfloat16", "float32"])
    ap.add_argument("--init-from", type=Path, default=None,
                    help="continue from this checkpoint (its config and tokenizer; the size flags are ignored)")
    ap.add_argument("--scan", default="parallel", choices=["parallel", "kernel", "auto"],
                    help="Mamba scan for training: the parallel log-space scan, the mamba_ssm CUDA kernel "
                         "(through inference.kernels), or auto (kernel when mamba_ssm imports on CUDA)")
    ap.add_argument("--cuda-graphs", action="store_true",
                    help="replay each training step from a CUDA graph (one per batch shape; CUDA only): the small "
                         "model's eager step is bound by the host issuing ~6,700 operator calls")
    ap.add_argument("--pad-to", type=int, default=None,
                    help="round batch lengths up to a multiple of this (default 64 with --cuda-graphs, else 1)")
    ap.add_argument("--cpu-smoke", action="store_true",
                    help="tiny model, a few CPU steps (tests): " + ", ".join(f"{k}={v}" for k, v in SMOKE.items()))
    args = ap.parse_args(argv)
    if args.cpu_smoke:
        for k, v in SMOKE.items():
            setattr(args, k, v)
        args.device = "cpu"
        args.time_budget = None
    for name in ("hidden", "layers", "heads", "kv_heads", "intermediate", "d_state", "window", "max_len",
                 "tokens_per_batch", "steps", "eval_every", "val_examples"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1")
    if not 0 < args.lr < 1 or not 0 <= args.min_lr_ratio <= 1 or args.warmup < 0:
        ap.error("need 0 < --lr < 1, 0 <= --min-lr-ratio <= 1, --warmup >= 0")
    if args.time_budget is not None and args.time_budget <= 0:
        ap.error("--time-budget must be > 0 seconds")
    if args.pad_to is None:
        args.pad_to = 64 if args.cuda_graphs else 1
    if args.pad_to < 1:
        ap.error("--pad-to must be >= 1")
    return args


def build_config(args: argparse.Namespace, vocab_size: int, tokenizer: Tokenizer) -> SambaYConfig:
    """SambaY config for the tokenizer (vocabulary rounded up to a multiple of 64)."""
    pad = tokenizer.token_id(END_OF_TEXT)
    return SambaYConfig(
        vocab_size=-(-vocab_size // 64) * 64, hidden_size=args.hidden, intermediate_size=args.intermediate,
        num_hidden_layers=args.layers, num_attention_heads=args.heads, num_key_value_heads=args.kv_heads,
        sliding_window=args.window, max_position_embeddings=4096, pad_token_id=pad, bos_token_id=pad,
        eos_token_id=[tokenizer.token_id(END), pad], mamba_d_state=args.d_state, torch_dtype=args.save_dtype)


@torch.no_grad()
def init_for_training(model: SambaYForCausalLM, seed: int) -> SambaYForCausalLM:
    """`init_random` (Mamba A/D/dt as in Mamba), then LayerNorms at 1/0, biases 0, and residual-branch
    output projections scaled by 1/sqrt(2 L) (GPT-2 style) so the stack starts near the identity."""
    model.init_random(seed, std=0.02)
    scale = 1.0 / math.sqrt(2 * model.config.num_hidden_layers)
    for name, p in model.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        if "layernorm" in name or "subln" in name:
            p.fill_(1.0 if leaf == "weight" else 0.0)
        elif leaf == "bias" and not name.endswith("dt_proj.bias") and "conv1d" not in name:
            p.zero_()
        elif name.endswith(("out_proj.weight", "fc2.weight")):
            p.mul_(scale)
    return model


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Weight decay on 2-D matrices (projections, embeddings); none on norms, biases, A_log, D, lambdas."""
    decay, no_decay = [], []
    for p in model.parameters():
        if not p.requires_grad:
            continue
        (decay if p.dim() >= 2 and p.shape[-1] > 1 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step: int, total: int, args: argparse.Namespace) -> float:
    """Linear warmup over `args.warmup` steps, then cosine from lr to lr * min_lr_ratio at `total`."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = min(1.0, (step - args.warmup) / max(1, total - args.warmup))
    return args.lr * (args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def fit_total_steps(step: int, left_s: float, per_step_s: float, eval_s: float, eval_every: int, max_steps: int,
                    margin: float = 1.02) -> int:
    """The last step that fits the time left: `left_s` seconds after `step`, each step `per_step_s` seconds
    (times `margin`), plus `eval_s` seconds for every `eval_every` steps (validation + checkpoint save). At least
    step + 1, at most `max_steps`."""
    per = per_step_s * margin + eval_s / max(1, eval_every)
    more = int(max(0.0, left_s) / per) if per > 0 else max_steps
    return max(step + 1, min(max_steps, step + more))


def masked_loss(model: SambaYForCausalLM, batch: tuple[torch.Tensor, ...], device: torch.device
                ) -> tuple[torch.Tensor, float]:
    """(mean cross-entropy over response tokens, number of those tokens)."""
    inputs, targets, mask = (t.to(device, non_blocking=True) for t in batch)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        logits = model(inputs)
    losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    n = mask.sum()
    return (losses * mask.reshape(-1)).sum() / n.clamp_min(1.0), float(n)


@torch.no_grad()
def validation_loss(model: SambaYForCausalLM, examples: list[Example], pad_id: int, tokens_per_batch: int,
                    device: torch.device) -> float:
    model.eval()
    total, count = 0.0, 0.0
    ordered = sorted(examples, key=lambda e: len(e.ids))
    i = 0
    while i < len(ordered):
        j = i + 1
        while j < len(ordered) and (j - i + 1) * len(ordered[j].ids) <= tokens_per_batch:
            j += 1
        loss, n = masked_loss(model, collate(ordered[i:j], pad_id), device)
        total, count = total + float(loss) * n, count + n
        i = j
    model.train()
    return total / max(count, 1.0)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save(model: SambaYForCausalLM, tokenizer: Tokenizer, out: Path, dtype: str, manifest: dict[str, Any]) -> None:
    cpu = copy.deepcopy(model).to(device="cpu", dtype=getattr(torch, dtype)).eval()
    save_pretrained(cpu, tokenizer, out)
    (out / "training.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Run training as configured by `args` (see :func:`parse_args`); returns the manifest written."""
    t_start = time.perf_counter()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    records = list(read_jsonl(args.data))
    if args.max_examples is not None:
        records = records[:args.max_examples]
    if not records:
        raise DataError(f"{args.data} holds no records")
    if args.tokenizer is None and args.init_from is not None:
        args.tokenizer = args.init_from / "tokenizer.json"
    if args.tokenizer is not None:
        tokenizer = Tokenizer.from_file(args.tokenizer)
    else:
        tokenizer = train_tokenizer((t for r in records for t in (r["prompt"], r["response"])), args.vocab_size)
    pad_id = tokenizer.token_id(END_OF_TEXT)
    examples, dropped = encode_all(tokenizer, records, args.max_len)
    val_examples: list[Example] = []
    if args.val_data is not None:
        val_records = list(read_jsonl(args.val_data))[:args.val_examples]
        val_examples, _ = encode_all(tokenizer, val_records, args.max_len)
    tokens_per_batch = max(args.tokens_per_batch, max(len(e.ids) for e in examples))

    previous_stage: dict[str, Any] | None = None
    if args.init_from is not None:
        model = load_pretrained(args.init_from, device=device, dtype=torch.float32).model
        if (args.init_from / "training.json").is_file():
            previous_stage = json.loads((args.init_from / "training.json").read_text(encoding="utf-8"))
        model.requires_grad_(True).train()
        config = model.config
        if config.vocab_size < tokenizer.vocab_size:
            raise DataError(f"{args.init_from} has {config.vocab_size} embeddings for {tokenizer.vocab_size} tokens")
    else:
        config = build_config(args, tokenizer.vocab_size, tokenizer)
        model = init_for_training(SambaYForCausalLM(config).to(device), args.seed).train()
    use_kernel = args.scan == "kernel" or (
        args.scan == "auto" and device.type == "cuda" and is_fast_path_available(device)["mamba_ssm"])
    if use_kernel and not (device.type == "cuda" and is_fast_path_available(device)["mamba_ssm"]):
        raise DataError("--scan kernel needs CUDA and an importable mamba_ssm")
    scan_context = contextlib.nullcontext() if use_kernel else parallel_scan()
    n_params = sum(p.numel() for p in model.parameters())
    if args.cuda_graphs and device.type != "cuda":
        raise DataError("--cuda-graphs needs a CUDA device")
    # with CUDA graphs the learning rate is a device tensor the captured AdamW step reads (set in place each step)
    lr_t = torch.tensor(args.lr, device=device) if args.cuda_graphs else None
    optimizer = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr if lr_t is None else lr_t,
                                  betas=(0.9, 0.95), eps=1e-8, fused=device.type == "cuda",
                                  capturable=args.cuda_graphs)
    graphed = GraphedTrainStep(model, optimizer) if args.cuda_graphs else None
    log_dir = args.log_dir or args.out
    log_dir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    families = Counter(str(r.get("family", "")) for r in records if r.get("family"))
    template_ids = sorted({str(r["template_id"]) for r in records if r.get("template_id")})
    print(f"device={device} params={n_params} vocab={config.vocab_size} examples={len(examples)} "
          f"dropped={dropped} val={len(val_examples)} layers={list(config.layer_types)} "
          f"scan={'mamba_ssm kernel' if use_kernel else 'parallel'}", flush=True)

    total_steps = args.steps
    eval_s, fit_from, fit_again = 1.0, 0, -1  # validation + save seconds (estimate until measured), refit point
    tokens_per_batch = max(tokens_per_batch, max(padded_length(len(e.ids), args.pad_to) for e in examples))
    stream = batches(examples, tokens_per_batch, rng, args.pad_to)
    fixed_rows = tokens_per_batch if args.cuda_graphs else None  # graphs: B = tokens_per_batch // T
    rows: list[dict[str, Any]] = []
    tokens_seen = 0
    recent: list[float] = []
    t_train = time.perf_counter()
    step_times: list[float] = []
    manifest: dict[str, Any] = {}
    csv_path = log_dir / "loss.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fcsv, scan_context:
        writer = csv.DictWriter(fcsv, fieldnames=["step", "tokens", "lr", "train_loss", "val_loss", "seconds"])
        writer.writeheader()
        step = 0
        while step < total_steps:
            t0 = time.perf_counter()
            lr = lr_at(step, total_steps, args)
            batch = collate(next(stream), pad_id, args.pad_to, fixed_rows)
            n = float(batch[2].sum())
            if graphed is not None and lr_t is not None:
                lr_t.fill_(lr)
                loss = graphed(batch)
            else:
                for g in optimizer.param_groups:
                    g["lr"] = lr
                optimizer.zero_grad(set_to_none=True)
                loss = train_step(model, optimizer, model.parameters(),
                                  tuple(t.to(device, non_blocking=True) for t in batch))
            loss_value = float(loss)  # synchronizes: step times below are real
            if not math.isfinite(loss_value):
                raise FloatingPointError(f"loss became {loss_value} at step {step}")
            tokens_seen += int(n)
            recent.append(loss_value)
            step_times.append(time.perf_counter() - t0)
            step += 1
            # fit the step count to the time budget after the warmup's first steps, after the warmup, and once
            # more after the first validation (measured eval + save time, steady-state step times: CUDA-graph
            # captures and first-use costs are over by then)
            refit = step in (min(30, args.warmup or 30), max(30, args.warmup)) or step == fit_again
            if args.time_budget is not None and refit:
                recent_times = step_times[fit_from:] if step == fit_again else step_times[5:]
                per_step = sorted(recent_times)[len(recent_times) // 2] if len(recent_times) > 1 \
                    else step_times[-1]
                left = args.time_budget - (time.perf_counter() - t_train)
                total_steps = fit_total_steps(step, left, per_step, eval_s, args.eval_every, args.steps)
                graphs = "" if graphed is None else (
                    f" ({graphed.captures} CUDA graphs captured"
                    + (f", {len(graphed.eager_shapes)} shapes eager: {next(iter(graphed.eager_shapes.values()))}"
                       if graphed.eager_shapes else "") + ")")
                print(f"step {step}: {per_step * 1000:.1f} ms/step -> {total_steps} steps in the budget{graphs}",
                      flush=True)
            if step % args.eval_every == 0 or step == total_steps:
                t_eval = time.perf_counter()
                val = validation_loss(model, val_examples, pad_id, tokens_per_batch, device) \
                    if val_examples else float("nan")
                row = {"step": step, "tokens": tokens_seen, "lr": f"{lr:.6g}",
                       "train_loss": f"{sum(recent) / len(recent):.5f}", "val_loss": f"{val:.5f}",
                       "seconds": f"{time.perf_counter() - t_train:.1f}"}
                writer.writerow(row)
                fcsv.flush()
                rows.append(row)
                recent = []
                print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
                manifest = {
                    "recipe": {k: (v.name if isinstance(v, Path) else v) for k, v in vars(args).items()},
                    "config": config.to_dict(), "parameters": n_params, "steps": step,
                    "planned_steps": total_steps, "tokens_trained": tokens_seen,
                    "train_loss": float(row["train_loss"]), "val_loss": val,
                    "train_seconds": round(time.perf_counter() - t_train, 1),
                    "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                    "torch": torch.__version__, "scan": "mamba_ssm kernel" if use_kernel else "parallel",
                    "cuda_graphs": None if graphed is None else {
                        "captured": graphed.captures, "eager_shapes": {
                            f"{k[0]}x{k[1]}": v for k, v in graphed.eager_shapes.items()}},
                    "corpus": {"file": args.data.name, "sha256": _sha256(args.data), "records": len(records),
                               "examples": len(examples), "dropped_over_max_len": dropped,
                               "families": dict(sorted(families.items())), "templates": template_ids},
                }
                if previous_stage is not None:
                    manifest["previous_stage"] = previous_stage
                save(model, tokenizer, args.out, args.save_dtype, manifest)
                if step == args.eval_every:  # the first validation: its cost is known now; fit again soon after
                    eval_s = time.perf_counter() - t_eval
                    fit_from, fit_again = len(step_times), step + 50
    manifest["total_seconds"] = round(time.perf_counter() - t_start, 1)
    (args.out / "training.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        manifest = train(args)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({manifest['parameters']} parameters, {manifest['steps']} steps, "
          f"val_loss={manifest['val_loss']:.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
