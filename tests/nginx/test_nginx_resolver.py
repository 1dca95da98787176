"""How nginx finds the API and the SPA: by name, through the container engine's DNS, when a
request comes (server-common.conf puts `backend:8000` and `frontend:3000` in variables), with
the resolver nginx/docker-entrypoint.d/15-resolver.sh writes into conf.d when the container
starts. So nginx starts before the upstreams exist, and sees a redeployed container's new
address and the replicas of `--scale` without a reload.

The script runs as nginx:alpine runs it, under BusyBox, with its two paths moved into a
temporary directory; nginx runs the rendered config with a stand-in for the engine's DNS.
"""

import os
import re
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from helpers import async_retrying, free_port
from nginx_support import (
    REPO_ROOT,
    RESOLVER_SCRIPT,
    STARTUP_LIMIT_SECONDS,
    Dns,
    Frontend,
    Proxy,
    Variant,
    assert_security_headers,
    check_config,
    nginx_command,
    render,
    run_resolver_script,
    running_nginx,
    self_signed_certificate,
    stand_in_dns,
    stand_in_frontend,
)

SHELLCHECK = REPO_ROOT / ".venv-tools" / "bin" / "shellcheck"
# /etc/resolv.conf as each engine writes it, and the server the script must pick: Docker's
# embedded DNS; podman's aardvark-dns on each network of the container, then the host's
# servers, which know no container; an IPv6 server, which nginx wants in brackets.
RESOLV_CONFS = {
    "docker": ("nameserver 127.0.0.11\noptions ndots:0\n", "127.0.0.11"),
    "podman": (
        "search dns.podman\nnameserver 10.89.0.1\nnameserver 10.89.1.1\nnameserver 192.0.2.53\n",
        "10.89.0.1",
    ),
    "ipv6": ("# written by the engine\nnameserver fd00::53\nnameserver 10.0.0.53\n", "[fd00::53]"),
}
# Loopback addresses for the stand-ins of one service's replicas, all on one port as
# containers are.
REPLICA_HOSTS = ("127.0.0.6", "127.0.0.7")


def resolver_conf(work: Path) -> Path:
    return work / "conf.d" / "resolver.conf"


# --- The script ----------------------------------------------------------------------------------


