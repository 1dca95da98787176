"""Both Compose files through the real Compose v2 parser and the Compose Specification schema,
with the environments they are meant to run with, and without the secrets they require."""

import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    DEV_COMPOSE,
    DOCKERFILE,
    ENV_EXAMPLE,
    FRONT_DOCKERFILE,
    PROD_COMPOSE,
    PRODUCTION_ENV,
    PRODUCTION_SECRETS,
    compose,
    compose_config,
    declared_global_args,
    load_yaml,
    parse_dockerfile,
    references_of,
    run,
    services,
    stage_args,
    tool,
    write_env_file,
)
from engine_support import STANDINS

COMPOSE_FILES = [DEV_COMPOSE, PROD_COMPOSE]
FILE_IDS = ["dev", "production"]
# What each file needs to resolve at all: nothing for development, the secrets for production.
REQUIRED_ENV = {DEV_COMPOSE: {}, PROD_COMPOSE: PRODUCTION_ENV}
# The services that scale (`--scale backend=3`), with the Dockerfile each is built from.
SCALED = {"backend": DOCKERFILE, "frontend": FRONT_DOCKERFILE}
MIRROR = "mirror.example/"


def resolved(compose_file: Path, tmp_path: Path, **settings: str) -> dict[str, dict[str, Any]]:
    """Every service of the file (monitoring included), resolved with `settings` added."""
    env_file = write_env_file(tmp_path / "test.env", REQUIRED_ENV[compose_file] | settings)
    return services(compose_config(compose_file, env_file, profiles=("monitoring",)))


def declared_build_args(dockerfile: Path) -> dict[str, str | None]:
    """Every ARG the Dockerfile declares, before the first FROM or in a stage."""
    declared = declared_global_args(dockerfile)
    for stage in parse_dockerfile(dockerfile):
        declared |= stage_args(stage)
    return declared


@pytest.mark.parametrize("compose_file", COMPOSE_FILES, ids=FILE_IDS)
def test_the_compose_specification_schema_accepts_it(compose_file: Path) -> None:
    result = run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", compose_file]
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("compose_file", COMPOSE_FILES, ids=FILE_IDS)
def test_it_has_no_obsolete_version_key(compose_file: Path) -> None:
    assert "version" not in load_yaml(compose_file)


