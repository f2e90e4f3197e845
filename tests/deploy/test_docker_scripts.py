"""The helper scripts in docker/ that every container runs (entrypoint, wait_for, migrate_once, healthcheck,
inference_env) and the deployer's tools (requirements_from_pyproject, cut_gencode, build-mamba-wheel.sh,
the Caddyfile), each against real inputs: the machine's PostgreSQL and Redis, a real HTTP server, the real
pyproject.toml, an excerpt of mamba-ssm's real setup.py, and the real Caddy binary."""

from __future__ import annotations

import ast
import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from .tools import REPO_ROOT, load_script, venv_tool

DOCKER = REPO_ROOT / "docker"
PG_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor").rsplit("/", 1)[0] + "/postgres"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/15"


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, **(env or {})}, cwd=REPO_ROOT)


# ---------------------------------------------------------------- wait_for.py

def test_wait_for_passes_when_both_services_answer() -> None:
    result = run([sys.executable, str(DOCKER / "wait_for.py"), "--postgres", PG_URL, "--redis", REDIS_URL,
                  "--timeout", "20"])
    assert result.returncode == 0, result.stderr
    assert "PostgreSQL is ready" in result.stdout and "Redis is ready" in result.stdout


def test_wait_for_times_out_naming_the_missing_service_without_its_password() -> None:
    port = closed_port()
    result = run([sys.executable, str(DOCKER / "wait_for.py"), "--redis", REDIS_URL, "--timeout", "2",
                  "--interval", "0.5", "--postgres", f"postgres://tutor:hunter2secret@127.0.0.1:{port}/tutor"])
    assert result.returncode == 1
    assert f"PostgreSQL at postgres://127.0.0.1:{port}/tutor did not answer within 2 s" in result.stderr
    assert "hunter2secret" not in result.stdout + result.stderr


@pytest.mark.parametrize(("postgres", "redis", "message"), [
    ("", REDIS_URL, "DATABASE_URL (--postgres) is not set"),
    ("mysql://u@h/db", REDIS_URL, "must start with postgres:// or postgresql://"),
    (PG_URL, "http://127.0.0.1:6379", "must start with redis:// or rediss://"),
    (PG_URL, "redis://127.0.0.1:notaport/0", "bad port"),
])
def test_wait_for_rejects_bad_urls(postgres: str, redis: str, message: str) -> None:
    result = run([sys.executable, str(DOCKER / "wait_for.py"), "--postgres", postgres, "--redis", redis],
                 env={"DATABASE_URL": "", "REDIS_URL": ""})
    assert result.returncode == 2 and message in result.stderr, result.stderr


# ---------------------------------------------------------------- entrypoint.sh

def test_entrypoint_waits_then_execs_the_command() -> None:
    env = {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "tutor.settings.production",
           "PYTHON": sys.executable}
    result = run([str(DOCKER / "entrypoint.sh"), "sh", "-c", "echo ran-as-pid $$; echo \"args: $0\"", "x"],
                 env=env)
    assert result.returncode == 0, result.stderr
    assert "Redis is ready" in result.stdout and "ran-as-pid" in result.stdout and "args: x" in result.stdout


def test_entrypoint_fails_clearly() -> None:
    env = {"DJANGO_SETTINGS_MODULE": "tutor.settings.production", "PYTHON": sys.executable}
    no_command = run([str(DOCKER / "entrypoint.sh")], env=env)
    assert no_command.returncode == 2 and "no command given" in no_command.stderr
    no_settings = run([str(DOCKER / "entrypoint.sh"), "true"], env={"DJANGO_SETTINGS_MODULE": ""})
    assert no_settings.returncode != 0 and "set DJANGO_SETTINGS_MODULE" in no_settings.stderr
    port = closed_port()
    unreachable = run([str(DOCKER / "entrypoint.sh"), "echo", "must-not-run"],
                      env={**env, "DATABASE_URL": f"postgres://x@127.0.0.1:{port}/x", "REDIS_URL": REDIS_URL,
                           "TUTOR_WAIT_TIMEOUT": "1"})
    assert unreachable.returncode == 1 and "did not answer within 1 s" in unreachable.stderr
    assert "must-not-run" not in unreachable.stdout


# ---------------------------------------------------------------- healthcheck.py

