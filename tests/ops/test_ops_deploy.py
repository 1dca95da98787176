"""deploy.sh: the order of the steps (backup and migrations before the new version starts,
health after), the rollback when the new version is not healthy, and the same for ECS.

docker, curl and aws are stand-ins that record their calls; the production backup runs the
real pg_dump against a real database through the stand-in's `docker exec`."""

import copy
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ops_support import (
    JQ,
    REPO_ROOT,
    Outcome,
    Toolbox,
    assert_usage_error,
    container,
    database_container,
    new_database,
    run_script,
)
from sqlalchemy.engine import URL

PROD_COMPOSE = str(REPO_ROOT / "docker-compose.production.yml")
DEV_COMPOSE = str(REPO_ROOT / "docker-compose.yml")
COMPOSE = ["compose", "--file", PROD_COMPOSE]
OLD_BACKEND = "sha256:" + "a" * 64
OLD_FRONTEND = "sha256:" + "b" * 64
OTHER_IMAGE = "sha256:" + "c" * 64
PROD_PROJECT = "order_system_prod"
DEV_PROJECT = "order_system"


def source_commit() -> str:
    """The commit deploy.sh should say its images are built from: this checkout's."""
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


@pytest.fixture
def database(database_url: URL) -> Iterator[URL]:
    """What the production backup dumps: any real database will do."""
    with new_database(database_url) as url:
        yield url


def _service_container(
    project: str,
    service: str,
    number: int = 1,
    *,
    image: str,
    running: bool = True,
    oneoff: bool = False,
) -> dict[str, Any]:
    """A container as Docker Compose makes it for a service with no container_name: named
    PROJECT-SERVICE-N (a one-off of `docker compose run`: PROJECT-SERVICE-run-N), labelled
    with its project and service, running the image Compose builds as PROJECT-SERVICE."""
    name = f"{project}-{service}-run-{number}" if oneoff else f"{project}-{service}-{number}"
    labels = {
        "com.docker.compose.project": project,
        "com.docker.compose.service": service,
        "com.docker.compose.oneoff": "True" if oneoff else "False",
        "com.docker.compose.container-number": str(number),
    }
    return container(
        name, image=image, config_image=f"{project}-{service}", labels=labels, running=running
    )


def _production_host(
    tmp_path: Path,
    database: URL,
    curl: list[str],
    *,
    backends: int = 1,
    running: bool = True,
    others: list[dict[str, Any]] | None = None,
) -> Toolbox:
    """A host running the production stack, its backend as `backends` replicas (or stopped,
    not `running`), `others` listed before its containers; curl gets these HTTP statuses in
    turn."""
    toolbox = Toolbox(tmp_path / "tools", curl=True)
    backend = [
        _service_container(PROD_PROJECT, "backend", number, image=OLD_BACKEND, running=running)
        for number in range(1, backends + 1)
    ]
    frontend = _service_container(PROD_PROJECT, "frontend", image=OLD_FRONTEND, running=running)
    toolbox.state = {
        "containers": [
            *(others or []),
            *backend,
            frontend,
            database_container(database, "order_system_db_prod"),
        ],
        "curl": curl,
    }
    toolbox.save()
    return toolbox


def _deploy(toolbox: Toolbox, tmp_path: Path, *args: str) -> Outcome:
    return run_script(
        "deploy.sh",
        "--health-retries", "2", "--health-interval", "0",
        "--backup-dir", str(tmp_path / "backups"),
        *args,
        env=toolbox.env(),
    )  # fmt: skip


def _position(calls: list[list[str]], *wanted: str) -> int:
    """Where the first call starting with `wanted` is."""
    for index, call in enumerate(calls):
        if call[: len(wanted)] == list(wanted):
            return index
    raise AssertionError(f"no call {' '.join(wanted)} in {calls}")


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("+ ")]


def _line_of(lines: list[str], pattern: str) -> int:
    matching = [index for index, line in enumerate(lines) if re.search(pattern, line)]
    assert matching, f"no {pattern!r} in {lines}"
    return matching[0]


# --- docker: dry run -----------------------------------------------------------------------


