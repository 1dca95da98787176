from app.core.errors import Forbidden, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    detail = "Incorrect username or password"


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


class TooManyLoginAttempts(TooManyRequests):
    code = "too_many_login_attempts"
    detail = "Too many sign-in attempts; try again later"


class TooManyRegistrations(TooManyRequests):
    code = "too_many_registrations"
    detail = "Too many registrations from this address; try again later"
