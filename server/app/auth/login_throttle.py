"""Sign-in attempts, limited per username and client address, per address, and per username.

A failure from one address must never lock the right password out from another: the tight
limit is per username *and* address; across addresses a username has a much higher ceiling,
which only many addresses together can reach. The address's own limit counts failures only
(a success hands its reservation back), so an office behind one address signs in freely.
"""

from limits import parse

from app.auth.exceptions import TooManyLoginAttempts
from app.core.schemas import canonical_username
from app.core.throttle import Limit, LimitName, Throttle

ATTEMPTS_PER_USERNAME_AND_ADDRESS = parse("5 per 15 minutes")
# A fixed window, which can hand a success's reservation back; its 20 per 15 minutes may
# come as 40 around the turn of a window, a price for exact refunds.
FAILURES_PER_ADDRESS = parse("20 per 15 minutes")
ATTEMPTS_PER_USERNAME = parse("50 per 15 minutes")
NAMESPACE = LimitName.SIGN_IN


def _username_limits(username: str, ip: str) -> tuple[Limit, Limit]:
    user = f"user:{canonical_username(username)}"
    return (ATTEMPTS_PER_USERNAME_AND_ADDRESS, f"{user}|ip:{ip}"), (ATTEMPTS_PER_USERNAME, user)


def _address_limit(ip: str) -> Limit:
    return FAILURES_PER_ADDRESS, f"ip:{ip}"


async def reserve_attempt(throttle: Throttle, *, username: str, ip: str) -> None:
    """Count this sign-in before its password is checked; 429 once a limit is reached.

    The narrowest budget goes first: an address throttled for a username uses none of the
    address's budget, nor of the username's ceiling that every other address shares.
    """
    per_address, per_username = _username_limits(username, ip)
    address = _address_limit(ip)
    retry_after = await throttle.reserve(NAMESPACE, [per_address])
    if retry_after is None:
        retry_after = await throttle.reserve_refundable(NAMESPACE, address)
    if retry_after is None:
        retry_after = await throttle.reserve(NAMESPACE, [per_username])
        if retry_after is not None:
            await throttle.refund(NAMESPACE, address)
    if retry_after is not None:
        raise TooManyLoginAttempts(retry_after=retry_after)


async def forget_failures(throttle: Throttle, *, username: str, ip: str) -> None:
    """A successful sign-in clears the username's counts and hands back its reservation of
    the address's budget: only failures count there, yet signing in to one's own account
    clears none of them, so it buys no guesses at others."""
    await throttle.forget(NAMESPACE, _username_limits(username, ip))
    await throttle.refund(NAMESPACE, _address_limit(ip))
