#!/usr/bin/env bash
# Issue 8, goal 1: the batch-1 Triton decode step under switch settings, side by side (bench/bench_decode_variants.py),
# after the GPU tests of the switches. Usage (repository root, the mamba-ssm wheel in .whl/):
#   OUT=DIR VARIANTS=base,splits64,... TESTS="-k pdl" bash bench/decode_variants.sh
set -o pipefail
OUT=${OUT:-/tmp/variants}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
if [ -n "${TESTS:-}" ]; then
  timeout "${TEST_TIMEOUT:-200}" python3 -m pytest -c /dev/null --rootdir . -q -p no:cacheprovider \
    tests/inference/engine/test_triton_decode.py $TESTS 2>&1 | tee "$OUT/tests.txt" | tail -8
fi
timeout "${BENCH_TIMEOUT:-300}" python3 bench/bench_decode_variants.py --out "$OUT" \
  ${VARIANTS:+--variants $VARIANTS} ${BENCH_ARGS:-} 2>&1 | tee "$OUT/variants-log.txt" | tail -40
