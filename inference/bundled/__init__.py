"""The small SambaY tutor model shipped inside the package (HF layout, trained by `inference.training`).

    from inference.bundled import bundled_model_dir
    path = bundled_model_dir()          # Path to .../inference/bundled/sambay-tutor-small, or None
    model, tokenizer = inference.load_pretrained(path)

`bundled_model_dir()` returns None when the directory is incomplete, or when its weights are a Git LFS
pointer instead of the real file (a checkout made without LFS), so callers fall back instead of crashing.
How it was trained and how to regenerate it: docs/model.md.
"""

from __future__ import annotations

from pathlib import Path

BUNDLED_NAME = "sambay-tutor-small"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "generation_config.json")
_LFS_POINTER = b"version https://git-lfs"


def bundled_model_dir() -> Path | None:
    """Directory of the bundled checkpoint, or None if it is missing, incomplete or an LFS pointer."""
    return complete_model_dir(Path(__file__).resolve().parent / BUNDLED_NAME)


def complete_model_dir(root: Path) -> Path | None:
    """`root` if it holds every file of :data:`REQUIRED_FILES` and real (non-LFS-pointer) weights."""
    if not all((root / name).is_file() for name in REQUIRED_FILES):
        return None
    with open(root / "model.safetensors", "rb") as f:
        if f.read(len(_LFS_POINTER)) == _LFS_POINTER:
            return None
    return root
