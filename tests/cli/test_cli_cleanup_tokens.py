"""`order-system cleanup-tokens`: refresh tokens that can never be traded again go, the others
stay."""

import pytest
from cli_support import create_admin, fetch, migrated, run_ok
from sqlalchemy.engine import URL

# Each token's hash names its state; `used_at` and `revoked_at` are set or not, `expires_at`
# is in the past or future.
TOKENS = {
    "live": ("NULL", "NULL", "now() + interval '1 day'"),
    # Kept: presenting a rotated token again is how a stolen copy is detected.
    "rotated": ("now()", "NULL", "now() + interval '1 day'"),
    "expired": ("NULL", "NULL", "now() - interval '1 second'"),
    "revoked": ("NULL", "now()", "now() + interval '1 day'"),
    "rotated-then-expired": ("now()", "NULL", "now() - interval '1 day'"),
}


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    url = migrated(scratch_database_url)
    create_admin(url)
    for name, (used_at, revoked_at, expires_at) in TOKENS.items():
        fetch(
            url,
            "INSERT INTO refresh_tokens "
            "(user_id, family_id, token_hash, expires_at, family_expires_at, used_at, revoked_at) "
            f"SELECT min(id), gen_random_uuid(), :name, {expires_at}, now() + interval '30 days', "
            f"{used_at}, {revoked_at} FROM users",
            name=name,
        )
    return url


def _tokens(url: URL) -> set[str]:
    return {row.token_hash for row in fetch(url, "SELECT token_hash FROM refresh_tokens")}


def test_cleanup_tokens_deletes_the_expired_and_revoked_and_says_how_many(database: URL) -> None:
    output = run_ok(database, "cleanup-tokens", "--batch-size", "2")
    assert output == "Deleted 3 expired or revoked refresh tokens.\n"
    assert _tokens(database) == {"live", "rotated"}

    assert run_ok(database, "cleanup-tokens") == "Deleted 0 expired or revoked refresh tokens.\n"
    assert _tokens(database) == {"live", "rotated"}
