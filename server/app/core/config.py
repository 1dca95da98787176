"""Settings from the environment and `.env`, validated once at start-up."""

import ipaddress
import json
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry
from limits import RateLimitItem, parse
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    computed_field,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from app.core.password_rules import check_password_length

# Values published in guides and templates (this project's `.env.example` of old, the guides
# it was started from): anyone could sign tokens or sign in with them, so no environment
# accepts them. Compared in lower case.
PLACEHOLDER_SECRETS = frozenset(
    {
        "changethis",
        "change-me",
        "changeme",
        "secret",
        "password",
        "your-password",
        "your-secret-key",
        "your-secret-key-here",
        "your-secret-key-change-in-production",
        "your-secret-key-change-this-in-production",
        "your-application-secret",
        "your-jwt-secret",
        "your_jwt_secret_key",
        "your_very_strong_secret_key",
        "your_very_strong_secret_key_that_is_at_least_32_characters_long",
        "your-db-password",
        "your-strong-password",
        "your_secure_password",
        "replace-with-output-of-openssl-rand-hex-32",
    }
)
# Development only: production refuses it (see the validator below).
DEV_SUPERUSER_PASSWORD = "admin123"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32
# Where `make dev` serves the SPA: the links in mails when PUBLIC_URL is unset outside production.
DEV_PUBLIC_URL = "http://127.0.0.1:3000"
MIN_PRODUCTION_SUPERUSER_PASSWORD_LENGTH = 12


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    """How the connection to SMTP_HOST is protected: STARTTLS after connecting (port 587),
    TLS from the start (port 465), or nothing (a relay on the same host)."""

    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


