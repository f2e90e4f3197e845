#!/bin/sh
# Entrypoint of every tutor container (web, worker, inference worker, beat); runs natively too.
#
#   docker/entrypoint.sh COMMAND [ARGS...]
#
# 1. waits for PostgreSQL ($DATABASE_URL) and Redis ($REDIS_URL)      unless TUTOR_WAIT_FOR_SERVICES=0
#    (bounded: TUTOR_WAIT_TIMEOUT seconds, default 120, then exits 1 naming what did not answer)
# 2. TUTOR_MIGRATE=1 (the web service): migrations + shipped curriculum under a PostgreSQL advisory lock,
#    so replicas and other hosts never migrate at the same time (docker/migrate_once.py)
# 3. TUTOR_ROLE=inference: picks the device and model directory (docker/inference_env.py: GPU when one
#    is usable, else the bundled small model on CPU)
# 4. exec COMMAND (the compose service's `command:`), which then runs as PID 1 and gets the signals.
set -eu

APP_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
PYTHON=${PYTHON:-python}

if [ "$#" -eq 0 ]; then
  echo "entrypoint: no command given (expected e.g. daphne ... or celery -A tutor ...)" >&2
  exit 2
fi
: "${DJANGO_SETTINGS_MODULE:?entrypoint: set DJANGO_SETTINGS_MODULE (tutor.settings.production)}"

if [ "${TUTOR_WAIT_FOR_SERVICES:-1}" = 1 ]; then
  "$PYTHON" "$APP_DIR/docker/wait_for.py" --timeout "${TUTOR_WAIT_TIMEOUT:-120}"
fi

if [ "${TUTOR_MIGRATE:-0}" = 1 ]; then
  "$PYTHON" "$APP_DIR/docker/migrate_once.py"
fi

if [ "${TUTOR_ROLE:-}" = inference ]; then
  inference_settings=$("$PYTHON" "$APP_DIR/docker/inference_env.py")
  eval "$inference_settings"
fi

exec "$@"
