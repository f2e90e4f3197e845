#!/usr/bin/env bash
# Build the mamba_ssm wheel (fast selective-scan CUDA kernels) for ONE GPU architecture, for the GPU
# inference image. Deployers run this once per GPU type; the project's CI never runs it.
#
#   docker/build-mamba-wheel.sh [--arch 90] [--version 2.3.2.post1] [--sdist FILE] [--out docker/wheels]
#                               [--jobs N]
#
# Run it where the wheel will be used, or in the same environment as the image:
#   * the Python (3.11 for the image) and the CUDA torch that the GPU image installs
#     (same TORCH_VERSION and TORCH_INDEX_URL; the wheel is tied to that torch's ABI),
#   * a CUDA toolkit (nvcc on PATH or CUDA_HOME) of the same major version as torch.version.cuda,
#   * ninja and packaging (pip install ninja packaging).
# No GPU is needed to compile; a network is needed only to fetch the sdist (or pass --sdist FILE).
#
# --arch: compute capability of the target GPU: 90 H100/H200, 80 A100, 86 RTX 30xx/A40, 89 L4/L40S/RTX 40xx,
#         100 B200, 120 RTX 50xx. A comma list builds several (slower).
# Then `docker compose build inference-worker` copies every wheel in docker/wheels/ into the GPU image.
#
# Why the steps: mamba-ssm is published only as a source distribution; its setup.py tries to download a
# prebuilt wheel unless MAMBA_FORCE_BUILD=TRUE (and fails offline), ignores TORCH_CUDA_ARCH_LIST and compiles
# a hard-coded -gencode list of about nine architectures, so the list is cut to the target first
# (docker/cut_gencode.py). --no-build-isolation makes it build against the torch installed here.
set -euo pipefail

ARCH=90
VERSION=2.3.2.post1
SDIST=
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
OUT=$HERE/wheels
JOBS=${MAX_JOBS:-$(nproc)}
PYTHON=${PYTHON:-python3}

die() { echo "build-mamba-wheel: $*" >&2; exit 2; }
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [ "$#" -gt 0 ]; do
  case "$1" in
    --arch) [ "$#" -ge 2 ] || die "--arch needs a value"; ARCH=$2; shift 2 ;;
    --version) [ "$#" -ge 2 ] || die "--version needs a value"; VERSION=$2; shift 2 ;;
    --sdist) [ "$#" -ge 2 ] || die "--sdist needs a file"; SDIST=$2; shift 2 ;;
    --out) [ "$#" -ge 2 ] || die "--out needs a directory"; OUT=$2; shift 2 ;;
    --jobs) [ "$#" -ge 2 ] || die "--jobs needs a number"; JOBS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[[ "$ARCH" =~ ^[0-9]{2,3}a?(,[0-9]{2,3}a?)*$ ]] || die "--arch '$ARCH' is not like 90 or 80,90"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "--jobs '$JOBS' is not a positive number"
[ -z "$SDIST" ] || [ -f "$SDIST" ] || die "--sdist '$SDIST' does not exist"

# --- check the environment before spending minutes compiling ---
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON=/path/to/python)"
torch_cuda=$("$PYTHON" -c 'import torch; print(torch.version.cuda or "")' 2>/dev/null) \
  || die "torch is not importable by $PYTHON: install the image's CUDA torch first"
[ -n "$torch_cuda" ] || die "$PYTHON has a CPU-only torch; install the CUDA build the GPU image uses"
NVCC=${CUDA_HOME:+$CUDA_HOME/bin/nvcc}
NVCC=${NVCC:-$(command -v nvcc || true)}
[ -n "$NVCC" ] && [ -x "$NVCC" ] || die "nvcc not found: install a CUDA $torch_cuda toolkit or set CUDA_HOME"
nvcc_version=$("$NVCC" --version | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
[ "${nvcc_version%%.*}" = "${torch_cuda%%.*}" ] \
  || die "nvcc is CUDA $nvcc_version but torch was built for CUDA $torch_cuda: the major versions must match"
"$PYTHON" -c 'import ninja, packaging' 2>/dev/null || die "install ninja and packaging first: $PYTHON -m pip install ninja packaging"
export CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$NVCC")")}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "$SDIST" ]; then
  echo "build-mamba-wheel: downloading the mamba-ssm $VERSION source distribution"
  MAMBA_SKIP_CUDA_BUILD=TRUE "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: \
    --no-build-isolation "mamba-ssm==$VERSION" -d "$WORK/sdist"
  SDIST=$(ls "$WORK"/sdist/mamba_ssm-*.tar.gz)
fi
tar -xzf "$SDIST" -C "$WORK"
SRC=$(find "$WORK" -maxdepth 1 -type d -name 'mamba_ssm-*' | head -1)
[ -n "$SRC" ] && [ -f "$SRC/setup.py" ] || die "$SDIST does not contain a mamba_ssm-*/setup.py"
"$PYTHON" "$HERE/cut_gencode.py" "$SRC/setup.py" "$ARCH"

mkdir -p "$OUT"
# TORCH_CUDA_ARCH_LIST keeps torch's own cpp_extension from adding the local GPU's architecture as well.
arch_list=$(echo "$ARCH" | tr ',' '\n' | sed 's/a$//; s/\(.*\)\(.\)$/\1.\2/' | paste -sd';' -)
echo "build-mamba-wheel: compiling for sm_${ARCH//,/, sm_} with $JOBS jobs (CUDA $nvcc_version, torch CUDA $torch_cuda)"
started=$(date +%s)
( cd "$SRC" && MAMBA_FORCE_BUILD=TRUE MAX_JOBS=$JOBS TORCH_CUDA_ARCH_LIST="$arch_list" \
    "$PYTHON" -m pip wheel --no-build-isolation --no-deps -w "$OUT" . )
wheel=$(ls -t "$OUT"/mamba_ssm-*.whl | head -1)
echo "build-mamba-wheel: built $wheel in $(( $(date +%s) - started )) s"
sha256sum "$wheel"
