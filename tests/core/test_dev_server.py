"""`make dev` end to end: the real dev runner, a local PostgreSQL, uvicorn, then Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from helpers import ME_URL, TOKEN_URL, bearer, free_port
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from app.core.config import Settings


def _wait_until_serving(base_url: str, runner: subprocess.Popen[str]) -> None:
    for attempt in Retrying(
        stop=stop_after_delay(60),
        wait=wait_fixed(0.25),
        retry=retry_if_exception_type(httpx.TransportError),
        reraise=True,
    ):
        with attempt:
            assert runner.poll() is None, "the dev runner exited early"
            httpx.get(f"{base_url}/api/health", timeout=2).raise_for_status()


def _start_dev_runner(working_dir: Path, port: int) -> subprocess.Popen[str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    environment.update(API_PORT=str(port), LOCAL_DATA_DIR=str(working_dir / "data"))
    return subprocess.Popen(
        [sys.executable, "-m", "devtools.dev"],
        cwd=working_dir,  # no `.env` here: the development defaults apply
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal gives `make dev`
    )


def _port_is_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_make_dev_serves_swagger_with_the_dev_login_and_ctrl_c_stops_everything(
    postgres_tmp_path: Path,
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    postgres_dir = postgres_tmp_path / "data" / "postgres"
    runner = _start_dev_runner(postgres_tmp_path, port)
    try:
        _wait_until_serving(base_url, runner)
        assert httpx.get(f"{base_url}/api/docs").status_code == 200
        token = httpx.post(
            f"{base_url}{TOKEN_URL}", data={"username": "superAdmin", "password": "admin123"}
        )
        assert token.status_code == 200
        me = httpx.get(f"{base_url}{ME_URL}", headers=bearer(token.json()["access_token"]))
        assert me.json()["role"] == "superadmin"
        assert (postgres_dir / "postmaster.pid").exists()

        # Ctrl-C in a terminal signals the whole foreground process group.
        os.killpg(runner.pid, signal.SIGINT)
        output, _ = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
    assert f"Swagger  {base_url}/api/docs  (Authorize: superAdmin / admin123)" in output
    assert "Stopped the API and the local PostgreSQL." in output
    assert not (postgres_dir / "postmaster.pid").exists()
    assert not _port_is_open(port)