def test_dry_run_of_a_production_deploy_backs_up_and_migrates_before_the_start(
    tmp_path: Path,
) -> None:
    toolbox = Toolbox(tmp_path, curl=True, aws=True)
    outcome = run_script("deploy.sh", "--dry-run", "docker", "production", env=toolbox.env())

    assert outcome.code == 0, outcome.output
    assert toolbox.all_calls() == []  # printed, never run
    lines = _lines(outcome.stdout)
    compose = f"docker compose --file {PROD_COMPOSE}"
    assert _line_of(lines, f"^\\+ {compose} config --quiet$") == 0
    # The running backend is found by Compose's labels, not by a name.
    lookup = _line_of(
        lines,
        r"^\+ docker container ls --quiet"
        r" --filter label=com\.docker\.compose\.project=order_system_prod"
        r" --filter label=com\.docker\.compose\.service=backend ",
    )
    previous = _line_of(
        lines, r"^\+ docker tag '<image the backend containers run>' order_system_backend:previous$"
    )
    build = _line_of(lines, f"^\\+ {compose} build$")
    backup = _line_of(
        lines, r"/cloud-deployment/scripts/backup\.sh --container order_system_db_prod "
    )
    migrate = _line_of(lines, f"^\\+ {compose} run --rm backend python -m app.prestart$")
    # Bounded by the health budget (30 tries, 5 s apart, 5 s each): Compose waits for health.
    start = _line_of(lines, f"^\\+ timeout 300 {compose} up -d$")
    health = _line_of(lines, r"^\+ curl .* https://localhost/health")
    assert lookup < previous < build < backup < migrate < start < health
    # Compose builds the backend with it, for order_system_build_info.
    assert f"\n  from commit {source_commit()}\n" in outcome.stdout
    # The production file is complete on its own: the development one is not layered under it.
    assert DEV_COMPOSE not in outcome.stdout
    assert "up -d --no-build backend frontend" in outcome.stdout  # the rollback, explained


def test_dry_run_of_a_development_deploy_has_no_backup(tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path, curl=True)
    outcome = run_script("deploy.sh", "--dry-run", "docker", "development", env=toolbox.env())

    assert outcome.code == 0, outcome.output
    assert toolbox.all_calls() == []
    assert f"docker compose --file {DEV_COMPOSE} up -d" in outcome.stdout
    assert "backup.sh" not in outcome.stdout
    assert "order_system_prod" not in outcome.stdout
    assert "--filter label=com.docker.compose.project=order_system --filter" in outcome.stdout
    assert "http://localhost/health" in outcome.stdout


# --- docker: for real ----------------------------------------------------------------------


def test_an_unhealthy_deploy_is_rolled_back_to_the_previous_images(
    tmp_path: Path, database: URL
) -> None:
    toolbox = _production_host(tmp_path, database, curl=["000"])

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert "rolled back, but the previous images are not healthy either" in outcome.stderr
    calls = toolbox.calls()
    # Before anything changes, the running images are kept, held by labelled containers.
    assert ["tag", OLD_BACKEND, "order_system_backend:previous"] in calls
    assert ["tag", OLD_FRONTEND, "order_system_frontend:previous"] in calls
    assert [
        "create", "--label", "order_system.keep=rollback",
        "--name", "order_system_backend_rollback", "order_system_backend:previous",
    ] in calls  # fmt: skip
    order = [
        _position(calls, "tag", OLD_BACKEND),
        _position(calls, *COMPOSE, "build"),
        _position(calls, "exec", "order_system_db_prod", "sh"),  # backup.sh's pg_dump
        _position(calls, *COMPOSE, "run", "--rm", "backend", "python", "-m", "app.prestart"),
        _position(calls, *COMPOSE, "up", "-d"),
        _position(calls, "tag", "order_system_backend:previous", "order_system_prod-backend"),
        _position(calls, *COMPOSE, "up", "-d", "--no-build", "backend", "frontend"),
    ]
    assert order == sorted(order), calls
    assert ["tag", "order_system_frontend:previous", "order_system_prod-frontend"] in calls
    # One backend: Compose's default scale, nothing to keep.
    assert not any("--scale" in call for call in calls)
    # Two tries for the new version, two for the old: bounded.
    assert len(toolbox.calls("curl")) == 4
    assert all(call[-1] == "https://localhost/health" for call in toolbox.calls("curl"))
    # The backup is a real dump, kept for restore.sh.
    assert len(list((tmp_path / "backups").glob("order_system_*.dump"))) == 1


