#!/usr/bin/env python3
"""Cut the hard-coded ``-gencode`` list in a CUDA extension's setup.py down to the target architectures.

Usage: ``python cut_gencode.py path/to/setup.py 90[,80,...]``   (rewrites the file in place)

mamba-ssm's setup.py appends ``cc_flag.append("-gencode")`` / ``cc_flag.append("arch=compute_NN,code=sm_NN")``
pairs for every architecture its CUDA version supports and ignores ``TORCH_CUDA_ARCH_LIST``; compiling all
of them takes several times longer than one. This keeps the statements' places (so the ``if`` blocks stay
valid): the first pair becomes the requested architectures, every other pair becomes ``pass``. Exit status 2
with a message when the file does not have the expected shape (edit it by hand then); the result is
compiled with ``compile()`` before it is written, so a broken file is never left behind.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

GENCODE_FLAG = re.compile(r'^(?P<indent>[ \t]*)cc_flag\.append\(\s*["\']-gencode["\']\s*\)\s*$')
GENCODE_ARCH = re.compile(r'^(?P<indent>[ \t]*)cc_flag\.append\(\s*["\']arch=compute_\d+a?,code=sm_\d+a?["\']\s*\)\s*$')
ARCH = re.compile(r"^\d{2,3}a?$")


def parse_archs(text: str) -> list[str]:
    """``"90,80"`` -> ``["90", "80"]``; ValueError for anything but 2-3 digit compute capabilities."""
    archs = [item.strip() for item in text.split(",") if item.strip()]
    if not archs:
        raise ValueError("give at least one architecture, e.g. 90 for H100/H200, 80 for A100, 89 for L4/L40S")
    for arch in archs:
        if not ARCH.match(arch):
            raise ValueError(f"{arch!r} is not a CUDA compute capability like 80, 89, 90 or 100")
    return archs


def cut(source: str, archs: list[str]) -> tuple[str, int]:
    """The rewritten setup.py text and how many architecture pairs were removed."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    pairs = 0
    i = 0
    while i < len(lines):
        flag = GENCODE_FLAG.match(lines[i])
        arch = GENCODE_ARCH.match(lines[i + 1]) if flag and i + 1 < len(lines) else None
        if flag and arch:
            indent = flag.group("indent")
            if pairs == 0:
                for target in archs:
                    out.append(f'{indent}cc_flag.append("-gencode")\n')
                    out.append(f'{indent}cc_flag.append("arch=compute_{target},code=sm_{target}")\n')
            else:
                out.append(f"{indent}pass  # -gencode pair removed by cut_gencode.py\n")
            pairs += 1
            i += 2
            continue
        out.append(lines[i])
        i += 1
    if pairs == 0:
        raise ValueError('no cc_flag.append("-gencode") / cc_flag.append("arch=...") pairs found: '
                         "the setup.py layout changed; edit its -gencode list by hand")
    text = "".join(out)
    compile(text, "setup.py", "exec")
    return text, pairs - 1


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        archs = parse_archs(argv[1])
        text, removed = cut(path.read_text(), archs)
    except (OSError, ValueError, SyntaxError) as exc:
        print(f"cut_gencode: {path}: {exc}", file=sys.stderr)
        return 2
    path.write_text(text)
    print(f"cut_gencode: {path}: kept sm_{', sm_'.join(archs)}; removed {removed} other architecture(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
