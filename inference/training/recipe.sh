#!/usr/bin/env bash
# The bundled model's recipe, end to end: corpus -> tokenizer -> training (see docs/model.md).
#
#   inference/training/recipe.sh OUT_DIR [TOTAL_SECONDS]
#
# Writes the corpus and tokenizer to $DATA (default var/explainer-data), the checkpoint to
# OUT_DIR/sambay-tutor-small and loss.csv to OUT_DIR. Training gets what is left of TOTAL_SECONDS (default
# 540) after the corpus and tokenizer, minus a margin for the final save. Environment: PYTHON (python3),
# WORKERS (nproc), TRAIN_SEEDS (250), VOCAB (2048), TRAIN_ARGS (extra arguments for the training script).
set -euo pipefail
OUT=${1:?usage: recipe.sh OUT_DIR [TOTAL_SECONDS]}
TOTAL=${2:-540}
PY=${PYTHON:-python3}
DATA=${DATA:-var/explainer-data}
START=$(date +%s)
"$PY" -m curriculum.explain.build --out "$DATA" --train-seeds "${TRAIN_SEEDS:-250}" --val-seeds 3 \
    --workers "${WORKERS:-$(nproc)}"
"$PY" -m inference.training.tokenizer_train --data "$DATA/train.jsonl.gz" --out "$DATA/tokenizer.json" \
    --vocab-size "${VOCAB:-2048}"
LEFT=$(( TOTAL - ($(date +%s) - START) - 45 ))
echo "corpus + tokenizer took $(( $(date +%s) - START )) s; training budget ${LEFT} s"
# shellcheck disable=SC2086  # TRAIN_ARGS is a list of words on purpose
"$PY" -m inference.training.train --data "$DATA/train.jsonl.gz" --val-data "$DATA/val.jsonl.gz" \
    --tokenizer "$DATA/tokenizer.json" --out "$OUT/sambay-tutor-small" --log-dir "$OUT" \
    --time-budget "$LEFT" ${TRAIN_ARGS:-}
