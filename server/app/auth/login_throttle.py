"""Sign-in attempts, limited per username and client address, per address, and per username.

A failure from one address must never lock the right password out from another: the tight
limit is per username *and* address; across addresses a username has a much higher ceiling,
which only many addresses together can reach.
"""

from limits import parse

from app.auth.exceptions import TooManyLoginAttempts
from app.core.schemas import canonical_username
from app.core.throttle import Limit, Throttle

ATTEMPTS_PER_USERNAME_AND_ADDRESS = parse("5 per 15 minutes")
ATTEMPTS_PER_ADDRESS = parse("20 per 15 minutes")
ATTEMPTS_PER_USERNAME = parse("50 per 15 minutes")
NAMESPACE = "login"


def _username_limits(username: str, ip: str) -> list[Limit]:
    user = f"user:{canonical_username(username)}"
    return [(ATTEMPTS_PER_USERNAME_AND_ADDRESS, f"{user}|ip:{ip}"), (ATTEMPTS_PER_USERNAME, user)]


async def reserve_attempt(throttle: Throttle, *, username: str, ip: str) -> None:
    """Count this sign-in before its password is checked; 429 once a limit is reached.

    The narrowest budget goes first (see `Throttle.reserve`): an address throttled for a
    username doesn't use up the username's ceiling that every other address shares.
    """
    per_address, per_username = _username_limits(username, ip)
    retry_after = await throttle.reserve(
        NAMESPACE, [per_address, (ATTEMPTS_PER_ADDRESS, f"ip:{ip}"), per_username]
    )
    if retry_after is not None:
        raise TooManyLoginAttempts(retry_after=retry_after)


async def forget_failures(throttle: Throttle, *, username: str, ip: str) -> None:
    """A successful sign-in clears the username's counts; the address's stay, successes
    included, so signing in to one's own account buys no guesses at others."""
    await throttle.forget(NAMESPACE, _username_limits(username, ip))
