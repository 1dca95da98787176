"""The API's sweeper deletes refresh tokens that ended (expired or revoked) on its schedule,
and keeps those that still guard against a stolen copy."""

from auth_support import token_digest
from conftest import MakeSettings
from helpers import (
    LOGOUT_URL,
    assert_unauthorized,
    async_retrying,
    open_live_shop,
    refresh,
    sign_in,
)
from sqlalchemy import select, update

from app.refresh_tokens.models import RefreshToken

# Far beyond what a sweep takes; only a broken sweeper makes a test wait this long.
WAIT_SECONDS = 60.0


async def test_the_apps_sweeper_deletes_ended_refresh_tokens_and_keeps_rotated_ones(
    make_live_settings: MakeSettings,
) -> None:
    settings = make_live_settings(ORDER_SWEEP_INTERVAL_SECONDS=0.2)
    async with open_live_shop(settings) as shop:
        client = shop.client
        rotated = await sign_in(client, "live1")
        logged_out = (await refresh(client, rotated["refresh_token"])).json()["refresh_token"]
        logout = await client.post(LOGOUT_URL, json={"refresh_token": logged_out})
        assert logout.status_code == 204
        expired = await sign_in(client, "live1")
        live = await sign_in(client, "live1")
        async with shop.sessions() as session, session.begin():
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.token_hash == token_digest(expired["refresh_token"]))
                .values(expires_at=RefreshToken.created_at)
            )

        kept = {token_digest(pair["refresh_token"]) for pair in (rotated, live)}
        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                async with shop.sessions() as session:
                    left = set(await session.scalars(select(RefreshToken.token_hash)))
                assert left == kept, "the sweeper never deleted the ended tokens"

        # The rotated token still reveals a stolen copy.
        reused = await refresh(client, rotated["refresh_token"])
        assert_unauthorized(reused, "refresh_token_reused")
