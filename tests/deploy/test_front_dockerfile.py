"""front/Dockerfile and its .dockerignore, read by a real parser (hadolint and checkov check it
in test_dockerfile_static.py). The image's layout itself runs in tests/e2e:
`front/scripts/assemble-standalone.mjs` puts the build where these COPYs do, and the browser
tests use that server."""

import re
import shlex

import pytest
from deploy_support import (
    FRONT_DOCKERFILE,
    DockerIgnore,
    Stage,
    exec_form,
    healthcheck_command,
    parse_dockerfile,
    stage_args,
)

FRONT_DIR = FRONT_DOCKERFILE.parent


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(FRONT_DOCKERFILE)


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_it_builds_in_one_stage_and_runs_the_standalone_server_in_another(
    stages: list[Stage], final: Stage
) -> None:
    assert len(stages) >= 2
    assert all(
        re.fullmatch(r"docker\.io/library/node:2[0-9]\.[0-9]+-alpine", stage.base)
        for stage in stages
    ), [stage.base for stage in stages]
    builds = " ".join(step.value for stage in stages[:-1] for step in stage.all("RUN"))
    assert "next build" in builds
    assert all("npm" not in step.value for step in final.all("RUN"))
    assert exec_form(final.all("CMD")[-1].value) == ["node", "server.js"]


def test_npm_installs_from_the_registry_the_build_is_given_through_a_cache(
    stages: list[Stage],
) -> None:
    deps = stages[0]
    assert deps.name == "deps"
    # npm reads NPM_CONFIG_REGISTRY from the environment, where a stage's ARG puts it for the
    # RUN lines after it; it stays out of the final image's configuration.
    assert stage_args(deps) == {"NPM_CONFIG_REGISTRY": "https://registry.npmjs.org/"}
    [install] = [step for step in deps.all("RUN") if "npm " in step.value]
    steps = deps.instructions
    assert steps.index(deps.all("ARG")[0]) < steps.index(install)
    assert "--mount=type=cache,target=/root/.npm" in install.flags
    for stage in stages[1:]:
        assert "NPM_CONFIG_REGISTRY" not in stage_args(stage)
        assert all("npm " not in step.value for step in stage.all("RUN"))


def test_the_final_stage_takes_the_standalone_server_its_assets_and_public(final: Stage) -> None:
    copies = [shlex.split(step.value) for step in final.all("COPY")]
    assert copies == [
        ["/app/.next/standalone", "./"],
        ["/app/.next/static", "./.next/static"],
        ["/app/public", "./public"],
    ]
    assert all(any(flag.startswith("--from=") for flag in step.flags) for step in final.all("COPY"))


def test_it_listens_on_every_interface_on_port_3000(final: Stage) -> None:
    env = " ".join(step.value for step in final.all("ENV"))
    assert "HOSTNAME=0.0.0.0" in env
    assert "PORT=3000" in env
    assert "NEXT_TELEMETRY_DISABLED=1" in env
    exposed = final.last("EXPOSE")
    assert exposed is not None
    assert exposed.value == "3000"


def test_the_final_stage_runs_as_the_same_numeric_user_as_the_api(final: Stage) -> None:
    user = final.last("USER")
    assert user is not None
    assert user.value == "10001:10001"
    creates_user = " ".join(step.value for step in final.all("RUN"))
    assert "-u 10001" in creates_user


def test_the_healthcheck_asks_the_server_with_node_since_alpine_has_no_curl(
    final: Stage,
) -> None:
    command = healthcheck_command(final)
    assert command[:2] == ["node", "-e"]
    assert "http://127.0.0.1:3000/" in command[2]


def test_no_api_address_is_baked_into_the_image(stages: list[Stage]) -> None:
    for stage in stages:
        for step in stage.all("ENV") + stage.all("ARG"):
            assert "API" not in step.value, step.value


@pytest.mark.parametrize(
    "path", ["node_modules/next/package.json", ".next/BUILD_ID", ".env", ".env.production"]
)
def test_dockerignore_keeps_out(path: str) -> None:
    rules = DockerIgnore((FRONT_DIR / ".dockerignore").read_text())
    assert rules.excludes(path)


@pytest.mark.parametrize(
    "path", ["package.json", "package-lock.json", "src/app/layout.tsx", "messages/en/auth.json"]
)
def test_dockerignore_lets_in(path: str) -> None:
    rules = DockerIgnore((FRONT_DIR / ".dockerignore").read_text())
    assert not rules.excludes(path)
