from http import HTTPStatus

from app.core.errors import AppError, Forbidden, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    detail = "Incorrect username or password"
    remedy = "Check the username and password; repeated failures are throttled."


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"
    detail = "The refresh token is invalid or expired"
    remedy = "Sign in again."


class RefreshTokenReused(Unauthorized):
    code = "refresh_token_reused"
    detail = "This refresh token was already used; every session it belongs to is now signed out"
    remedy = "Sign in again; if you didn't reuse the token, someone else may have it."


class RefreshTokenMissing(Unauthorized):
    code = "refresh_token_missing"
    detail = "No refresh token in the body or the cookie"
    remedy = "Send `refresh_token` in the body, or sign in with `refresh_cookie` to get the cookie."


class RegistrationClosed(Forbidden):
    code = "registration_disabled"
    detail = "Registration is disabled"
    remedy = "Ask an admin for an account (ALLOW_REGISTRATION is off)."


class TooManyLoginAttempts(TooManyRequests):
    code = "too_many_login_attempts"
    detail = "Too many sign-in attempts; try again later"
    remedy = "Wait `retry_after` seconds before signing in again."


class TooManyRegistrations(TooManyRequests):
    code = "too_many_registrations"
    detail = "Too many registrations from this address; try again later"
    remedy = "Wait `retry_after` seconds before registering again."


class InvalidResetToken(AppError):
    status_code = HTTPStatus.BAD_REQUEST
    code = "invalid_reset_token"
    detail = "This password-reset link is invalid, expired, already used or replaced by a newer one"
    remedy = "Ask for a new link (`POST /api/auth/password-reset`) and use the latest one."


class TooManyPasswordResets(TooManyRequests):
    code = "too_many_password_resets"
    detail = "Too many password-reset requests; try again later"
    remedy = "Wait `retry_after` seconds; a link already sent stays valid until it expires."
