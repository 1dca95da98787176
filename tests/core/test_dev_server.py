"""`make dev` and `make api` end to end: the real dev runner, a local PostgreSQL, uvicorn, the
SPA's Next.js dev server, its mail catcher, then Ctrl-C."""

import email
import email.policy
import re
import socket
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from dev_support import ctrl_c, dev_runner, wait_until_ok
from helpers import ME_URL, TOKEN_URL, bearer, free_port, retrying
from jose import jwt

# The sender's first look for due mail comes within EMAIL_POLL_INTERVAL_SECONDS (5).
MAIL_WITHIN_SECONDS = 60


def _port_is_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_make_api_serves_swagger_with_the_dev_login_and_ctrl_c_stops_everything(
    postgres_tmp_path: Path,
) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    postgres_dir = postgres_tmp_path / "data" / "postgres"
    with dev_runner(postgres_tmp_path, API_PORT=port, DEV_MAIL_PORT=free_port()) as runner:
        wait_until_ok(f"{base_url}/api/health", runner)
        assert httpx.get(f"{base_url}/api/docs").status_code == 200
        token = httpx.post(
            f"{base_url}{TOKEN_URL}", data={"username": "superAdmin", "password": "admin123"}
        )
        assert token.status_code == 200
        me = httpx.get(f"{base_url}{ME_URL}", headers=bearer(token.json()["access_token"]))
        assert me.json()["role"] == "superadmin"
        # Without SECRET_KEY, the API signs with the key made up and kept under the data
        # directory, so tokens survive a restart and every worker accepts them.
        kept_key = postgres_tmp_path / "data" / "secret_key"
        assert kept_key.stat().st_mode & 0o777 == 0o600
        jwt.decode(token.json()["access_token"], kept_key.read_text(), algorithms=["HS256"])
        assert (postgres_dir / "postmaster.pid").exists()
        output = ctrl_c(runner)
    dev_login = "superAdmin / admin123, the development login that production refuses"
    assert f"Swagger  {base_url}/api/docs  (Authorize: {dev_login})" in output
    assert "App " not in output
    assert "Stopped everything, the local PostgreSQL included." in output
    assert not (postgres_dir / "postmaster.pid").exists()
    assert not _port_is_open(port)


def _only_mail(mail_dir: Path) -> EmailMessage:
    [path] = mail_dir.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_make_dev_serves_the_spa_which_forwards_api_calls_and_ctrl_c_stops_everything(
    postgres_tmp_path: Path,
) -> None:
    api_port, front_port, mail_port = free_port(), free_port(), free_port()
    app_url = f"http://127.0.0.1:{front_port}"
    mail_dir = postgres_tmp_path / "data" / "mail"
    with dev_runner(
        postgres_tmp_path,
        "--front",
        API_PORT=api_port,
        FRONT_PORT=front_port,
        DEV_MAIL_PORT=mail_port,
    ) as runner:
        page = wait_until_ok(f"{app_url}/login", runner)
        assert page.headers["content-type"].startswith("text/html")
        assert "<html" in page.text
        # The browser only ever calls its own origin; the dev server forwards /api.
        token = httpx.post(
            f"{app_url}{TOKEN_URL}",
            data={"username": "superAdmin", "password": "admin123"},
            timeout=30,
        )
        assert token.status_code == 200, token.text

        # A password reset, with no mail server configured, lands in the catcher's directory
        # with a link to this SPA that resets the password.
        reset = httpx.post(
            f"{app_url}/api/auth/password-reset",
            json={"email": "superadmin@example.com"},
            timeout=30,
        )
        assert reset.status_code == 202, reset.text
        for attempt in retrying(MAIL_WITHIN_SECONDS, interval=0.5, on=(AssertionError, ValueError)):
            with attempt:
                message = _only_mail(mail_dir)
        assert message["To"] == "superadmin@example.com"
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        link = re.search(rf"{re.escape(app_url)}/reset-password\?\S+", body.get_content())
        assert link, body.get_content()
        [reset_token] = parse_qs(urlsplit(link.group()).query)["token"]
        confirmed = httpx.post(
            f"{app_url}/api/auth/password-reset/confirm",
            json={"token": reset_token, "new_password": "reset-under-make-dev"},
            timeout=30,
        )
        assert confirmed.status_code == 204, confirmed.text
        signed_in = httpx.post(
            f"{app_url}{TOKEN_URL}",
            data={"username": "superAdmin", "password": "reset-under-make-dev"},
            timeout=30,
        )
        assert signed_in.status_code == 200, signed_in.text
        output = ctrl_c(runner)
    dev_login = "superAdmin / admin123, the development login that production refuses"
    assert f"App      {app_url}  (sign in: {dev_login})" in output
    assert f"Mail     caught in {mail_dir}/, one .eml file each" in output
    assert "Stopped everything, the local PostgreSQL included." in output
    assert not _port_is_open(api_port)
    assert not _port_is_open(front_port)