def test_a_rollback_that_is_healthy_says_how_to_restore_the_schema(
    tmp_path: Path, database: URL
) -> None:
    toolbox = _production_host(tmp_path, database, curl=["503", "503", "200"])

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert "rolled back to the previous images, which are healthy" in outcome.stderr
    backups = tmp_path / "backups"
    hint = f"restore.sh latest --container order_system_db_prod --backup-dir {backups}"
    assert hint in outcome.stderr


def test_a_healthy_deploy_is_not_rolled_back_and_a_redirect_is_not_health(
    tmp_path: Path, database: URL
) -> None:
    # nginx's http -> https redirect is no proof of a working API.
    toolbox = _production_host(tmp_path, database, curl=["301", "503", "200"])

    outcome = _deploy(toolbox, tmp_path, "--health-retries", "3", "docker", "production")

    assert outcome.code == 0, outcome.output
    assert "healthy: 200 (try 3 of 3)" in outcome.stdout
    assert "Deployed production." in outcome.stdout
    calls = toolbox.calls()
    assert not any(call[:2] == ["tag", "order_system_backend:previous"] for call in calls)
    assert not any("--no-build" in call for call in calls)


def test_a_scaled_out_backend_keeps_its_replicas_in_the_new_version_and_the_rollback(
    tmp_path: Path, database: URL
) -> None:
    # `docker compose up -d` alone would bring the backend back to one container.
    toolbox = _production_host(tmp_path, database, curl=["000"], backends=3)

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert "the backend runs as 3 containers" in outcome.stdout
    calls = toolbox.calls()
    assert ["tag", OLD_BACKEND, "order_system_backend:previous"] in calls
    ups = [call[len(COMPOSE) :] for call in calls if call[: len(COMPOSE) + 1] == [*COMPOSE, "up"]]
    assert ups == [
        ["up", "-d", "--scale", "backend=3"],
        ["up", "-d", "--no-build", "--scale", "backend=3", "backend", "frontend"],
    ]
    # The frontend runs as one container: left at Compose's default.
    assert "frontend=" not in " ".join(" ".join(call) for call in calls)


def test_failed_migrations_tag_the_previous_images_back_and_start_nothing(
    tmp_path: Path, database: URL
) -> None:
    toolbox = _production_host(tmp_path, database, curl=["200"])
    toolbox.state["fail"] = [" ".join([*COMPOSE, "run"])]
    toolbox.save()

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert (
        "the migrations failed; the running version was not touched, and its images are tagged"
        " back as the services' images" in outcome.stderr
    )
    calls = toolbox.calls()
    assert _position(calls, "exec", "order_system_db_prod", "sh") < _position(
        calls, *COMPOSE, "run"
    )
    # The build re-tagged the services' images: the next `docker compose up` would have
    # started the release whose migrations failed.
    migrate = _position(calls, *COMPOSE, "run")
    assert _position(calls, *COMPOSE, "build") < migrate
    assert migrate < _position(
        calls, "tag", "order_system_backend:previous", "order_system_prod-backend"
    )
    assert migrate < _position(
        calls, "tag", "order_system_frontend:previous", "order_system_prod-frontend"
    )
    assert not any(call[:4] == [*COMPOSE, "up"] for call in calls)
    assert toolbox.calls("curl") == []


