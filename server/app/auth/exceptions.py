from http import HTTPStatus

from app.core.errors import AppError, Forbidden, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    detail = "Incorrect username or password"


class InvalidToken(Unauthorized):
    code = "invalid_token"
    detail = "Could not validate credentials"


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"
    detail = "The refresh token is invalid or expired"


class RefreshTokenReused(Unauthorized):
    code = "refresh_token_reused"
    detail = "This refresh token was already used; every session it belongs to is now signed out"


class RefreshTokenMissing(Unauthorized):
    code = "refresh_token_missing"
    detail = "No refresh token in the body or the cookie"


class RegistrationClosed(Forbidden):
    code = "registration_disabled"
    detail = "Registration is disabled"


class AdminRequired(Forbidden):
    code = "admin_required"
    detail = "This needs the admin role"


class TooManyLoginAttempts(AppError):
    status_code = HTTPStatus.TOO_MANY_REQUESTS
    code = "too_many_login_attempts"
    detail = "Too many failed sign-in attempts; try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)}, retry_after=retry_after)
