# syntax=docker/dockerfile:1
# The tutor's image: one image for web (daphne), worker, inference worker and beat; the compose service's
# `command:` picks the process. Built by schools with internet; nothing secret is baked in (every setting
# comes from the environment at run time, see .env.example).
#
#   docker build -t mathtutor .                                           # CPU torch (default)
#   docker build -t mathtutor-gpu --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu130 \
#                --build-arg RUNTIME_APT_PACKAGES="gcc libc6-dev" .      # CUDA torch (inference worker)
#
# Stages: assets (npm ci: katex, mathlive, chart.js) -> python-deps (venv: torch pinned from its own index,
# then pyproject's dependencies, then any wheel in docker/wheels/) -> static (collectstatic) -> runtime
# (non-root user, no build tools, no node).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

# ---------- front-end assets from package-lock.json ----------
FROM ${NODE_IMAGE} AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---------- Python dependencies in /opt/venv ----------
FROM ${PYTHON_IMAGE} AS python-deps
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
# torch first, pinned, from the CPU (default) or CUDA index: an unpinned torch from the default index
# would pull several GB of CUDA packages into the CPU image.
RUN python -m venv /opt/venv \
 && pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"
COPY pyproject.toml docker/requirements_from_pyproject.py /tmp/build/
RUN python /tmp/build/requirements_from_pyproject.py /tmp/build/pyproject.toml > /tmp/build/requirements.txt \
 && pip install --requirement /tmp/build/requirements.txt
# Optional wheels (the GPU image's mamba_ssm from docker/build-mamba-wheel.sh); none in a CPU build.
COPY docker/wheels/ /tmp/wheels/
# hadolint ignore=DL3013
RUN set -e; for wheel in /tmp/wheels/*.whl; do \
      if [ -f "$wheel" ]; then pip install --no-deps "$wheel"; fi; \
    done

# ---------- collected static files (WhiteNoise serves them with hashed names) ----------
FROM python-deps AS static
WORKDIR /app
COPY . .
COPY --from=assets /build/node_modules ./node_modules
# Settings need a key and hosts to import; these values live only in this build step, not in the image.
RUN DJANGO_SETTINGS_MODULE=tutor.settings.production SECRET_KEY=collectstatic-build-step-only \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput --verbosity 0

# ---------- runtime ----------
FROM ${PYTHON_IMAGE} AS runtime
# GPU image: Triton compiles a small launcher with gcc at run time ("gcc libc6-dev"); CPU image: nothing.
ARG RUNTIME_APT_PACKAGES=""
# hadolint ignore=DL3008
RUN if [ -n "${RUNTIME_APT_PACKAGES}" ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends ${RUNTIME_APT_PACKAGES} \
      && rm -rf /var/lib/apt/lists/*; \
    fi
RUN groupadd --system --gid 10001 tutor \
 && useradd --system --uid 10001 --gid tutor --create-home --home-dir /home/tutor --shell /usr/sbin/nologin tutor
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=tutor.settings.production
COPY --from=python-deps /opt/venv /opt/venv
WORKDIR /app
# Code and static files belong to root and are read-only for the app user; only var/ is writable
# (celery beat's schedule file).
COPY . .
COPY --from=static /app/staticfiles ./staticfiles
RUN mkdir -p /app/var && chown tutor:tutor /app/var
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "tutor.asgi:application"]