def _is_local_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SettingsError(Exception):
    """Configuration that the service refuses to run with; one line per bad variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"Invalid configuration, refusing to start:\n{lines}")


def _check_secret_password(password: SecretStr) -> SecretStr:
    check_password_length(password.get_secret_value())
    return password


def kept_secret_key(path: Path) -> str:
    """The key kept in `path`, made there first if there is none. Processes starting together
    (uvicorn's workers) agree on one: the key is written to a file of its own and linked into
    place, which only the first succeeds at; the others read what it linked."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _parse_origin_list(value: Any) -> Any:
    """Accept a JSON list or the friendlier `https://a.example,https://b.example`."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        return json.loads(value)
    return [item.strip() for item in value.split(",") if item.strip()]


def _check_rate_limit(value: str) -> str:
    try:
        parse(value)
    except ValueError:
        raise ValueError("must be a rate such as `30/minute` or `100 per hour`") from None
    return value


RateLimit = Annotated[str, AfterValidator(_check_rate_limit)]


def _check_currency(value: str) -> str:
    # pycountry ignores case; ISO 4217 codes are upper case, as clients' formatters expect.
    currency = pycountry.currencies.get(alpha_3=value)
    if currency is None or currency.alpha_3 != value:
        raise ValueError("must be an ISO 4217 currency code such as `CNY` or `EUR`")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as `Asia/Shanghai` or `UTC`") from None
    return value


CurrencyCode = Annotated[str, AfterValidator(_check_currency)]
TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

    ENVIRONMENT: Environment = Environment.DEVELOPMENT
    DEBUG: bool = False
    API_PORT: int = Field(default=8000, ge=1, le=65535)

    DATABASE_URL: SecretStr | None = None
    POSTGRES_SERVER: str | None = None
    POSTGRES_PORT: int = 5432
    POSTGRES_DB: str = "order_system"
    POSTGRES_USER: str = "postgres"
    POSTGRES_PASSWORD: SecretStr = SecretStr("")
    # Overflow connections are closed as they come back: under load beyond the pool's size
    # that is a PostgreSQL backend started and its statements prepared again per request
    # (docs/performance.md, item 9), so the default keeps every connection it opens.
    DATABASE_POOL_SIZE: int = Field(default=20, ge=1)
    DATABASE_MAX_OVERFLOW: int = Field(default=0, ge=0)
    DATABASE_POOL_TIMEOUT: float = Field(default=10.0, gt=0)
    DATABASE_CONNECT_TIMEOUT: float = Field(default=5.0, gt=0)
    # PostgreSQL's lock_timeout and statement_timeout for the service's sessions, in seconds
    # (0: no limit): a request waits no longer than this for a row lock or a statement. The
    # driver gives up on its own 5 s after the statement timeout, should the server hang.
    DATABASE_LOCK_TIMEOUT: float = Field(default=5.0, ge=0)
    DATABASE_STATEMENT_TIMEOUT: float = Field(default=30.0, ge=0)

    # Unset (or empty): refused in production. In development a key is made up and kept in
    # DEV_SECRET_KEY_FILE when that is set (`make dev` sets it under .data/), so every
    # worker and every restart signs with the same key; otherwise, as in tests, each process
    # makes up its own, and its tokens die with it.
    SECRET_KEY: SecretStr = SecretStr("")
    DEV_SECRET_KEY_FILE: Path | None = None
    ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=1)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=7, ge=1)
    # However often it is refreshed, a sign-in's session ends this many days after it began.
    REFRESH_TOKEN_MAX_DAYS: int = Field(default=30, ge=1)
    # How long each process may trust what it read of a signed-in account (its role, whether
    # it is active, its token version) before reading it again; a change reaches every
    # process at once through PostgreSQL's notifications, so this only bounds a lost one
    # (0: read it on every request).
    CURRENT_USER_CACHE_SECONDS: float = Field(default=30, ge=0)

    FIRST_SUPERUSER: str = "superAdmin"
    # The rules of every password (8 characters to 72 bytes), checked here rather than when
    # prestart creates the account: a bad one stops the start with a message naming its
    # size, never its text.
    FIRST_SUPERUSER_PASSWORD: Annotated[SecretStr, AfterValidator(_check_secret_password)] = (
        SecretStr(DEV_SUPERUSER_PASSWORD)
    )
    FIRST_SUPERUSER_EMAIL: str = "superadmin@example.com"

    BACKEND_CORS_ORIGINS: Annotated[
        list[AnyHttpUrl], NoDecode, BeforeValidator(_parse_origin_list)
    ] = []
    ALLOW_REGISTRATION: bool = True
    REDIS_URL: SecretStr | None = None

    # --- The shop's money and clock, which clients read from GET /api/config ---
    # The currency every amount is in (amounts carry no currency of their own).
    CURRENCY: CurrencyCode = "CNY"
    # The shop's day: the date in order numbers, and the days that figures are counted by.
    BUSINESS_TIMEZONE: TimeZoneName = "Asia/Shanghai"

    # --- Orders: what one customer may hold and ask for ---
    # A pending order older than this is cancelled and its stock returned (0: never).
    PENDING_ORDER_TTL_SECONDS: int = Field(default=86400, ge=0)
    # How often each worker tries to sweep; one of them at a time actually does.
    ORDER_SWEEP_INTERVAL_SECONDS: float = Field(default=60, gt=0)
    # Pending orders a `user`-role customer may hold at once; admins are not capped.
    MAX_PENDING_ORDERS_PER_USER: int = Field(default=5, ge=1)
    # Orders one account may place, in `limits` notation (per process, or shared via Redis).
    ORDER_RATE_LIMIT: RateLimit = "30/minute"
    # Whether an order needs a shipping address (its own, or the customer's default); off
    # for shops that only hand goods over the counter.
    ORDERS_REQUIRE_SHIPPING_ADDRESS: bool = True

    # --- Email: password resets, sent through the outbox (app/email) ---
    # Unset: no mail is sent, and GET /api/config tells the SPA to hide "Forgot password?".
    SMTP_HOST: str | None = None
    SMTP_PORT: int = Field(default=587, ge=1, le=65535)
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: SecretStr | None = None
    # The sender, `Shop <no-reply@shop.example>` or a bare address; needed with SMTP_HOST.
    SMTP_FROM: str | None = None
    SMTP_SECURITY: SmtpSecurity = SmtpSecurity.STARTTLS
    # The site's address as customers reach it, for the links in mails; needed in production
    # with SMTP_HOST. Unset elsewhere: `make dev`'s SPA.
    PUBLIC_URL: AnyHttpUrl | None = None
    PASSWORD_RESET_TOKEN_MINUTES: int = Field(default=30, ge=1)
    # Tries per mail before it is marked failed (`python -m app.cli outbox --retry-failed`).
    EMAIL_MAX_ATTEMPTS: int = Field(default=8, ge=1)
    # How often each worker's sender looks for mail that is due.
    EMAIL_POLL_INTERVAL_SECONDS: float = Field(default=5, gt=0)

    # The commit the image was built from (its GIT_COMMIT build argument), which
    # `order_system_build_info` shows.
    GIT_COMMIT: str = Field(default="unknown", pattern=r"^[0-9A-Za-z._-]{1,64}$")

    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    LOG_FORMAT: Literal["json", "text"] | None = None

    @model_validator(mode="after")
    def _fill_in_secret_key(self) -> Self:
        if self.SECRET_KEY.get_secret_value() or self.is_production:
            return self
        if self.ENVIRONMENT is Environment.DEVELOPMENT and self.DEV_SECRET_KEY_FILE is not None:
            try:
                self.SECRET_KEY = SecretStr(kept_secret_key(self.DEV_SECRET_KEY_FILE))
            except OSError as error:
                raise ValueError(
                    f"DEV_SECRET_KEY_FILE: can't keep a key in {self.DEV_SECRET_KEY_FILE}: "
                    f"{error.strerror}"
                ) from None
        else:
            self.SECRET_KEY = SecretStr(secrets.token_urlsafe(32))
        return self

    @property
    def is_production(self) -> bool:
        return self.ENVIRONMENT is Environment.PRODUCTION

    @computed_field  # type: ignore[prop-decorator]
    @property
    def log_format(self) -> Literal["json", "text"]:
        if self.LOG_FORMAT is not None:
            return self.LOG_FORMAT
        return "json" if self.is_production else "text"

    @property
    def database_url(self) -> URL:
        """The asyncpg URL, from DATABASE_URL or composed from the POSTGRES_* variables."""
        if self.DATABASE_URL is not None:
            url = make_url(self.DATABASE_URL.get_secret_value())
            # Accept the plain `postgresql://` form that Compose files and psql use.
            return url.set(drivername="postgresql+asyncpg")
        return URL.create(
            "postgresql+asyncpg",
            username=self.POSTGRES_USER,
            password=self.POSTGRES_PASSWORD.get_secret_value() or None,
            host=self.POSTGRES_SERVER or "localhost",
            port=self.POSTGRES_PORT,
            database=self.POSTGRES_DB,
        )

    @property
    def business_timezone(self) -> ZoneInfo:
        return ZoneInfo(self.BUSINESS_TIMEZONE)

    @property
    def order_rate_limit(self) -> RateLimitItem:
        return parse(self.ORDER_RATE_LIMIT)

    @property
    def email_enabled(self) -> bool:
        return bool(self.SMTP_HOST)

    @property
    def public_url(self) -> str:
        return str(self.PUBLIC_URL or DEV_PUBLIC_URL).rstrip("/")

    @property
    def cors_origins(self) -> list[str]:
        return [str(origin).rstrip("/") for origin in self.BACKEND_CORS_ORIGINS]

    def problems(self) -> list[str]:
        """What these settings can't run with, one line per variable: published placeholder
        secrets anywhere, and in production whatever is unsafe there."""
        problems = []
        secret_key = self.SECRET_KEY.get_secret_value()
        if secret_key.lower() in PLACEHOLDER_SECRETS:
            problems.append(
                "SECRET_KEY: is a placeholder published in a template, so anyone could sign "
                "tokens with it: generate one (`openssl rand -hex 32`), or leave it unset "
                "outside production"
            )
        elif self.is_production and not secret_key:
            problems.append("SECRET_KEY: must be set (generate one with `openssl rand -hex 32`)")
        elif self.is_production and len(secret_key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"SECRET_KEY: must be at least {MIN_SECRET_KEY_LENGTH} characters")
        password = self.FIRST_SUPERUSER_PASSWORD.get_secret_value()
        if password.lower() in PLACEHOLDER_SECRETS:
            problems.append(
                "FIRST_SUPERUSER_PASSWORD: is a placeholder published in a template: choose one"
            )
        elif self.is_production and password == DEV_SUPERUSER_PASSWORD:
            problems.append("FIRST_SUPERUSER_PASSWORD: the development default is not allowed")
        elif self.is_production and len(password) < MIN_PRODUCTION_SUPERUSER_PASSWORD_LENGTH:
            problems.append(
                "FIRST_SUPERUSER_PASSWORD: must be at least "
                f"{MIN_PRODUCTION_SUPERUSER_PASSWORD_LENGTH} characters"
            )
        if self.is_production and self.DEBUG:
            problems.append("DEBUG: must be false in production")
        problems.extend(self._email_problems())
        return problems

    def _email_problems(self) -> list[str]:
        if not self.SMTP_HOST:
            return []
        problems = []
        if not self.SMTP_FROM:
            problems.append("SMTP_FROM: must be set when SMTP_HOST is (the mails' sender)")
        if (self.SMTP_USERNAME is None) != (self.SMTP_PASSWORD is None):
            problems.append("SMTP_USERNAME, SMTP_PASSWORD: set both or neither")
        if self.is_production and self.PUBLIC_URL is None:
            problems.append("PUBLIC_URL: must be set in production, for the links in mails")
        if (
            self.is_production
            and self.SMTP_SECURITY is SmtpSecurity.NONE
            and not _is_local_host(self.SMTP_HOST)
        ):
            # Passwords and reset links would cross the network in the clear.
            problems.append(
                "SMTP_SECURITY: `none` is allowed in production only for a relay on this "
                "host (localhost, 127.0.0.1, ::1): use `starttls` or `ssl`"
            )
        return problems


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning every problem into a readable line that never echoes a value."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(
            [
                f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
                for issue in error.errors(include_input=False)
            ]
        ) from None
    problems = settings.problems()
    if problems:
        raise SettingsError(problems)
    return settings


@lru_cache
def get_settings() -> Settings:
    return load_settings()
