"""Both Compose files through the real Compose v2 parser and the Compose Specification schema,
with the environments they are meant to run with, and without the secrets they require."""

import re
from pathlib import Path

import pytest
from deploy_support import (
    DEV_COMPOSE,
    ENV_EXAMPLE,
    PROD_COMPOSE,
    PRODUCTION_ENV,
    PRODUCTION_SECRETS,
    compose,
    load_yaml,
    references_of,
    run,
    tool,
    write_env_file,
)

COMPOSE_FILES = [DEV_COMPOSE, PROD_COMPOSE]
FILE_IDS = ["dev", "production"]


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
