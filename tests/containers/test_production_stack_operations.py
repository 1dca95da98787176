"""The operator's scripts against the running production stack, on the real engine: deploy.sh
ships a release and rolls back one whose migrations fail and one that never gets healthy,
while the site keeps answering; cleanup.sh looks without changing anything, prunes what is
old and unused but never a volume, empties only oversized logs, and rotates nginx's file
logs, as root and as a member of the `docker` group who is not."""

import json
import re
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from container_fixtures import ProductionPorts, Stack
from engine_support import Engine
from nginx_support import wait_until
from production_support import backend_containers, client, steady_requests

DEPLOY = "cloud-deployment/scripts/deploy.sh"
CLEANUP = "cloud-deployment/scripts/cleanup.sh"
# What a dry run, and a prune with an age the planted things don't have, may not change.
TEST_LABEL = "org.order-system.test-operations"


def deploy(stack: Stack, ports: ProductionPorts) -> tuple[int, str]:
    """`deploy.sh docker production` as the operator runs it from the checkout, checking the
    site through nginx's published port."""
    result = stack.run(
        DEPLOY,
        "docker",
        "production",
        "--health-url",
        f"{ports.https_url}/health",
        "--health-retries",
        "20",
        "--health-interval",
        "3",
        check=False,
        timeout=1800,
    )
    return result.returncode, result.stdout + result.stderr


def image_of(engine: Engine, container: str) -> str:
    return str(engine.inspect(container)["Image"])


def service_image(stack: Stack) -> str:
    """The image `docker compose up` would start for the backend now."""
    reference = stack.engine.inspect(backend_containers(stack)[0])["Config"]["Image"]
    return str(json.loads(stack.engine.docker("image", "inspect", reference).stdout)[0]["Id"])


@pytest.fixture
def release(production_stack: Stack) -> Iterator[Path]:
    """The checkout's server code, to be changed into a new release and put back after."""
    server = production_stack.directory / "server"
    originals = {path: path.read_bytes() for path in server.rglob("*.py")}
    yield server
    for path in set(server.rglob("*.py")) - set(originals):
        path.unlink()
    for path, content in originals.items():
        path.write_bytes(content)


def test_deploy_sh_ships_a_release_with_a_backup_and_every_replica_replaced(
    production_stack: Stack, production_ports: ProductionPorts, release: Path
) -> None:
    production_stack.up("--scale", "backend=2", services={"backend": 2})
    before = set(backend_containers(production_stack))
    dumps = set((production_stack.directory / "backups").glob("*.dump"))
    marker = release / "app" / "__init__.py"
    marker.write_text(marker.read_text() + f"\n# release {uuid.uuid4().hex}\n")

    code, output = deploy(production_stack, production_ports)

    assert code == 0, output
    assert "Deployed production." in output
    after = set(backend_containers(production_stack))
    assert len(after) == 2, "the scale-out was not kept"
    assert not before & after
    assert set((production_stack.directory / "backups").glob("*.dump")) - dumps
    with client(production_ports) as session:
        assert session.get("/health").json()["status"] == "healthy"


def test_a_release_whose_migrations_fail_changes_nothing_that_runs(
    production_stack: Stack, production_ports: ProductionPorts, release: Path
) -> None:
    before = set(backend_containers(production_stack))
    running_image = image_of(production_stack.engine, next(iter(before)))
    versions = release / "app" / "alembic"
    head = ScriptDirectory(str(versions)).get_current_head()
    (versions / "versions" / "20991231_broken_release.py").write_text(
        textwrap.dedent(f'''\
            """A release whose migration fails halfway."""
            from alembic import op

            revision = "broken_release"
            down_revision = "{head}"


            def upgrade() -> None:
                op.execute("ALTER TABLE users ADD COLUMN nickname text")
                op.execute("SELECT no_such_column FROM users")
            ''')
    )

    with steady_requests(production_ports) as loop:
        code, output = deploy(production_stack, production_ports)

    assert code != 0, output
    assert "the migrations failed; the running version was not touched" in output
    assert set(backend_containers(production_stack)) == before
    # The next `docker compose up` starts what runs now, not the failed build.
    assert service_image(production_stack) == running_image
    answered = loop.after(0)
    assert len(answered) > 20
    assert set(answered) == {200}, answered


def test_a_release_that_never_gets_healthy_is_rolled_back_to_the_previous_images(
    production_stack: Stack, production_ports: ProductionPorts, release: Path
) -> None:
    running_image = image_of(production_stack.engine, backend_containers(production_stack)[0])
    main = release / "app" / "main.py"
    main.write_text(main.read_text() + '\nraise RuntimeError("a broken release")\n')

    code, output = deploy(production_stack, production_ports)

    assert code != 0, output
    assert "rolled back to the previous images, which are healthy" in output
    production_stack.wait_healthy()
    assert {image_of(production_stack.engine, c) for c in backend_containers(production_stack)} == {
        running_image
    }
    with client(production_ports) as session:
        assert session.get("/health").json()["status"] == "healthy"


# --- cleanup.sh ----------------------------------------------------------------------------