class _Handler(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        _Handler.seen.append({"path": self.path, "host": self.headers["Host"],
                              "proto": self.headers["X-Forwarded-Proto"]})
        status = 200 if self.path == "/healthz" else 503
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"database down")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.seen.clear()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_healthcheck_sends_the_allowed_host_and_https_proto(http_server: int) -> None:
    url = f"http://127.0.0.1:{http_server}/healthz"
    result = run([sys.executable, str(DOCKER / "healthcheck.py"), "--url", url],
                 env={"ALLOWED_HOSTS": ".example.org, tutor.example.org"})
    assert result.returncode == 0, result.stderr
    assert _Handler.seen == [{"path": "/healthz", "host": "tutor.example.org", "proto": "https"}]


def test_healthcheck_fails_on_errors_and_closed_ports(http_server: int) -> None:
    bad = run([sys.executable, str(DOCKER / "healthcheck.py"), "--url", f"http://127.0.0.1:{http_server}/other"])
    assert bad.returncode == 1 and "-> 503" in bad.stderr and "database down" in bad.stderr
    closed = run([sys.executable, str(DOCKER / "healthcheck.py"), "--url", f"http://127.0.0.1:{closed_port()}/",
                  "--timeout", "2"])
    assert closed.returncode == 1 and "failed" in closed.stderr


def test_healthcheck_host_header_choice() -> None:
    module = load_script("healthcheck")
    assert module.host_header("*", "127.0.0.1") == "127.0.0.1"
    assert module.host_header("", "localhost") == "localhost"
    assert module.host_header(".school.org,tutor.school.org", "x") == "tutor.school.org"


# ---------------------------------------------------------------- inference_env.py

def test_inference_env_auto_uses_the_gpu_and_the_mounted_model(tmp_path: Path) -> None:
    module = load_script("inference_env")
    (tmp_path / "config.json").write_text("{}")
    variables, notes = module.decide({"TUTOR_MODEL_DIR": str(tmp_path)}, (True, "1 GPU(s): H100"))
    assert variables == {"INFERENCE_DEVICE": "cuda", "TUTOR_MODEL_DIR": str(tmp_path)}
    assert "auto -> cuda" in notes[0]


def test_inference_env_falls_back_to_the_bundled_model_on_cpu(tmp_path: Path) -> None:
    module = load_script("inference_env")
    (tmp_path / "config.json").write_text("{}")
    variables, notes = module.decide({"TUTOR_MODEL_DIR": str(tmp_path)}, (False, "no GPU"))
    assert variables == {"INFERENCE_DEVICE": "cpu", "TUTOR_MODEL_DIR": None}
    assert any("bundled small model" in note for note in notes)
    # an empty mount on a GPU host: bundled model on the GPU, with a warning that says what to do
    empty = tmp_path / "empty"
    empty.mkdir()
    variables, notes = module.decide({"TUTOR_MODEL_DIR": str(empty), "INFERENCE_DEVICE": "cuda:1"}, (True, "ok"))
    assert variables == {"INFERENCE_DEVICE": "cuda:1", "TUTOR_MODEL_DIR": None}
    assert any("WARNING" in note and "MODEL_HOST_DIR" in note for note in notes)


def test_inference_env_refuses_impossible_requests() -> None:
    module = load_script("inference_env")
    with pytest.raises(ValueError, match="CUDA is not usable: no driver"):
        module.decide({"INFERENCE_DEVICE": "cuda"}, (False, "no driver"))
    with pytest.raises(ValueError, match="not one of auto, cpu, cuda, cuda:N"):
        module.decide({"INFERENCE_DEVICE": "gpu0"}, (True, "ok"))