def test_the_resolver_script_is_executable_and_shellcheck_clean() -> None:
    # nginx:alpine's entrypoint runs only the executable scripts of /docker-entrypoint.d.
    assert os.access(RESOLVER_SCRIPT, os.X_OK)
    assert RESOLVER_SCRIPT.read_text().startswith("#!/bin/sh\n")
    assert SHELLCHECK.is_file(), f"{SHELLCHECK} is missing: run `make test` to install it"
    result = subprocess.run(
        [SHELLCHECK, "--shell=sh", "--severity=style", RESOLVER_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("resolv_conf", "server"), RESOLV_CONFS.values(), ids=RESOLV_CONFS)
def test_the_resolver_script_takes_the_first_nameserver(
    tmp_path: Path, resolv_conf: str, server: str
) -> None:
    # nginx would ask every server it is given in turn, the host's too, which answer that
    # `backend` does not exist: only the engine's, the first, may be asked.
    result = run_resolver_script(tmp_path, resolv_conf)
    assert result.returncode == 0, result.stderr
    assert resolver_conf(tmp_path).read_text() == (
        f"resolver {server} valid=5s ipv6=off;\nresolver_timeout 10s;\n"
    )


@pytest.mark.parametrize("resolv_conf", ["", "# nameserver 10.0.0.1\nsearch example\n"])
def test_the_resolver_script_stops_the_start_without_a_nameserver(
    tmp_path: Path, resolv_conf: str
) -> None:
    result = run_resolver_script(tmp_path, resolv_conf)
    assert result.returncode != 0
    assert "no nameserver" in result.stderr, result.stderr
    assert not resolver_conf(tmp_path).exists()


@pytest.mark.parametrize("variant", ["dev", "production"])
def test_nginx_loads_the_resolver_beside_the_site_config(variant: Variant, tmp_path: Path) -> None:
    listen = {80: free_port()} if variant == "dev" else {80: free_port(), 443: free_port()}
    top = render(
        variant,
        tmp_path,
        backend_port=8000,
        frontend_port=3000,
        listen=listen,
        backend_host="backend",
        frontend_host="frontend",
    )
    if variant == "production":
        self_signed_certificate(tmp_path / "ssl")
    assert run_resolver_script(tmp_path, RESOLV_CONFS["docker"][0]).returncode == 0
    check_config(top)
    dumped = subprocess.run(
        nginx_command(top, "-T"), capture_output=True, text=True, timeout=60, check=False
    )
    assert dumped.returncode == 0, dumped.stderr
    # Once, at http level, beside the site: the project's files set no resolver of their own.
    directives = re.findall(r"(?m)^\s*resolver\s+[^;]*;", dumped.stdout)
    assert directives == ["resolver 127.0.0.11 valid=5s ipv6=off;"]
    assert re.search(r"set \$api_upstream\s+backend:8000;", dumped.stdout)
    assert re.search(r"set \$frontend_upstream\s+frontend:3000;", dumped.stdout)


# --- nginx asking the engine's DNS ---------------------------------------------------------------


@pytest.fixture
def engine_dns() -> Iterator[Dns]:
    with stand_in_dns() as server:
        yield server


def serve_by_name(
    work: Path, engine_dns: Dns, *, backend_port: int, frontend_port: int
) -> tuple[Path, int]:
    """The development config with the upstreams under their names, on these ports, and the
    resolver the script writes for an engine whose DNS is the stand-in (its port added).
    Returns the top-level file and the port nginx listens on."""
    port = free_port()
    top = render(
        "dev",
        work,
        backend_port=backend_port,
        frontend_port=frontend_port,
        listen={80: port},
        backend_host="backend",
        frontend_host="frontend",
    )
    assert run_resolver_script(work, "nameserver 127.0.0.1\n").returncode == 0
    written = resolver_conf(work).read_text()
    assert written.startswith("resolver 127.0.0.1 "), written
    resolver_conf(work).write_text(
        written.replace("resolver 127.0.0.1 ", f"resolver 127.0.0.1:{engine_dns.port} ", 1)
    )
    return top, port


async def eventually(check: Callable[[], Awaitable[None]]) -> None:
    """Awaits `check` until it passes: nginx keeps an answer (found or not) for `valid=5s`."""
    async for attempt in async_retrying(STARTUP_LIMIT_SECONDS, interval=0.2):
        with attempt:
            await check()


async def test_nginx_starts_before_the_upstreams_exist_and_finds_them_when_they_do(
    tmp_path: Path, engine_dns: Dns
) -> None:
    site = tmp_path / "api-site"
    with stand_in_frontend(site) as api:
        (site / "api").mkdir()
        (site / "api" / "health").write_text('{"status": "healthy"}')
        top, port = serve_by_name(
            tmp_path / "nginx", engine_dns, backend_port=api.port, frontend_port=free_port()
        )
        # No name resolves yet: an nginx that resolved them at start would not start at all.
        with running_nginx(top, [port]):
            proxy = Proxy("dev", top.parent, port)
            async with proxy.client() as client:
                down = await client.get("/api/health")
                assert down.status_code == 502
                assert down.json()["code"] == "api_unavailable"
                assert_security_headers(down, proxy)
                assert "backend" in engine_dns.asked, "nginx did not ask the engine's DNS"

                engine_dns.answer("backend", "127.0.0.1")

                async def reaches_the_api() -> None:
                    response = await client.get("/api/health")
                    assert response.status_code == 200, response.text
                    assert response.json() == {"status": "healthy"}

                await eventually(reaches_the_api)


@contextmanager
def replicas(site: Path) -> Iterator[tuple[Frontend, Frontend]]:
    """Two stand-in frontends at the two REPLICA_HOSTS, on one port as containers are."""
    for _ in range(20):
        with ExitStack() as stack:
            first = stack.enter_context(stand_in_frontend(site / "1", host=REPLICA_HOSTS[0]))
            try:
                second = stack.enter_context(
                    stand_in_frontend(site / "2", host=REPLICA_HOSTS[1], port=first.port)
                )
            except OSError:
                continue  # that port is taken on the second address: try another
            yield first, second
            return
    raise AssertionError("no port is free on both replica addresses")


async def test_nginx_spreads_requests_over_the_replicas_it_learns_of_without_a_reload(
    tmp_path: Path, engine_dns: Dns
) -> None:
    with replicas(tmp_path / "site") as (first, second):
        top, port = serve_by_name(
            tmp_path / "nginx", engine_dns, backend_port=free_port(), frontend_port=first.port
        )
        engine_dns.answer("frontend", REPLICA_HOSTS[0])
        with running_nginx(top, [port]):
            proxy = Proxy("dev", top.parent, port)
            async with proxy.client() as client:
                response = await client.get("/echo/one")
                assert response.status_code == 200
                assert [request.target for request in first.received] == ["/echo/one"]

                # `--scale frontend=2`: the name has two addresses now.
                engine_dns.answer("frontend", *REPLICA_HOSTS)

                async def reaches_both() -> None:
                    response = await client.get("/echo/spread")
                    assert response.status_code == 200
                    assert second.received, "the new replica got no request yet"
                    assert "/echo/spread" in [request.target for request in first.received]

                await eventually(reaches_both)
        assert {request.target for request in second.received} == {"/echo/spread"}
