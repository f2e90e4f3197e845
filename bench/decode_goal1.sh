#!/usr/bin/env bash
# Issue 8, goal 1 on a GPU machine, in one call: install the mamba-ssm wheel carried in .whl/, check that the
# compiled decode step is one Dynamo graph (bench/check_decode_graph.py), run the engine's GPU tests, then time batch-1 decode at 2K context (bench_engine.py's roofline section, with a kernel profile).
# Usage (repository root): OUT=DIR bash bench/decode_goal1.sh      (writes DIR/{gpu,gpu-tests,engine-log}.txt,
# DIR/engine.json; prints the table last)
set -o pipefail
OUT=${OUT:-/tmp/goal1}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch, triton, mamba_ssm; print('torch', torch.__version__, 'triton', triton.__version__, \
'mamba_ssm', mamba_ssm.__version__)" 2>&1 | tee -a "$OUT/gpu.txt"
# the compiled step must be one Dynamo graph (a break in the layer loop silently runs it uncompiled)
timeout 200 python3 bench/check_decode_graph.py > "$OUT/graph-check.txt" 2>&1 \
  && echo "graph check: one graph, no breaks" || { echo "graph check FAILED:"; tail -30 "$OUT/graph-check.txt"; }
timeout "${TEST_TIMEOUT:-220}" python3 -m pytest -c /dev/null --rootdir . -q -p no:cacheprovider \
  ${TESTS:-tests/inference/engine/test_gpu_engine.py tests/inference/engine/test_fused.py \
  tests/inference/test_gpu_kernels.py tests/inference/engine/test_triton_gemv.py} \
  2>&1 | tee "$OUT/gpu-tests.txt" | tail -25
timeout "${BENCH_TIMEOUT:-320}" python3 bench/bench_engine.py --sections roofline --profile --out "$OUT" \
  ${BENCH_ARGS:-} 2>&1 | tee "$OUT/engine-log.txt" | grep -v '^{' | tail -40
echo "== table"
python3 bench/bench_engine.py --table "$OUT/engine.json"
