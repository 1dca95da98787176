"""The nginx configs as files: nginx accepts them as the nginx:alpine image would load them,
they fail safe when the upstreams are down, and the certificates they read stay out of git.
"""

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port
from nginx_support import (
    REPO_ROOT,
    Proxy,
    Variant,
    assert_security_headers,
    check_config,
    render,
    require_tool,
    running_proxy,
    self_signed_certificate,
)

from app.core.errors import PROXY_ERRORS

# nginx >= 1.25.1 prefers `http2 on;` to `listen ... http2`, which the older nginx the tests
# run (Debian 12's 1.22) needs; the warning is the price of one file for both.
ACCEPTED_WARNINGS = re.compile(r'the "listen \.\.\. http2" directive is deprecated')


@pytest.mark.parametrize("variant", ["dev", "production"])
def test_nginx_accepts_the_config_without_warnings(variant: Variant, tmp_path: Path) -> None:
    listen = {80: free_port()} if variant == "dev" else {80: free_port(), 443: free_port()}
    top = render(
        variant, tmp_path, backend_port=free_port(), frontend_port=free_port(), listen=listen
    )
    if variant == "production":
        self_signed_certificate(tmp_path / "ssl")
    output = check_config(top)
    complaints = [
        line
        for line in output.splitlines()
        if re.search(r"\[(warn|emerg|alert|crit|error)\]", line)
        and not ACCEPTED_WARNINGS.search(line)
    ]
    assert complaints == []


@pytest.fixture
def dev_proxy_alone(tmp_path: Path) -> Iterator[Proxy]:
    """The development config with nothing behind it."""
    with running_proxy(
        "dev", tmp_path, backend_port=free_port(), frontend_port=free_port()
    ) as proxy:
        yield proxy


async def test_nginx_answers_for_upstreams_that_are_down(dev_proxy_alone: Proxy) -> None:
    async with dev_proxy_alone.client() as client:
        api = await client.get("/api/health")
        page = await client.get("/")
    assert api.status_code == 502
    assert api.headers["Content-Type"] == "application/json"
    assert api.json() == {
        "detail": "The API is unavailable, try again shortly",
        "code": "api_unavailable",
    }
    assert page.status_code == 502
    for response in (api, page):
        assert_security_headers(response, dev_proxy_alone)


def test_certificates_and_keys_stay_out_of_git() -> None:
    git = require_tool("git")

    def ignored(path: str) -> bool:
        result = subprocess.run(
            [git, "check-ignore", "--quiet", "--no-index", path],
            cwd=REPO_ROOT,
            capture_output=True,
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        return result.returncode == 0

    for secret in ("fullchain.pem", "privkey.pem", "example.com.key", "dhparam.pem"):
        assert ignored(f"nginx/ssl/{secret}"), secret
    assert not ignored("nginx/ssl/README.md")
    assert not ignored("nginx/ssl/.gitignore")


def test_nginx_answers_its_errors_with_the_bodies_the_api_declares() -> None:
    config = (REPO_ROOT / "nginx" / "snippets" / "server-common.conf").read_text()
    answered = {
        int(status): json.loads(body)
        for status, body in re.findall(r"return (\d{3}) '(\{.*\})\\n';", config)
    }
    declared = {int(error.status_code): error().content() for error in PROXY_ERRORS}
    assert answered == declared
