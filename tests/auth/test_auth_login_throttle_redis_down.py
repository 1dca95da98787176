"""Redis down under a running API: sign-ins keep working, counted in process with a warning,
and the shared count takes over again when Redis comes back."""

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from auth_support import fail_logins
from conftest import Serve, UserFactory
from helpers import RedisServer, assert_error, login, sign_in

from app.core import throttle


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _shared_keys(server: RedisServer) -> list[bytes]:
    with redis.Redis(host="127.0.0.1", port=server.port) as probe:
        return list(probe.scan_iter("*"))


async def test_redis_down_falls_back_to_per_process_counting_and_recovers(
    serve: Serve,
    make_user: UserFactory,
    redis_server: RedisServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Try Redis again at every sign-in instead of after a pause, so recovery shows at once.
    monkeypatch.setattr(throttle, "SHARED_RETRY_SECONDS", 0.0)
    username = (await make_user(username=f"outage_{secrets.token_hex(6)}")).username
    fresh = (await make_user(username=f"outage_{secrets.token_hex(6)}")).username
    async with serve(REDIS_URL=redis_server.url, LOG_FORMAT="json") as client:
        await fail_logins(client, username, 1)
        assert _shared_keys(redis_server), "the first failure was counted in Redis"

        redis_server.stop()
        # Sign-ins still answer, right or wrong, and the limit still holds, in process.
        assert (await login(client, username, "wrong-password")).status_code == 401
        await sign_in(client, username)
        await fail_logins(client, username, 5)
        assert_error(await login(client, username), 429, "too_many_login_attempts")
        warnings = [
            json.loads(line)
            for line in capsys.readouterr().err.splitlines()
            if "throttle_shared_storage_down" in line
        ]
        assert len(warnings) == 1
        assert warnings[0]["level"] == "warning"

        # The same process goes back to Redis once it answers again.
        redis_server.start()
        await fail_logins(client, fresh, 1)
        assert any(fresh.encode() in key for key in _shared_keys(redis_server))
        assert "throttle_shared_storage_back" in capsys.readouterr().err
