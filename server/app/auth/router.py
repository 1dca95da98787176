from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Form, Header, Response, status

from app.auth import password_reset, service
from app.auth.exceptions import (
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetToken,
    RefreshTokenMissing,
    RefreshTokenReused,
    RegistrationClosed,
    TooManyLoginAttempts,
    TooManyPasswordResets,
    TooManyRegistrations,
)
from app.auth.schemas import (
    AccessToken,
    LoginRequest,
    PasswordForm,
    PasswordResetConfirm,
    PasswordResetRequest,
    PasswordResetRequested,
    RefreshRequest,
    TokenPair,
)
from app.core.config import Settings
from app.core.dependencies import ClientAddressDep, SessionDep, SettingsDep, ThrottleDep
from app.core.error_docs import errors
from app.core.errors import RateLimited
from app.core.locales import preferred_locale
from app.core.routing import ApiRoute
from app.users import service as users_service
from app.users.callers import Caller
from app.users.exceptions import EmailTaken, UsernameTaken
from app.users.schemas import UserPublic, UserRegister

router = APIRouter(prefix="/api/auth", tags=["auth"], route_class=ApiRoute)

REFRESH_COOKIE = "refresh_token"
REFRESH_COOKIE_PATH = "/api/auth"


def _set_refresh_cookie(response: Response, token: str, settings: Settings) -> None:
    """The SPA never touches the refresh token: the browser keeps it in an httpOnly cookie."""
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=settings.REFRESH_TOKEN_EXPIRE_DAYS * 24 * 3600,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.is_production,
        samesite="strict",
    )


def _never_cached(response: Response) -> None:
    # Token responses stay out of every cache, the browser's included (RFC 6749 5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def _deliver(
    pair: TokenPair, response: Response, settings: Settings, *, cookie: bool
) -> TokenPair | AccessToken:
    """Tokens as the session asked: a browser's refresh token in the cookie and never in the
    body; an API client's in the body, and no cookie."""
    _never_cached(response)
    if not cookie:
        return pair
    _set_refresh_cookie(response, pair.refresh_token, settings)
    return pair.without_refresh_token()


class SignIn:
    """Everything a sign-in needs from the request, gathered once for both login routes."""

    def __init__(
        self,
        response: Response,
        session: SessionDep,
        settings: SettingsDep,
        throttle: ThrottleDep,
        client_address: ClientAddressDep,
    ) -> None:
        self.response = response
        self.session = session
        self.settings = settings
        self.throttle = throttle
        self.client_address = client_address

    async def __call__(self, username: str, password: str) -> TokenPair:
        return await service.login(
            self.session,
            username=username,
            password=password,
            client_ip=self.client_address,
            throttle=self.throttle,
            settings=self.settings,
        )


# nginx rate-limits every /api/auth/ route (`rate_limited`) besides the API's own throttles.
_SIGN_IN_ERRORS = (InvalidCredentials, TooManyLoginAttempts, RateLimited)

SignInDep = Annotated[SignIn, Depends()]
RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)]


@router.post("/login", responses=errors(*_SIGN_IN_ERRORS))
async def login(credentials: LoginRequest, sign_in: SignInDep) -> TokenPair | AccessToken:
    """Sign in with a username and password. API clients get both tokens in the body; a
    browser asks for `refresh_cookie` and gets its refresh token as an httpOnly cookie."""
    pair = await sign_in(credentials.username, credentials.password)
    return _deliver(pair, sign_in.response, sign_in.settings, cookie=credentials.refresh_cookie)


@router.post("/token", responses=errors(*_SIGN_IN_ERRORS))
async def login_with_form(form: Annotated[PasswordForm, Form()], sign_in: SignInDep) -> TokenPair:
    """The OAuth2 password flow, for Swagger's Authorize button and OAuth2 clients. It never
    sets the cookie: a form any site can post must not sign a browser into someone's account."""
    pair = await sign_in(form.username, form.password)
    _never_cached(sign_in.response)
    return pair


@router.post(
    "/refresh",
    responses=errors(RefreshTokenMissing, InvalidRefreshToken, RefreshTokenReused, RateLimited),
)
async def refresh_tokens(
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    cookie: RefreshCookie = None,
    body: RefreshRequest | None = None,
) -> TokenPair | AccessToken:
    """Trade a refresh token for a new pair; the old one dies. A token from the body comes
    back in the body; one from the cookie, in the cookie only."""
    presented = body.refresh_token if body else None
    from_cookie = not presented
    presented = presented or cookie
    if not presented:
        raise RefreshTokenMissing
    pair = await service.refresh(session, presented=presented, settings=settings)
    return _deliver(pair, response, settings, cookie=from_cookie)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(RefreshTokenMissing, RateLimited),
)
async def logout(
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    cookie: RefreshCookie = None,
    body: RefreshRequest | None = None,
) -> None:
    """Revoke the refresh token (body or cookie) and clear the cookie. A token that was
    already rotated ends its whole family, as its reuse at a refresh would."""
    presented = (body.refresh_token if body else None) or cookie
    if not presented:
        raise RefreshTokenMissing
    await service.logout(session, presented=presented)
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.is_production,
        samesite="strict",
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=errors(
        RegistrationClosed, UsernameTaken, EmailTaken, TooManyRegistrations, RateLimited
    ),
)
async def register(
    data: UserRegister,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    client_address: ClientAddressDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> UserPublic:
    """Create an account with the `user` role, when registration is open; a few an hour
    per client address. Its `locale` is the language `Accept-Language` prefers when the
    body names none."""
    user = await service.register(
        session,
        data.model_copy(update={"locale": data.locale or preferred_locale(accept_language)}),
        client_ip=client_address,
        throttle=throttle,
        settings=settings,
    )
    return UserPublic.of(
        user,
        permissions=users_service.permissions(
            actor=Caller.of(user), target=user, settings=settings
        ),
    )


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(TooManyPasswordResets, RateLimited),
)
async def request_password_reset(
    data: PasswordResetRequest,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    client_address: ClientAddressDep,
) -> PasswordResetRequested:
    """Mail a link to reset the password of the active account with this address, in the
    account's language (`locale`). The answer is the same whether or not such an account
    exists; a few requests an hour per client and per address."""
    await password_reset.request_reset(
        session,
        email=data.email,
        client_ip=client_address,
        throttle=throttle,
        settings=settings,
    )
    return PasswordResetRequested()


@router.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(InvalidResetToken, RateLimited),
)
async def confirm_password_reset(data: PasswordResetConfirm, session: SessionDep) -> None:
    """Set a new password with the token of a reset mail; the token is used up, and every
    session of the account ends (sign in again)."""
    await password_reset.confirm_reset(session, token=data.token, new_password=data.new_password)
