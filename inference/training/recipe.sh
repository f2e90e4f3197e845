#!/usr/bin/env bash
# The bundled model's recipe, end to end: corpus -> tokenizer -> training (see docs/model.md).
#
#   inference/training/recipe.sh OUT_DIR [TOTAL_SECONDS]                    # stage 1: from scratch
#   INIT_FROM=DIR inference/training/recipe.sh OUT_DIR [TOTAL_SECONDS]      # stage 2: continue DIR
#
# Stage 1 writes the corpus and tokenizer to $DATA (default var/explainer-data); stage 2 reuses them and
# continues training the checkpoint in DIR (its config and tokenizer). The checkpoint goes to
# OUT_DIR/sambay-tutor-small, loss.csv to OUT_DIR. Training gets what is left of TOTAL_SECONDS (default 540)
# minus a margin for the final save. Environment: PYTHON (python3), WORKERS (nproc), TRAIN_SEEDS (1000),
# DRILL_SHARE (0.15, the arithmetic-drill fraction of the corpus), FAMILY_MIN_SEEDS (0: at least this many
# (template, seed) pairs per skill family, more seeds per template for families with few templates), VOCAB (2048), TRAIN_ARGS (extra arguments
# for the training script, e.g. "--scan auto --lr 1e-3"). Stage 2 rebuilds the corpus (same arguments, same
# files) when $DATA does not hold it, e.g. on a fresh machine.
set -euo pipefail
OUT=${1:?usage: recipe.sh OUT_DIR [TOTAL_SECONDS]}
TOTAL=${2:-540}
PY=${PYTHON:-python3}
DATA=${DATA:-var/explainer-data}
START=$(date +%s)
if [ -z "${INIT_FROM:-}" ] || [ ! -f "$DATA/train.jsonl.gz" ]; then
    "$PY" -m curriculum.explain.build --out "$DATA" --train-seeds "${TRAIN_SEEDS:-1000}" --val-seeds 3 \
        --workers "${WORKERS:-$(nproc)}" --drill-share "${DRILL_SHARE:-0.15}" \
        --family-min-seeds "${FAMILY_MIN_SEEDS:-0}"
fi
if [ -z "${INIT_FROM:-}" ]; then
    "$PY" -m inference.training.tokenizer_train --data "$DATA/train.jsonl.gz" --out "$DATA/tokenizer.json" \
        --vocab-size "${VOCAB:-2048}"
    INIT=(--tokenizer "$DATA/tokenizer.json")
else
    INIT=(--init-from "$INIT_FROM")
fi
LEFT=$(( TOTAL - ($(date +%s) - START) - 45 ))
echo "preparation took $(( $(date +%s) - START )) s; training budget ${LEFT} s"
# shellcheck disable=SC2086  # TRAIN_ARGS is a list of words on purpose
"$PY" -m inference.training.train --data "$DATA/train.jsonl.gz" --val-data "$DATA/val.jsonl.gz" "${INIT[@]}" \
    --out "$OUT/sambay-tutor-small" --log-dir "$OUT" --time-budget "$LEFT" ${TRAIN_ARGS:-}
