from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Form, Request, Response, status

from app.auth import service
from app.auth.dependencies import LoginThrottleDep
from app.auth.exceptions import RefreshTokenMissing
from app.auth.schemas import LoginRequest, PasswordForm, RefreshRequest, TokenPair
from app.core.config import Settings
from app.core.dependencies import SessionDep, SettingsDep
from app.core.errors import error_responses
from app.core.routing import StrictJSONRoute
from app.users.schemas import UserPublic, UserRegister

router = APIRouter(prefix="/api/auth", tags=["auth"], route_class=StrictJSONRoute)

REFRESH_COOKIE = "refresh_token"
REFRESH_COOKIE_PATH = "/api/auth"


def _client_ip(request: Request) -> str:
    # Behind nginx, uvicorn's --proxy-headers has already put the real client here.
    return request.client.host if request.client else "unknown"


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


class SignIn:
    """Everything a sign-in needs from the request, gathered once for both login routes."""

    def __init__(
        self,
        request: Request,
        response: Response,
        session: SessionDep,
        settings: SettingsDep,
        throttle: LoginThrottleDep,
    ) -> None:
        self.request = request
        self.response = response
        self.session = session
        self.settings = settings
        self.throttle = throttle

    async def __call__(self, username: str, password: str) -> TokenPair:
        pair = await service.login(
            self.session,
            username=username,
            password=password,
            client_ip=_client_ip(self.request),
            throttle=self.throttle,
            settings=self.settings,
        )
        _set_refresh_cookie(self.response, pair.refresh_token, self.settings)
        return pair


SignInDep = Annotated[SignIn, Depends()]


def _presented_refresh_token(body: RefreshRequest | None, cookie: str | None) -> str:
    token = (body.refresh_token if body else None) or cookie
    if not token:
        raise RefreshTokenMissing
    return token


RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)]


@router.post("/login", responses=error_responses(401, 429, body=True))
async def login(credentials: LoginRequest, sign_in: SignInDep) -> TokenPair:
    """Sign in with a username and password; also sets the refresh cookie."""
    return await sign_in(credentials.username, credentials.password)


@router.post("/token", responses=error_responses(401, 429, body=True))
async def login_with_form(form: Annotated[PasswordForm, Form()], sign_in: SignInDep) -> TokenPair:
    """The OAuth2 password flow, for Swagger's Authorize button and OAuth2 clients."""
    return await sign_in(form.username, form.password)


@router.post("/refresh", responses=error_responses(401, body=True))
async def refresh_tokens(
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    cookie: RefreshCookie = None,
    body: RefreshRequest | None = None,
) -> TokenPair:
    """Trade a refresh token (body or cookie) for a new pair; the old one dies."""
    presented = _presented_refresh_token(body, cookie)
    pair = await service.refresh(session, presented=presented, settings=settings)
    _set_refresh_cookie(response, pair.refresh_token, settings)
    return pair


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, body=True)
)
async def logout(
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    cookie: RefreshCookie = None,
    body: RefreshRequest | None = None,
) -> None:
    """Revoke the refresh token (body or cookie) and clear the cookie."""
    await service.logout(session, presented=_presented_refresh_token(body, cookie))
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=settings.is_production,
        samesite="strict",
    )


@router.post(
    "/register", status_code=status.HTTP_201_CREATED, responses=error_responses(403, 409, body=True)
)
async def register(data: UserRegister, session: SessionDep, settings: SettingsDep) -> UserPublic:
    """Create an account with the `user` role, when registration is open."""
    user = await service.register(session, data, settings=settings)
    return UserPublic.model_validate(user)
