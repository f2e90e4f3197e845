"""Load and save checkpoints in the Hugging Face layout.

A model directory holds `config.json` (HF `phi4flash`), `model.safetensors` or sharded
`model-0000i-of-0000n.safetensors` + `model.safetensors.index.json`, `tokenizer.json`, and optionally
`generation_config.json` (its `eos_token_id` adds stop ids).

Loading builds the model on the meta device (no allocation), checks every tensor name and shape in the
safetensors headers against the model before reading any data (one readable error lists all problems), then
reads each tensor from the memory-mapped file straight into its final dtype and device and assigns it:
no second full copy of the weights is ever held. `lm_head.weight` may be stored or not when embeddings are tied.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from .config import SambaYConfig
from .errors import CheckpointError
from .model import SambaYForCausalLM
from .tokenizer import Tokenizer

WEIGHTS = "model.safetensors"
INDEX = "model.safetensors.index.json"
_MAX_LISTED = 12


class Pretrained(NamedTuple):
    """What :func:`load_pretrained` returns: unpack as ``model, tokenizer = load_pretrained(path)``."""

    model: SambaYForCausalLM
    tokenizer: Tokenizer


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def default_dtype(device: torch.device) -> torch.dtype:
    """bf16 on GPU (the checkpoint's dtype), fp32 on CPU."""
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def load_pretrained(path: str | Path, *, device: torch.device | str | None = None,
                    dtype: torch.dtype | None = None) -> Pretrained:
    """Load model + tokenizer from a local HF-layout directory. Defaults: CUDA/bf16 if available, else CPU/fp32."""
    root = Path(path)
    if not root.is_dir():
        raise CheckpointError(f"model directory not found: {root}")
    if not (root / "config.json").is_file():
        raise CheckpointError(f"{root} has no config.json")
    if not (root / "tokenizer.json").is_file():
        raise CheckpointError(f"{root} has no tokenizer.json")
    config = SambaYConfig.from_json(root / "config.json")
    dev = torch.device(device) if device is not None else default_device()
    dt = dtype if dtype is not None else default_dtype(dev)
    model = load_model(root, config, device=dev, dtype=dt)
    tokenizer = Tokenizer.from_file(root / "tokenizer.json", extra_stop_ids=_generation_stop_ids(root))
    if tokenizer.vocab_size > config.vocab_size:
        raise CheckpointError(f"tokenizer has {tokenizer.vocab_size} tokens but the model only "
                              f"{config.vocab_size} embeddings")
    return Pretrained(model, tokenizer)


def weight_files(root: Path) -> dict[str, Path]:
    """Map tensor name -> safetensors file, from `model.safetensors` or the sharded index."""
    single, index = root / WEIGHTS, root / INDEX
    if single.is_file():
        with safe_open(str(single), framework="pt") as f:
            return {name: single for name in f.keys()}  # noqa: SIM118 - safe_open is not a Mapping
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise CheckpointError(f"{index} is not a valid safetensors index ({e})") from e
        files = {}
        for name, fname in weight_map.items():
            p = root / fname
            if Path(fname).name != fname or not p.is_file():
                raise CheckpointError(f"{index} points {name} at missing or invalid file {fname!r}")
            files[name] = p
        return files
    raise CheckpointError(f"{root} has neither {WEIGHTS} nor {INDEX}")


def load_model(root: Path, config: SambaYConfig, *, device: torch.device, dtype: torch.dtype
               ) -> SambaYForCausalLM:
    """Build on meta, check names/shapes, then read tensors one at a time into `device`/`dtype`."""
    with torch.device("meta"):
        model = SambaYForCausalLM(config)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    files = weight_files(root)
    handles: dict[Path, Any] = {}
    try:
        for p in sorted(set(files.values())):
            handles[p] = safe_open(str(p), framework="pt", device="cpu")
        stored: dict[str, tuple[int, ...]] = {}
        for name, p in files.items():
            if name not in handles[p].keys():  # noqa: SIM118
                raise CheckpointError(f"index lists {name} in {p.name}, which does not contain it")
            stored[name] = tuple(handles[p].get_slice(name).get_shape())
        check_names_and_shapes(expected, stored, tied=config.tie_word_embeddings)
        state = {name: handles[p].get_tensor(name).to(device=device, dtype=dtype) for name, p in files.items()}
    finally:
        handles.clear()
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as e:  # e.g. a stored lm_head.weight that differs from the tied embedding
        raise CheckpointError(f"cannot load {root}: {e}") from e
    model.tie_weights()
    return model.eval().requires_grad_(False)


def check_names_and_shapes(expected: dict[str, tuple[int, ...]], stored: dict[str, tuple[int, ...]],
                           *, tied: bool) -> None:
    """Raise one CheckpointError listing missing, unexpected and mis-shaped tensors."""
    optional = {"lm_head.weight"} if tied else set()
    missing = sorted(set(expected) - set(stored) - optional)
    unexpected = sorted(set(stored) - set(expected))
    wrong = sorted(f"{n}: checkpoint {list(stored[n])}, model {list(expected[n])}"
                   for n in set(expected) & set(stored) if stored[n] != expected[n])
    problems = []
    for title, items in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", wrong)):
        if items:
            shown = ", ".join(items[:_MAX_LISTED]) + (f", ... ({len(items)} in all)" if len(items) > _MAX_LISTED
                                                      else "")
            problems.append(f"{title}: {shown}")
    if problems:
        raise CheckpointError("checkpoint does not match the SambaY config; " + "; ".join(problems))


def _generation_stop_ids(root: Path) -> list[int]:
    p = root / "generation_config.json"
    if not p.is_file():
        return []
    try:
        eos = json.loads(p.read_text(encoding="utf-8")).get("eos_token_id")
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{p} is not valid JSON: {e}") from e
    if eos is None:
        return []
    ids = eos if isinstance(eos, list) else [eos]
    if not all(isinstance(i, int) for i in ids):
        raise CheckpointError(f"{p}: eos_token_id must be an int or a list of ints, got {eos!r}")
    return ids


def save_pretrained(model: SambaYForCausalLM, tokenizer: Tokenizer, path: str | Path) -> Path:
    """Write config.json, model.safetensors (tied head left out), tokenizer.json, generation_config.json."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    cfg = model.config.to_dict()
    cfg["torch_dtype"] = str(model.dtype).removeprefix("torch.")
    (root / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight", None)
    save_file(state, str(root / WEIGHTS), metadata={"format": "pt"})
    tokenizer.save(root / "tokenizer.json")
    gen = {"eos_token_id": list(tokenizer.stop_ids), "pad_token_id": model.config.pad_token_id}
    (root / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n", encoding="utf-8")
    return root