def test_failed_migrations_of_a_first_deploy_have_nothing_to_tag_back(tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools", curl=True)
    toolbox.state = {"containers": [], "curl": ["200"], "fail": [" ".join([*COMPOSE, "run"])]}
    toolbox.save()

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert "the migrations failed; the running version was not touched\n" in outcome.stderr
    assert not any(call[0] == "tag" for call in toolbox.calls())
    assert not any(call[:4] == [*COMPOSE, "up"] for call in toolbox.calls())


def test_another_projects_containers_and_one_offs_are_not_taken_for_ours(
    tmp_path: Path, database: URL
) -> None:
    # Listed first: another Compose project on the host with a backend service of its own
    # (two replicas), and a `docker compose run backend` of ours with another image.
    others = [
        _service_container("shop", "backend", 1, image=OTHER_IMAGE),
        _service_container("shop", "backend", 2, image=OTHER_IMAGE),
        _service_container(PROD_PROJECT, "backend", 1, image=OTHER_IMAGE, oneoff=True),
    ]
    toolbox = _production_host(tmp_path, database, curl=["000"], others=others)

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    calls = toolbox.calls()
    tags = [call for call in calls if call[:1] == ["tag"]]
    assert tags == [
        ["tag", OLD_BACKEND, "order_system_backend:previous"],
        ["tag", OLD_FRONTEND, "order_system_frontend:previous"],
        ["tag", "order_system_backend:previous", "order_system_prod-backend"],
        ["tag", "order_system_frontend:previous", "order_system_prod-frontend"],
    ]
    # One backend of ours: none of the others counts as a replica.
    assert not any("--scale" in call for call in calls)


def test_a_stopped_stack_still_has_a_version_to_roll_back_to(tmp_path: Path, database: URL) -> None:
    # `docker compose stop` for maintenance: the containers are there, not running.
    toolbox = _production_host(tmp_path, database, curl=["000"], running=False)

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert "a first deploy" not in outcome.output
    calls = toolbox.calls()
    assert ["tag", OLD_BACKEND, "order_system_backend:previous"] in calls
    assert [*COMPOSE, "up", "-d", "--no-build", "backend", "frontend"] in calls


def test_a_failed_backup_stops_a_production_deploy(tmp_path: Path, database: URL) -> None:
    toolbox = _production_host(tmp_path, database, curl=["200"])
    toolbox.state["fail"] = ["exec order_system_db_prod sh"]
    toolbox.save()

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert "the backup failed; not deploying" in outcome.stderr
    assert not any(call[:4] in ([*COMPOSE, "run"], [*COMPOSE, "up"]) for call in toolbox.calls())


def test_a_first_deploy_has_nothing_to_roll_back_to(tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools", curl=True)
    toolbox.state = {"containers": [], "curl": ["000"]}
    toolbox.save()

    outcome = _deploy(toolbox, tmp_path, "docker", "production")

    assert outcome.code == 1, outcome.output
    assert (
        "no running order_system_db_prod container: a first deploy, nothing to back up"
        in outcome.stderr
    )
    assert "deploy failed, and there is no previous version to roll back to" in outcome.stderr
    assert not any(call[0] in ("tag", "create") for call in toolbox.calls())


def test_a_development_deploy_uses_the_development_names(tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools", curl=True)
    toolbox.state = {
        "containers": [
            # A production stack on the same host is not the development one.
            _service_container(PROD_PROJECT, "backend", image=OTHER_IMAGE),
            _service_container(DEV_PROJECT, "backend", image=OLD_BACKEND),
        ],
        "curl": ["200"],
    }
    toolbox.save()

    outcome = _deploy(toolbox, tmp_path, "docker", "development")

    assert outcome.code == 0, outcome.output
    calls = toolbox.calls()
    assert [call for call in calls if call[:1] == ["tag"]] == [
        ["tag", OLD_BACKEND, "order_system_backend:previous"]
    ]
    assert "no frontend container in Compose project order_system: a first deploy" in outcome.stdout
    assert ["compose", "--file", DEV_COMPOSE, "up", "-d"] in calls
    assert not any(call[0] == "exec" for call in calls)  # no backup
    assert toolbox.calls("curl")[0][-1] == "http://localhost/health"
    assert "--insecure" not in toolbox.calls("curl")[0]


# --- Refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["kubernetes", "production"], "unknown target 'kubernetes': docker or aws"),
        (["docker"], "give a target and an environment"),
        ([], "give a target and an environment"),
        (["docker", "production", "extra"], "give a target and an environment"),
        (["docker", "staging"], "docker deploys development or production, not 'staging'"),
        (["aws", "qa"], "aws deploys development, staging or production, not 'qa'"),
        (["--health-retries", "0", "docker", "production"], "--health-retries must be"),
        (["--health-retries", "many", "docker", "production"], "--health-retries must be"),
        (["--health-interval", "-1", "docker", "production"], "--health-interval must be"),
        (["--health-url", "docker", "production"], "give a target and an environment"),
        (["--tag", "not a tag", "aws", "staging"], "--tag: not an image tag"),
        (["--compose-file"], "--compose-file needs a value"),
    ],
)
def test_a_bad_invocation_is_refused_before_anything_runs(
    tmp_path: Path, args: list[str], message: str
) -> None:
    toolbox = Toolbox(tmp_path, curl=True, aws=True)
    outcome = run_script("deploy.sh", *args, env=toolbox.env())
    assert outcome.code == 2, outcome.output
    assert_usage_error(outcome, message)
    assert toolbox.all_calls() == []


# --- aws -----------------------------------------------------------------------------------

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/"
ENV_PREFIX = "order-system-production"


def _definition(family: str, revision: int, containers: list[dict[str, Any]]) -> dict[str, Any]:
    """A task definition as describe-task-definition returns it."""
    return {
        "taskDefinitionArn": f"{ARN}{family}:{revision}",
        "family": family,
        "revision": revision,
        "status": "ACTIVE",
        "requiresCompatibilities": ["FARGATE"],
        "compatibilities": ["EC2", "FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "512",
        "memory": "1024",
        "containerDefinitions": containers,
        "registeredAt": "2026-01-01T00:00:00Z",
        "registeredBy": "arn:aws:iam::123456789012:user/terraform",
    }


def _ecs_account(tmp_path: Path, **state: Any) -> Toolbox:
    """An account as Terraform leaves it: each family at revision 1 with images tagged v1."""
    toolbox = Toolbox(tmp_path / "tools", aws=True, extra=(JQ,))
    definitions = {}
    for component in ("backend", "frontend", "migrate"):
        repository = "frontend" if component == "frontend" else "backend"
        main = {
            "name": component,
            "image": f"{REGISTRY}/order-system-{repository}:v1",
            "essential": True,
        }
        # A sidecar from elsewhere keeps its image.
        sidecar = {
            "name": "log-router",
            "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:2",
        }
        family = f"{ENV_PREFIX}-{component}"
        definitions[family] = [_definition(family, 1, [main, sidecar])]
    toolbox.state = {
        "services": {f"{ENV_PREFIX}-backend": f"{ARN}{ENV_PREFIX}-backend:1",
                     f"{ENV_PREFIX}-frontend": f"{ARN}{ENV_PREFIX}-frontend:1"},
        "definitions": definitions,
        "network": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                            "assignPublicIp": "DISABLED"}},
        **state,
    }  # fmt: skip
    toolbox.save()
    (tmp_path / "front").mkdir()
    return toolbox


