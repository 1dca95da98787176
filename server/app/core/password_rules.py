"""What any password must be, for accounts and for the configured first superuser alike."""

from pydantic_core import PydanticCustomError

# bcrypt reads at most 72 bytes; a longer password is refused rather than silently truncated.
BCRYPT_MAX_BYTES = 72
MIN_PASSWORD_LENGTH = 8


def check_password_length(password: str) -> str:
    """The password itself, or a validation error that tells its size but never its text."""
    size = len(password.encode("utf-8"))
    if size > BCRYPT_MAX_BYTES:
        raise PydanticCustomError(
            "password_too_long",
            "Password must be at most {max_bytes} bytes in UTF-8; this one is {size}",
            {"max_bytes": BCRYPT_MAX_BYTES, "size": size},
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PydanticCustomError(
            "password_too_short",
            "Password must be at least {min_length} characters",
            {"min_length": MIN_PASSWORD_LENGTH},
        )
    return password
