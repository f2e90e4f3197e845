#!/usr/bin/env bash
# Issue 8, goal 2 in one call on one machine: the engine's throughput at the largest batch that fits (graphs of the
# compiled step and the plain eager path) and the Hugging Face transformer it replaces, 2K prompts with
# GEN-token generations (default 32768), then the comparison table.
# Usage (repository root, the mamba-ssm wheel in .whl/): OUT=DIR GEN=32768 bash bench/goal2.sh
set -o pipefail
OUT=${OUT:-/tmp/goal2}
GEN=${GEN:-32768}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 TORCHINDUCTOR_CACHE_DIR=/tmp/ind-$$
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
python3 bench/bench_engine.py --sections prefill,throughput --prefill-lengths 2048 --gen-lengths "$GEN" \
  --out "$OUT/e" 2>&1 | tee "$OUT/engine-log.txt" | grep -v '^{' | tail -20
python3 bench/bench_transformer_baseline.py --gen-lengths "$GEN" --out "$OUT/t" 2>&1 | tee "$OUT/transformer-log.txt" \
  | grep -v '^{' | tail -12
echo "== table"
python3 bench/bench_engine.py --table "$OUT/e/engine.json" "$OUT/t/transformer.json" | tee "$OUT/table.txt"