def _deploy_aws(toolbox: Toolbox, tmp_path: Path, *args: str) -> Outcome:
    env = toolbox.env(AWS_REGION="eu-west-1", FRONTEND_CONTEXT=str(tmp_path / "front"))
    return run_script("deploy.sh", "--tag", "v2", *args, "aws", "production", env=env)


def _aws(toolbox: Toolbox, *command: str) -> list[list[str]]:
    return [call for call in toolbox.calls("aws") if call[: len(command)] == list(command)]


def test_dry_run_of_an_ecs_deploy_migrates_before_the_rollout(tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path, aws=True)
    env = toolbox.env(AWS_REGION="eu-west-1")
    outcome = run_script("deploy.sh", "--dry-run", "aws", "production", env=env)

    assert outcome.code == 0, outcome.output
    assert toolbox.all_calls() == []
    lines = _lines(outcome.stdout)
    order = [
        _line_of(
            lines, r"aws ecr get-login-password .* docker login --username AWS --password-stdin"
        ),
        _line_of(
            lines,
            rf"docker build --platform linux/amd64 --build-arg GIT_COMMIT={source_commit()}"
            rf" --tag .*/order-system-backend:{source_commit()}-",
        ),
        _line_of(lines, r"docker push .*/order-system-backend:"),
        _line_of(lines, r"aws ecs register-task-definition"),
        _line_of(lines, rf"aws ecs run-task --cluster {ENV_PREFIX} .*{ENV_PREFIX}-migrate"),
        _line_of(lines, r"aws ecs wait tasks-stopped"),
        _line_of(
            lines, rf"aws ecs update-service --cluster {ENV_PREFIX} --service {ENV_PREFIX}-backend"
        ),
        _line_of(lines, r"aws ecs wait services-stable"),
    ]
    assert order == sorted(order), lines


