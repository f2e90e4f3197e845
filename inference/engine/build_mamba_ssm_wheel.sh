#!/usr/bin/env bash
# Build a mamba_ssm wheel for Hopper (sm_90) only, offline, from the PyPI source distribution.
#
#   inference/engine/build_mamba_ssm_wheel.sh mamba_ssm-2.3.2.post1.tar.gz [OUT_DIR]
#
# Needs: the CUDA toolkit (nvcc) matching the installed torch, ninja, and the torch the wheel is for already
# installed (the build uses it: --no-build-isolation). About 3 minutes on 16 cores (H100 machine, torch 2.11 +
# CUDA 13). Then: pip install --no-deps OUT_DIR/mamba_ssm-*.whl
#
# Why each step: MAMBA_FORCE_BUILD=TRUE, because offline the prebuilt-wheel download in setup.py fails in a way
# setup.py does not catch; the -gencode list is hard-coded in setup.py (TORCH_CUDA_ARCH_LIST is ignored), so it is
# cut to sm_90 here, which also makes the build about 4x shorter.
set -euo pipefail
sdist=${1:?usage: $0 mamba_ssm-VERSION.tar.gz [OUT_DIR]}
out=${2:-$PWD/wheels}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$sdist" -C "$work"
src=$(find "$work" -maxdepth 1 -mindepth 1 -type d | head -n1)
python3 - "$src/setup.py" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
# drop every "-gencode arch=compute_XX,code=sm_XX" pair except sm_90
new, n = re.subn(r'cc_flag\.append\("-gencode"\)\s*\n\s*cc_flag\.append\("arch=compute_(?!90,)\d+a?,code=sm_\d+a?"\)',
                 "pass", text)
if "arch=compute_90,code=sm_90" not in new:
    sys.exit("setup.py has no sm_90 -gencode entry: check the mamba_ssm version")
open(path, "w").write(new)
print(f"setup.py: removed {n} non-sm_90 -gencode entries")
PY
mkdir -p "$out"
MAMBA_FORCE_BUILD=TRUE MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    python3 -m pip wheel --no-build-isolation --no-deps -w "$out" "$src"
ls -l "$out"