def test_the_dev_file_needs_no_configuration_at_all(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path / "empty.env", {})
    result = compose(DEV_COMPOSE, env_file, "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_the_dev_file_runs_with_the_env_example_as_it_stands() -> None:
    result = compose(DEV_COMPOSE, ENV_EXAMPLE, "config", "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("profiles", [(), ("monitoring",)], ids=["core", "monitoring"])
def test_the_production_file_resolves_with_every_secret_set(
    tmp_path: Path, profiles: tuple[str, ...]
) -> None:
    env_file = write_env_file(tmp_path / "production.env", PRODUCTION_ENV)
    result = compose(PROD_COMPOSE, env_file, "config", "--quiet", profiles=profiles)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("secret", PRODUCTION_SECRETS)
@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_the_production_file_refuses_to_resolve_without_a_secret(
    tmp_path: Path, secret: str, value: str | None
) -> None:
    environment = {name: v for name, v in PRODUCTION_ENV.items() if name != secret}
    if value is not None:
        environment[secret] = value
    env_file = write_env_file(tmp_path / "production.env", environment)
    result = compose(PROD_COMPOSE, env_file, "config", "--quiet")
    assert result.returncode != 0
    assert f"required variable {secret} is missing a value" in result.stderr, result.stderr


def test_the_production_file_refuses_the_env_example_as_it_stands() -> None:
    result = compose(PROD_COMPOSE, ENV_EXAMPLE, "config", "--quiet")
    assert result.returncode != 0
    assert any(f"required variable {secret} " in result.stderr for secret in PRODUCTION_SECRETS)


@pytest.mark.parametrize("secret", PRODUCTION_SECRETS)
def test_every_production_secret_is_required_and_never_defaulted(secret: str) -> None:
    references = references_of(PROD_COMPOSE.read_text(), secret)
    assert references, f"{secret} is not used"
    for reference in references:
        assert reference.startswith("${" + secret + ":?"), reference


def test_no_secret_like_variable_has_a_default_in_production() -> None:
    interpolations = re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)(:?[-?+])?", PROD_COMPOSE.read_text())
    secret_like = [
        (name, operator)
        for name, operator in interpolations
        if any(word in name for word in ("PASSWORD", "SECRET", "TOKEN", "KEY"))
    ]
    assert {name for name, _ in secret_like} == set(PRODUCTION_SECRETS)
    assert {operator for _, operator in secret_like} == {":?"}


@pytest.mark.parametrize("compose_file", COMPOSE_FILES, ids=FILE_IDS)
def test_the_api_and_the_spa_scale_to_several_containers(
    compose_file: Path, tmp_path: Path
) -> None:
    # `up --scale backend=3`, as a file. Compose refuses it for a service with a
    # container_name (names are unique), which the database, named, shows.
    env_file = write_env_file(tmp_path / "test.env", REQUIRED_ENV[compose_file])
    scaled = tmp_path / "scaled.yml"
    scaled.write_text("services:\n" + "".join(f"  {name}:\n    scale: 3\n" for name in SCALED))
    result = compose(compose_file, env_file, "-f", str(scaled), "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    assert {name: model["services"][name]["scale"] for name in SCALED} == dict.fromkeys(SCALED, 3)
    database = tmp_path / "database.yml"
    database.write_text("services:\n  db:\n    scale: 2\n")
    result = compose(compose_file, env_file, "-f", str(database), "config", "--quiet")
    assert result.returncode != 0
    assert "can't set container_name" in result.stderr, result.stderr


@pytest.mark.parametrize("compose_file", COMPOSE_FILES, ids=FILE_IDS)
def test_every_image_is_fully_qualified_on_docker_hub_unless_a_mirror_is_given(
    compose_file: Path, tmp_path: Path
) -> None:
    # Registry and namespace spelled out, so podman (whose short-name resolution depends on
    # the host's registries.conf) pulls what Docker pulls, and IMAGE_REGISTRY moves every
    # image and every build's base images to a mirror.
    default = resolved(compose_file, tmp_path)
    mirrored = resolved(compose_file, tmp_path, IMAGE_REGISTRY=MIRROR)
    images = {name: service["image"] for name, service in default.items() if "build" not in service}
    assert images, "no service runs a published image"
    for name, image in images.items():
        assert re.fullmatch(r"docker\.io/[a-z0-9-]+/[a-z0-9_-]+:[\w.-]+", image), (name, image)
        assert mirrored[name]["image"] == MIRROR + image.removeprefix("docker.io/"), name
    assert {name for name, service in default.items() if "build" in service} == set(SCALED)
    for name in SCALED:
        assert default[name]["build"]["args"]["IMAGE_REGISTRY"] == "docker.io/", name
        assert mirrored[name]["build"]["args"]["IMAGE_REGISTRY"] == MIRROR, name


@pytest.mark.parametrize("compose_file", COMPOSE_FILES, ids=FILE_IDS)
def test_the_builds_pass_exactly_the_arguments_their_dockerfiles_declare(
    compose_file: Path, tmp_path: Path
) -> None:
    # An argument no ARG declares would be ignored (with a warning); the defaults are the
    # Dockerfiles' own, so a bare `docker build` and Compose build the same image.
    default = resolved(compose_file, tmp_path)
    for name, dockerfile in SCALED.items():
        build = default[name]["build"]
        assert build["context"] == str(dockerfile.parent), name
        assert build["dockerfile"] == dockerfile.name, name
        assert build["args"] == declared_build_args(dockerfile), name
    settings = {
        "PIP_INDEX_URL": "https://pypi.mirror.example/simple/",
        "NPM_CONFIG_REGISTRY": "https://npm.mirror.example/",
    }
    given = resolved(compose_file, tmp_path, **settings)
    assert given["backend"]["build"]["args"]["PIP_INDEX_URL"] == settings["PIP_INDEX_URL"]
    frontend_args = given["frontend"]["build"]["args"]
    assert frontend_args["NPM_CONFIG_REGISTRY"] == settings["NPM_CONFIG_REGISTRY"]


@pytest.mark.parametrize("compose_file", COMPOSE_FILES, ids=FILE_IDS)
def test_the_api_and_spa_healthchecks_are_one_shell_command_each(
    compose_file: Path, tmp_path: Path
) -> None:
    # CMD-SHELL and one string: podman splits the arguments of the CMD list form, which broke
    # the quoted programs. What the shell runs must still be the program, quoting intact.
    default = resolved(compose_file, tmp_path)
    kind, command = default["backend"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    program, flag, code = shlex.split(command)
    assert (program, flag) == ("python", "-c")
    compile(code, "healthcheck", "exec")
    port = default["backend"]["environment"]["API_PORT"]
    assert f"urlopen('http://127.0.0.1:{port}/readyz'" in code

    kind, command = default["frontend"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    program, flag, script = shlex.split(command)
    assert (program, flag) == ("node", "-e")
    assert "fetch('http://127.0.0.1:3000/')" in script
    node = shutil.which("node")
    assert node is not None, "`node` is not installed: run `make system-deps` as root"
    source = tmp_path / "healthcheck.js"
    source.write_text(script)
    result = run([node, "--check", source])
    assert result.returncode == 0, result.stderr


GRAFANA = "docker.io/grafana/grafana:"


def _published_images(tmp_path: Path) -> set[str]:
    """The images the Compose files run, and those the Dockerfiles build on."""
    images = {
        service["image"]
        for compose_file in COMPOSE_FILES
        for service in resolved(compose_file, tmp_path).values()
        if "build" not in service
    }
    for dockerfile in (DOCKERFILE, FRONT_DOCKERFILE):
        images |= {stage.base for stage in parse_dockerfile(dockerfile)}
    return images


def test_every_image_is_pinned_to_a_minor_version(tmp_path: Path) -> None:
    # `nginx:alpine` or `postgres:17-alpine` would move under a redeploy without a commit.
    for image in _published_images(tmp_path):
        tag = image.rpartition(":")[2]
        assert re.match(r"v?\d+\.\d+", tag), image


def test_every_image_has_a_stand_in_of_that_name_for_the_container_tests(
    tmp_path: Path,
) -> None:
    """Renaming an image's tag renames its stand-in too, or the container tests would look
    for an image nothing builds; Grafana alone has none, and they leave it out."""
    built_here = {tag for standin in STANDINS for tag in standin.tags}
    images = _published_images(tmp_path)
    assert {image for image in images if not image.startswith(GRAFANA)} <= built_here
