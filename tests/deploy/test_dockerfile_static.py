"""server/Dockerfile, its .dockerignore and entrypoint, read by real parsers and linters."""

import os
import re
import shlex
from pathlib import Path

import pytest
from deploy_support import (
    DOCKERFILE,
    ENTRYPOINT,
    FRONT_DOCKERFILE,
    Stage,
    build_context,
    declared_global_args,
    dockerignore,
    exec_form,
    final_stage_files,
    healthcheck_command,
    parse_dockerfile,
    run,
    stage_args,
    tool,
)

BUILD_TOOLS = re.compile(
    r"\b(gcc|g\+\+|cc|clang|make|build-essential|libpq-dev|python3?-dev|apt-get|apk|pip)\b"
)


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile()


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


# The API's image and the SPA's (tests/deploy/test_front_dockerfile.py reads the latter).
ALL_DOCKERFILES = pytest.mark.parametrize(
    "dockerfile", [DOCKERFILE, FRONT_DOCKERFILE], ids=["server", "front"]
)


@ALL_DOCKERFILES
def test_hadolint_finds_nothing(dockerfile: Path) -> None:
    result = run([tool("hadolint"), "--no-color", dockerfile])
    assert result.returncode == 0, result.stdout + result.stderr


@ALL_DOCKERFILES
def test_checkov_passes_every_dockerfile_check(dockerfile: Path) -> None:
    # --skip-download: the built-in checks only, without calling home for guidelines.
    result = run(
        [
            *(tool("checkov"), "--quiet", "--compact", "--skip-download"),
            *("--framework", "dockerfile", "-f", dockerfile),
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr


@ALL_DOCKERFILES
def test_every_base_image_comes_from_docker_hub_unless_a_mirror_is_given(
    dockerfile: Path,
) -> None:
    # Fully qualified (registry and `library/` namespace), so podman, whose short-name
    # resolution depends on the host's registries.conf, pulls what Docker pulls; and
    # `--build-arg IMAGE_REGISTRY=...` swaps in a mirror for every stage at once.
    assert declared_global_args(dockerfile) == {"IMAGE_REGISTRY": "docker.io/"}
    stages = parse_dockerfile(dockerfile)
    for stage in stages:
        assert stage.written_base.startswith("${IMAGE_REGISTRY}library/"), stage.written_base
        assert stage.base.startswith("docker.io/library/"), stage.base
    mirrored = parse_dockerfile(dockerfile, build_args={"IMAGE_REGISTRY": "mirror.example/"})
    assert [stage.base for stage in mirrored] == [
        stage.base.replace("docker.io/", "mirror.example/", 1) for stage in stages
    ]


@ALL_DOCKERFILES
def test_no_syntax_directive_sends_the_build_to_docker_hub(dockerfile: Path) -> None:
    # `# syntax=docker/dockerfile:1` makes BuildKit pull that frontend image from Docker Hub,
    # whatever IMAGE_REGISTRY says; the builder's own Dockerfile frontend reads these files.
    directives = [
        line
        for line in dockerfile.read_text().splitlines()
        if re.match(r"#\s*syntax\s*=", line, re.IGNORECASE)
    ]
    assert directives == []


def test_it_builds_in_a_builder_stage_and_runs_on_slim_python(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    builder, final = stages[0], stages[-1]
    assert builder.name == "builder"
    assert re.fullmatch(r"docker\.io/library/python:3\.1[12]-slim", final.base), final.base
    assert builder.base == final.base, "the virtualenv's interpreter must be the same Python"
    install = " ".join(step.value for step in builder.all("RUN"))
    assert re.search(r"pip install (--constraint|-c) constraints\.txt", install), install


def test_pip_installs_from_the_index_the_build_is_given(stages: list[Stage]) -> None:
    builder = stages[0]
    # A stage's ARG is in the environment of the RUN lines after it, where pip reads
    # PIP_INDEX_URL; it stays out of the final image's configuration.
    assert stage_args(builder) == {"PIP_INDEX_URL": "https://pypi.org/simple"}
    declared = next(
        index
        for index, step in enumerate(builder.instructions)
        if step.instruction == "ARG" and step.value.startswith("PIP_INDEX_URL=")
    )
    installs = [
        index
        for index, step in enumerate(builder.instructions)
        if step.instruction == "RUN" and "pip install" in step.value
    ]
    assert installs
    assert all(index > declared for index in installs)
    assert all("PIP_INDEX_URL" not in stage_args(stage) for stage in stages[1:])
    for stage in stages:
        assert all("PIP_INDEX_URL" not in step.value for step in stage.all("ENV"))


def test_the_final_stage_takes_only_the_virtualenv_and_the_entrypoint(final: Stage) -> None:
    from_builder = [
        shlex.split(step.value) for step in final.all("COPY") if "--from=builder" in step.flags
    ]
    assert from_builder == [["/opt/venv", "/opt/venv"]]
    assert final_stage_files(final) == ["docker-entrypoint.sh"]
    env = " ".join(step.value for step in final.all("ENV"))
    assert "PATH=/opt/venv/bin:$PATH" in env


def test_the_final_stage_installs_no_build_tools(final: Stage) -> None:
    for step in final.all("RUN"):
        assert not BUILD_TOOLS.search(step.value), step.value


def test_the_final_stage_runs_as_an_unprivileged_user(final: Stage) -> None:
    user = final.last("USER")
    assert user is not None
    name, _, group = user.value.partition(":")
    assert name not in {"root", "0"}
    assert group not in {"root", "0"}
    # Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    assert name.isdigit()
    assert int(name) >= 1000
    creates_user = " ".join(step.value for step in final.all("RUN"))
    assert f"--uid {name}" in creates_user


def test_the_healthcheck_asks_readiness_with_python_since_slim_has_no_curl(final: Stage) -> None:
    command = healthcheck_command(final)
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2]
    assert "/readyz" in command[2]
    healthcheck = final.last("HEALTHCHECK")
    assert healthcheck is not None
    assert {flag.split("=")[0] for flag in healthcheck.flags} >= {"--interval", "--start-period"}


def test_the_entrypoint_is_the_script_in_exec_form(final: Stage) -> None:
    entrypoint = final.last("ENTRYPOINT")
    assert entrypoint is not None
    assert exec_form(entrypoint.value) == ["/usr/local/bin/docker-entrypoint.sh"]
    copy = next(step for step in final.all("COPY") if "docker-entrypoint.sh" in step.value)
    assert "--chmod=0755" in copy.flags
    assert final.last("CMD") is None, "arguments would replace the server (see the script)"


def test_the_entrypoint_script_is_executable_and_shellcheck_clean() -> None:
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    result = run([tool("shellcheck"), "--shell=sh", "--severity=style", ENTRYPOINT])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_entrypoint_migrates_then_execs_uvicorn_with_the_production_flags() -> None:
    script = ENTRYPOINT.read_text()
    prestart = script.index("python -m app.prestart")
    server = script.index("exec uvicorn app.main:app")
    assert prestart < server
    flags = shlex.split(script[server:].replace("\\\n", " "))
    assert flags[:3] == ["exec", "uvicorn", "app.main:app"]
    for flag, value in [
        ("--host", "0.0.0.0"),
        ("--port", "${API_PORT:-8000}"),
        ("--workers", "${WEB_CONCURRENCY:-2}"),
        # Only the local proxy unless told otherwise: `*` would let any client pick its address.
        ("--forwarded-allow-ips", "${FORWARDED_ALLOW_IPS:-127.0.0.1}"),
        ("--timeout-graceful-shutdown", "${GRACEFUL_SHUTDOWN_TIMEOUT:-20}"),
    ]:
        assert flags[flags.index(flag) + 1] == value, flag
    assert "--proxy-headers" in flags
    assert "--no-access-log" in flags


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".data/postgres/PG_VERSION",
        "tests/test_anything.py",
        "app/__pycache__/main.cpython-311.pyc",
        "app/core/__pycache__/config.cpython-311.pyc",
        ".env",
        "app/.env",
        "devtools/dev.py",
        "order_system_server.egg-info/PKG-INFO",
        ".mypy_cache/3.11/app.json",
        "Dockerfile",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    assert dockerignore().excludes(path)


@pytest.mark.parametrize(
    "path",
    [
        "app/main.py",
        "app/alembic/env.py",
        "app/alembic/script.py.mako",
        "app/alembic/versions/20261123_ff6b98756341_users_and_refresh_tokens.py",
        "app/py.typed",
        "pyproject.toml",
        "constraints.txt",
        "docker-entrypoint.sh",
    ],
)
def test_dockerignore_lets_in(path: str) -> None:
    assert not dockerignore().excludes(path)


def test_the_build_context_is_the_app_its_pins_and_the_entrypoint(tmp_path: Path) -> None:
    sent = build_context(tmp_path)
    outside_app = [path for path in sent if not path.startswith("app/")]
    assert sorted(outside_app) == ["constraints.txt", "docker-entrypoint.sh", "pyproject.toml"]
    assert "app/main.py" in sent
    assert not [path for path in sent if "__pycache__" in path or path.endswith(".pyc")]