def test_an_ecs_deploy_registers_new_images_migrates_and_rolls_out(tmp_path: Path) -> None:
    toolbox = _ecs_account(tmp_path)

    outcome = _deploy_aws(toolbox, tmp_path)

    assert outcome.code == 0, outcome.output
    assert "Deployed production: v2" in outcome.stdout
    docker = toolbox.calls()
    assert ["login", "--username", "AWS", "--password-stdin", REGISTRY] in docker
    assert ["push", f"{REGISTRY}/order-system-backend:v2"] in docker
    assert ["push", f"{REGISTRY}/order-system-frontend:v2"] in docker
    state = toolbox.load()
    for component, repository in (
        ("backend", "backend"),
        ("frontend", "frontend"),
        ("migrate", "backend"),
    ):
        revisions = state["definitions"][f"{ENV_PREFIX}-{component}"]
        assert len(revisions) == 2
        main, sidecar = revisions[1]["containerDefinitions"]
        assert main["image"] == f"{REGISTRY}/order-system-{repository}:v2"
        assert sidecar["image"].startswith("public.ecr.aws/")
        assert revisions[1]["cpu"] == "512"
    # What was registered is what register-task-definition accepts: no read-only fields.
    for call in _aws(toolbox, "ecs", "register-task-definition"):
        registered = json.loads(call[call.index("--cli-input-json") + 1])
        assert not {"taskDefinitionArn", "revision", "status", "registeredAt"} & set(registered)
    run_task = _aws(toolbox, "ecs", "run-task")[0]
    assert run_task[run_task.index("--task-definition") + 1] == f"{ARN}{ENV_PREFIX}-migrate:2"
    assert json.loads(run_task[run_task.index("--network-configuration") + 1]) == state["network"]
    calls = toolbox.all_calls()
    assert calls.index(["aws", *run_task]) < calls.index(
        ["aws", *_aws(toolbox, "ecs", "update-service")[0]]
    )
    assert state["services"] == {
        f"{ENV_PREFIX}-backend": f"{ARN}{ENV_PREFIX}-backend:2",
        f"{ENV_PREFIX}-frontend": f"{ARN}{ENV_PREFIX}-frontend:2",
    }


def test_an_ecs_deploy_that_does_not_stabilise_goes_back_to_the_previous_definitions(
    tmp_path: Path,
) -> None:
    toolbox = _ecs_account(tmp_path, stable=[255, 0])

    outcome = _deploy_aws(toolbox, tmp_path)

    assert outcome.code == 1, outcome.output
    assert "rolled back to the previous task definitions, which are stable" in outcome.stderr
    updates = [
        (call[call.index("--service") + 1], call[call.index("--task-definition") + 1])
        for call in _aws(toolbox, "ecs", "update-service")
    ]
    assert updates == [
        (f"{ENV_PREFIX}-backend", f"{ARN}{ENV_PREFIX}-backend:2"),
        (f"{ENV_PREFIX}-frontend", f"{ARN}{ENV_PREFIX}-frontend:2"),
        (f"{ENV_PREFIX}-backend", f"{ARN}{ENV_PREFIX}-backend:1"),
        (f"{ENV_PREFIX}-frontend", f"{ARN}{ENV_PREFIX}-frontend:1"),
    ]
    assert toolbox.load()["services"][f"{ENV_PREFIX}-backend"] == f"{ARN}{ENV_PREFIX}-backend:1"


def test_an_ecs_deploy_undone_by_the_circuit_breaker_is_not_reported_as_done(
    tmp_path: Path,
) -> None:
    # ECS rolled back by itself: the services are stable, on the old definitions.
    toolbox = _ecs_account(tmp_path, breaker=True)

    outcome = _deploy_aws(toolbox, tmp_path)

    assert outcome.code == 1, outcome.output
    assert "ECS rolled the deployment back" in outcome.stderr
    assert "Deployed" not in outcome.stdout


def test_failed_ecs_migrations_leave_the_services_alone(tmp_path: Path) -> None:
    toolbox = _ecs_account(tmp_path, migrate_exit_code=1)

    outcome = _deploy_aws(toolbox, tmp_path)

    assert outcome.code == 1, outcome.output
    assert "the migrations failed (exit code 1" in outcome.stderr
    assert _aws(toolbox, "ecs", "update-service") == []


def test_an_ecs_deploy_builds_on_the_newest_revision_terraform_registered(
    tmp_path: Path,
) -> None:
    toolbox = _ecs_account(tmp_path)
    family = f"{ENV_PREFIX}-backend"
    # `terraform apply` gave the backend more CPU since the service last rolled out.
    newer = copy.deepcopy(toolbox.state["definitions"][family][0])
    newer.update(taskDefinitionArn=f"{ARN}{family}:2", revision=2, cpu="1024")
    toolbox.state["definitions"][family].append(newer)
    toolbox.save()

    outcome = _deploy_aws(toolbox, tmp_path)

    assert outcome.code == 0, outcome.output
    released = toolbox.load()["definitions"][family][-1]
    assert (released["revision"], released["cpu"]) == (3, "1024")
    assert released["containerDefinitions"][0]["image"] == f"{REGISTRY}/order-system-backend:v2"
