#!/usr/bin/env bash
# The bundled model's training step, eager against CUDA graphs, on one GPU machine (issue 9; docs/model.md).
#   OUT=DIR bash bench/train_speed.sh      (needs the mamba-ssm wheel in .whl/; writes DIR/{eager,graphs}.txt)
# Builds a small corpus (100 seeds per template), runs the GPU training-step tests, then trains the bundled
# config for SECONDS (default 60) each way from the same seed and prints the measured ms/step lines.
set -o pipefail
OUT=${OUT:-/tmp/train-speed}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
  || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -m curriculum.explain.build --out var/speed-data --train-seeds 100 --val-seeds 1 --workers "$(nproc)" \
  --drill-share 0.15 | head -2
timeout 200 python3 -m pytest -c /dev/null --rootdir . -q -p no:cacheprovider tests/explainer/test_gpu_train_step.py \
  2>&1 | tail -5
for mode in eager graphs; do
  extra=""; [ "$mode" = graphs ] && extra="--cuda-graphs"
  timeout 300 python3 -m inference.training.train --data var/speed-data/train.jsonl.gz \
    --val-data var/speed-data/val.jsonl.gz --out "var/speed-$mode" --scan auto --lr 2e-3 --warmup 200 \
    --steps 30000 --eval-every 1000 --max-len 1024 --time-budget "${SECONDS_EACH:-60}" $extra > "$OUT/$mode.txt" 2>&1
  echo "== $mode"; grep -E "ms/step|^step=|wrote|Error|error" "$OUT/$mode.txt" | tail -8
done
