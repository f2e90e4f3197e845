#!/usr/bin/env python3
"""Choose the inference worker's device and model directory; print shell lines for the entrypoint to eval.

Usage: ``eval "$(python inference_env.py)"``   (docker/entrypoint.sh does this when TUTOR_ROLE=inference)

Reads:
  INFERENCE_DEVICE   ``auto`` (default), ``cpu``, ``cuda`` or ``cuda:N``. ``auto`` picks ``cuda`` when
                     torch sees a GPU, else ``cpu``.
  TUTOR_MODEL_DIR    the production model directory (config.json + *.safetensors + tokenizer.json), mounted
                     read-only in the container.
Decides:
  * on ``cpu`` the bundled small model is used: TUTOR_MODEL_DIR is unset, so the settings' default (the
    bundled checkpoint) applies; a 3.8B model on CPU would take minutes per explanation.
  * on ``cuda`` with no config.json in TUTOR_MODEL_DIR the bundled model is used too, with a warning that
    says how to mount the real one.
  * ``cuda`` asked for explicitly but not available: exit 2 with the reason (wrong image, no driver, or no
    GPU reserved for the container).
Prints ``export INFERENCE_DEVICE=...`` and ``unset TUTOR_MODEL_DIR`` / ``export TUTOR_MODEL_DIR=...`` on
stdout (shell-quoted); explanations go to stderr.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def cuda_status() -> tuple[bool, str]:
    """(available, reason) as torch sees it."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - the image always has torch
        return False, f"torch is not importable: {exc}"
    if torch.version.cuda is None:
        return False, f"this image's torch {torch.__version__} is a CPU build (build the GPU image)"
    if not torch.cuda.is_available():
        return False, "torch has CUDA but sees no GPU (no NVIDIA driver/container toolkit, or no GPU reserved)"
    return True, f"{torch.cuda.device_count()} GPU(s): {torch.cuda.get_device_name(0)}"


def decide(environ: dict[str, str], cuda: tuple[bool, str]) -> tuple[dict[str, str | None], list[str]]:
    """The variables to set (None = unset) and the messages for the log. Raises ValueError on bad setup."""
    requested = (environ.get("INFERENCE_DEVICE") or "auto").strip().lower()
    if not DEVICE_PATTERN.match(requested):
        raise ValueError(f"INFERENCE_DEVICE={requested!r} is not one of auto, cpu, cuda, cuda:N")
    available, reason = cuda
    notes: list[str] = []
    if requested == "auto":
        device = "cuda" if available else "cpu"
        notes.append(f"INFERENCE_DEVICE=auto -> {device} ({reason})")
    elif requested.startswith("cuda") and not available:
        raise ValueError(f"INFERENCE_DEVICE={requested} but CUDA is not usable: {reason}. "
                         "Use the GPU compose file on a GPU host, or INFERENCE_DEVICE=cpu.")
    else:
        device = requested
    result: dict[str, str | None] = {"INFERENCE_DEVICE": device}
    model_dir = environ.get("TUTOR_MODEL_DIR", "").strip()
    if device == "cpu":
        result["TUTOR_MODEL_DIR"] = None
        notes.append("running on CPU: using the bundled small model" +
                     (f" (ignoring TUTOR_MODEL_DIR={model_dir})" if model_dir else ""))
    elif not model_dir or not (Path(model_dir) / "config.json").is_file():
        result["TUTOR_MODEL_DIR"] = None
        notes.append(f"WARNING: no config.json in TUTOR_MODEL_DIR={model_dir or '(unset)'}; using the bundled "
                     "small model on the GPU. Put the model in MODEL_HOST_DIR (see .env.example) and restart.")
    else:
        result["TUTOR_MODEL_DIR"] = model_dir
        notes.append(f"model directory: {model_dir}")
    return result, notes


def shell_lines(variables: dict[str, str | None]) -> str:
    """``export K=V`` / ``unset K`` lines, values shell-quoted."""
    lines = []
    for key, value in variables.items():
        lines.append(f"unset {key}" if value is None else f"export {key}={shlex.quote(value)}")
    return "\n".join(lines) + "\n"


def main() -> int:
    try:
        variables, notes = decide(dict(os.environ), cuda_status())
    except ValueError as exc:
        print(f"inference_env: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"inference_env: {note}", file=sys.stderr)
    sys.stdout.write(shell_lines(variables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