def engine_state(engine: Engine) -> dict[str, list[str]]:
    """Every container (with its state), image, network and volume the engine holds."""
    listings = {
        "containers": ["container", "ls", "--all", "--no-trunc", "--format", "{{.ID}} {{.State}}"],
        "images": ["image", "ls", "--all", "--no-trunc", "--quiet"],
        "networks": ["network", "ls", "--no-trunc", "--quiet"],
        "volumes": ["volume", "ls", "--quiet"],
    }
    return {
        kind: sorted(engine.docker(*command).stdout.split("\n"))
        for kind, command in listings.items()
    }


@pytest.fixture
def made(production_stack: Stack) -> Iterator[list[tuple[str, str]]]:
    """(kind, name) of what a test made on the engine, removed when it ends, also on failure."""
    things: list[tuple[str, str]] = []
    yield things
    for kind, name in reversed(things):
        production_stack.engine.docker(kind, "rm", "--force", name, check=False)


def containerfile(build: str, base: str = "docker.io/library/redis:7.4-alpine") -> str:
    return f"FROM {base}\nRUN echo {build} > /build\n"


def planted(engine: Engine, made: list[tuple[str, str]]) -> dict[str, str]:
    """What a prune should take: a stopped container, a dangling image, a network no container
    is on; and what it must keep: a volume with data, a stopped container labelled as deploy.sh
    labels its rollback holders, and the dangling image that container holds."""
    name = f"cleanup-{uuid.uuid4().hex[:8]}"
    label = f"{TEST_LABEL}={name}"
    engine.docker(
        "run", "--name", f"{name}-stopped", "--label", label,
        "--volume", f"{name}-data:/data",
        "docker.io/library/redis:7.4-alpine", "sh", "-c", "echo kept > /data/file",
    )  # fmt: skip

    def build(tag: str, containerfile_text: str) -> str:
        engine.docker("build", "--tag", tag, "--label", label, "-", input=containerfile_text)
        return engine.docker("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()

    # Tags built again, as releases are: the first release dangles but a container still holds
    # it, and an image built FROM it dangles unused. podman removes an image's dangling parents
    # with it, so pruning the second reaches the first, which must stay.
    release, child = f"{name}:latest", f"{name}-child:latest"
    held = build(release, containerfile("first"))
    engine.docker(
        "container", "create", "--name", f"{name}-keep", "--label", label,
        "--label", "order_system.keep=rollback", release,
    )  # fmt: skip
    image = build(child, containerfile("child", base=held))
    build(child, containerfile("second"))
    build(release, containerfile("third"))
    engine.docker("image", "rm", child, release)
    engine.docker("network", "create", "--label", label, f"{name}-net")
    things = {
        "container": f"{name}-stopped",
        "image": image,
        "held": held,
        "network": f"{name}-net",
        "volume": f"{name}-data",
        "kept": f"{name}-keep",
    }
    made.extend(
        [("volume", things["volume"]), ("image", held), ("image", image)]
        + [("network", things["network"])]
        + [("container", things[key]) for key in ("container", "kept")]
    )
    return things


def test_a_dry_run_lists_what_would_go_and_changes_nothing(
    production_stack: Stack, operator: str, made: list[tuple[str, str]]
) -> None:
    engine = production_stack.engine
    plant = planted(engine, made)
    before = engine_state(engine)
    for user in (None, operator):
        result = engine.run(CLEANUP, "--dry-run", cwd=production_stack.directory, user=user)
        assert engine_state(engine) == before
        out = result.stdout
        assert plant["container"] in out
        assert plant["image"].removeprefix("sha256:")[:12] in out
        assert plant["held"].removeprefix("sha256:")[:12] not in out
        assert plant["network"] in out
        assert "Dry run: nothing was changed." in out


def test_prune_takes_old_unused_things_but_never_a_volume(
    production_stack: Stack,
    production_ports: ProductionPorts,
    operator: str,
    made: list[tuple[str, str]],
) -> None:
    engine = production_stack.engine
    plant = planted(engine, made)
    before = engine_state(engine)
    stack = Stack(engine, production_stack.directory, production_stack.compose_file, user=operator)

    stack.run(CLEANUP, "--prune", "--days", "1")
    for kind in ("container", "image", "network", "volume"):
        assert engine.exists(kind, plant[kind]), f"a {kind} made today is not a day old"

    stack.run(CLEANUP, "--prune", "--days", "0")
    assert not engine.exists("container", plant["container"])
    assert not engine.exists("network", plant["network"])
    assert not engine.exists("image", plant["image"])
    assert set(engine_state(engine)["volumes"]) == set(before["volumes"])
    content = engine.docker(
        "run", "--rm", "--volume", f"{plant['volume']}:/data",
        "docker.io/library/redis:7.4-alpine", "cat", "/data/file",
    )  # fmt: skip
    assert content.stdout == "kept\n"
    assert engine.exists("container", plant["kept"])
    assert engine.exists("image", plant["held"])
    # What runs is not touched.
    production_stack.wait_healthy()
    with client(production_ports) as session:
        assert session.get("/health").json()["status"] == "healthy"


def test_only_oversized_logs_are_emptied_and_only_by_root(
    production_stack: Stack, operator: str, made: list[tuple[str, str]]
) -> None:
    engine = production_stack.engine
    chatty = f"cleanup-chatty-{uuid.uuid4().hex[:8]}"
    made.append(("container", chatty))
    engine.docker(
        "run", "--detach", "--name", chatty, "--label", f"{TEST_LABEL}={chatty}",
        "docker.io/library/redis:7.4-alpine",
        "sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x | fold -w 100; sleep 600",
    )  # fmt: skip
    chatty_log = Path(engine.inspect(chatty)["LogPath"])

    def chatty_has_written() -> None:
        assert chatty_log.stat().st_size > 300_000

    wait_until(chatty_has_written)
    limit = 200 * 1024
    others = {
        Path(engine.inspect(container)["LogPath"])
        for container in engine.docker("container", "ls", "--quiet").stdout.split()
    } - {chatty_log}
    small = {log: log.stat().st_size for log in others if log.stat().st_size <= limit}
    assert small, "no log under the limit to keep"

    refused = engine.run(
        CLEANUP, "--truncate-logs", "--max-size", "200K",
        cwd=production_stack.directory, user=operator, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    [line] = refused.stderr.strip().splitlines()
    assert "truncating container logs needs root" in line
    assert "sudo" in line
    assert chatty_log.stat().st_size > 300_000

    engine.run(CLEANUP, "--truncate-logs", "--max-size", "200K", cwd=production_stack.directory)
    assert chatty_log.stat().st_size == 0
    assert all(log.stat().st_size >= size for log, size in small.items())


def test_nginx_logs_in_files_are_rotated_and_reopened(
    production_stack: Stack, operator: str, made: list[tuple[str, str]]
) -> None:
    """nginx in the stacks logs to Docker (the official image links its logs to stdout), so
    cleanup.sh says there is nothing to rotate; one that writes files gets them rotated."""
    engine = production_stack.engine
    stack_nginx = engine.run(
        CLEANUP, "--rotate-nginx", "--container", "order_system_nginx_prod",
        cwd=production_stack.directory, user=operator,
    )  # fmt: skip
    assert "nothing to rotate" in stack_nginx.stdout

    name = f"cleanup-nginx-{uuid.uuid4().hex[:8]}"
    made.append(("container", name))
    # The official image with its log links replaced by files.
    engine.docker(
        "run", "--detach", "--name", name, "--label", f"{TEST_LABEL}={name}",
        "--entrypoint", "sh", "docker.io/library/nginx:1.30-alpine",
        "-c", "rm /var/log/nginx/*.log && exec nginx -g 'daemon off;'",
    )  # fmt: skip

    def request(path: str) -> None:
        engine.docker("exec", name, "curl", "-s", "-o", "/dev/null", f"http://127.0.0.1{path}")

    def access_log(suffix: str = "") -> str:
        return engine.docker("exec", name, "cat", f"/var/log/nginx/access.log{suffix}").stdout

    def served(path: str) -> None:
        request(path)
        assert path in access_log()

    # From when nginx listens.
    wait_until(lambda: served("/before-rotation"), interval=1)

    result = engine.run(
        CLEANUP, "--rotate-nginx", "--container", name,
        cwd=production_stack.directory, user=operator,
    )  # fmt: skip
    assert re.search(r"access\.log -> \S*access\.log\.1", result.stdout), result.stdout
    assert "nginx reopened its logs" in result.stdout

    wait_until(lambda: served("/after-rotation"), interval=1)
    assert "/before-rotation" not in access_log()
    assert "/before-rotation" in access_log(".1")
    assert "/after-rotation" not in access_log(".1")


def test_an_operator_resets_a_password_with_order_system_inside_the_backend(
    production_stack: Stack, production_ports: ProductionPorts
) -> None:
    """docs/operations.md's maintenance command, as written there: `order-system` in the image, on
    the database the container's settings name, ending the account's sessions."""
    username = f"ops{uuid.uuid4().hex[:8]}"
    old_password, new_password = "Old-password-1", "New-password-2"
    with client(production_ports) as session:
        registered = session.post(
            "/api/auth/register",
            json={
                "username": username,
                "email": f"{username}@example.com",
                "password": old_password,
            },
        )
        assert registered.status_code == 201, registered.text
        signed_in = session.post(
            "/api/auth/login", json={"username": username, "password": old_password}
        )
        assert signed_in.status_code == 200, signed_in.text
        refresh_token = signed_in.json()["refresh_token"]

        reset = production_stack.compose(
            "exec", "-T", "backend", "order-system", "set-password", username, "--password-stdin",
            input=f"{new_password}\n",
        )  # fmt: skip

        assert new_password not in reset.stdout + reset.stderr
        for password, status in ((old_password, 401), (new_password, 200)):
            answer = session.post(
                "/api/auth/login", json={"username": username, "password": password}
            )
            assert answer.status_code == status, answer.text
        refreshed = session.post("/api/auth/refresh", json={"refresh_token": refresh_token})
        assert refreshed.status_code == 401, refreshed.text