def test_inference_env_prints_shell_lines_the_entrypoint_can_eval(tmp_path: Path) -> None:
    """On this CPU machine, through a real shell: auto -> cpu, TUTOR_MODEL_DIR unset."""
    script = f'TUTOR_MODEL_DIR=/model; eval "$({sys.executable} {DOCKER / "inference_env.py"})"; ' \
             'echo "device=$INFERENCE_DEVICE dir=${TUTOR_MODEL_DIR-unset}"'
    result = run(["sh", "-c", script], env={"INFERENCE_DEVICE": "auto"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "device=cpu dir=unset"


def test_inference_env_shell_quotes_values() -> None:
    module = load_script("inference_env")
    text = module.shell_lines({"TUTOR_MODEL_DIR": "/models/it's here; echo injected", "X": None})
    result = run(["sh", "-c", text + 'printf %s "$TUTOR_MODEL_DIR"'])
    assert result.stdout == "/models/it's here; echo injected"


# ---------------------------------------------------------------- requirements_from_pyproject.py

def test_requirements_layer_lists_the_runtime_dependencies_without_torch() -> None:
    result = run([sys.executable, str(DOCKER / "requirements_from_pyproject.py"), str(REPO_ROOT / "pyproject.toml")])
    assert result.returncode == 0, result.stderr
    names = {load_script("requirements_from_pyproject").requirement_name(line) for line in result.stdout.split()}
    assert {"django", "channels", "daphne", "celery", "psycopg", "whitenoise", "sympy"} <= names
    assert "torch" not in names and "pytest" not in names
    missing = run([sys.executable, str(DOCKER / "requirements_from_pyproject.py"),
                   str(REPO_ROOT / "pyproject.toml"), "--extra", "nope"])
    assert missing.returncode == 2 and "no optional-dependencies group 'nope'" in missing.stderr


# ---------------------------------------------------------------- the mamba wheel recipe

EXCERPT = Path(__file__).parent / "fixtures" / "mamba_setup_excerpt.txt"


def _flags_after_cut(tmp_path: Path, archs: str) -> list[str]:
    target = tmp_path / "setup.py"
    target.write_text(EXCERPT.read_text())
    result = run([sys.executable, str(DOCKER / "cut_gencode.py"), str(target), archs])
    assert result.returncode == 0, result.stderr
    executed = run([sys.executable, str(target)])
    assert executed.returncode == 0, executed.stderr
    return ast.literal_eval(executed.stdout)


def test_cut_gencode_keeps_only_the_target_architectures(tmp_path: Path) -> None:
    before = run([sys.executable, str(EXCERPT)])
    assert before.stdout.count("-gencode") == 9  # the real list: sm_75 ... sm_121
    assert _flags_after_cut(tmp_path, "90") == ["-gencode", "arch=compute_90,code=sm_90"]
    assert _flags_after_cut(tmp_path, "80,89") == ["-gencode", "arch=compute_80,code=sm_80",
                                                   "-gencode", "arch=compute_89,code=sm_89"]


def test_cut_gencode_refuses_unknown_layouts_and_bad_archs(tmp_path: Path) -> None:
    other = tmp_path / "setup.py"
    other.write_text("flags = ['-gencode', 'arch=compute_90,code=sm_90']\n")
    result = run([sys.executable, str(DOCKER / "cut_gencode.py"), str(other), "90"])
    assert result.returncode == 2 and "layout changed" in result.stderr
    assert other.read_text() == "flags = ['-gencode', 'arch=compute_90,code=sm_90']\n"  # untouched
    bad = run([sys.executable, str(DOCKER / "cut_gencode.py"), str(other), "sm90"])
    assert bad.returncode == 2 and "not a CUDA compute capability" in bad.stderr


def test_build_mamba_wheel_checks_its_arguments_and_environment() -> None:
    script = str(DOCKER / "build-mamba-wheel.sh")
    assert run(["bash", "-n", script]).returncode == 0
    helped = run([script, "--help"])
    assert helped.returncode == 0 and "--arch" in helped.stdout and "MAMBA_FORCE_BUILD" in helped.stdout
    assert "not like 90" in run([script, "--arch", "hopper"]).stderr
    assert "unknown argument" in run([script, "--fast"]).stderr
    # this machine's torch is a CPU build: the script says so before downloading or compiling anything
    cpu = run([script, "--arch", "90"], env={"PYTHON": sys.executable})
    assert cpu.returncode == 2 and "CPU-only torch" in cpu.stderr


# ---------------------------------------------------------------- Caddyfile

def test_caddyfile_adapts_to_a_proxy_for_web(tmp_path: Path) -> None:
    import json

    env = {"TUTOR_HOSTNAME": "tutor.example.org", "TUTOR_TLS": "admin@example.org",
           "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = run([str(venv_tool("caddy")), "adapt", "--config", str(DOCKER / "Caddyfile"), "--adapter", "caddyfile"],
                 env=env)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    server = next(iter(config["apps"]["http"]["servers"].values()))
    route = server["routes"][0]
    assert route["match"][0]["host"] == ["tutor.example.org"]
    assert '"dial":"web:8000"' in json.dumps(route, separators=(",", ":"))
    assert config["apps"]["tls"]["automation"]["policies"][0]["issuers"][0]["email"] == "admin@example.org"
