"""The one settings object of the reference app, read from ``APP_*`` environment variables.

Top-level values are ``APP_<NAME>`` (``APP_DATABASE_URL``, ``APP_SECRET_KEY``); nested groups
use ``__`` (``APP_DB_POOL__SIZE=20``, ``APP_PAGINATION__MAX_LIMIT=50``). Build it with
:func:`build_settings` and pass it down; nothing reads the environment at import time.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from reference_app.errors import ConfigurationError

ENV_PREFIX = "APP_"
#: The shipped secret: fine on a laptop, refused in production.
DEFAULT_SECRET_KEY = "dev-insecure-secret-change-me"  # noqa: S105 - a known placeholder
#: Shortest secret accepted in production (256 bits of base64 is 43 characters).
MIN_PRODUCTION_SECRET_LENGTH = 32
#: Quick-start database: an embedded SQLite file in the working directory.
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./reference_app.db"

_DRIVER_PREFIXES = {
    "postgres://": "postgresql+asyncpg://",
    "postgresql://": "postgresql+asyncpg://",
    "postgresql+psycopg://": "postgresql+asyncpg://",
    "postgresql+psycopg2://": "postgresql+asyncpg://",
    "sqlite://": "sqlite+aiosqlite://",
}


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PRODUCTION = "production"


class DbPoolSettings(BaseModel):
    """Connection pool of the database engine (ignored for SQLite)."""

    size: int = Field(default=10, ge=1, le=500)
    max_overflow: int = Field(default=10, ge=0, le=500)
    #: Seconds a request waits for a pooled connection before failing.
    timeout_seconds: float = Field(default=5.0, gt=0)
    #: Seconds after which a connection is replaced (server-side idle timeouts).
    recycle_seconds: int = Field(default=1800, ge=-1)
    pre_ping: bool = True


class TokenSettings(BaseModel):
    access_ttl_seconds: int = Field(default=900, ge=1)
    refresh_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=1)
    issuer: str = "reference-app"


class PasswordHashSettings(BaseModel):
    """Argon2id cost; defaults are RFC 9106's low-memory profile (argon2-cffi's defaults)."""

    model_config = ConfigDict(frozen=True)

    time_cost: int = Field(default=3, ge=1)
    memory_kib: int = Field(default=65536, ge=8)
    parallelism: int = Field(default=4, ge=1)


class PaginationSettings(BaseModel):
    default_limit: int = Field(default=20, ge=1)
    max_limit: int = Field(default=100, ge=1)


class CacheSettings(BaseModel):
    ttl_seconds: float = Field(default=60.0, gt=0)
    #: Fraction of the TTL added or removed at random, so entries do not expire together.
    ttl_jitter: float = Field(default=0.10, ge=0, lt=1)


class HttpSettings(BaseModel):
    #: Bodies at or above this many bytes are compressed (spec: 1 KiB).
    compression_threshold_bytes: int = Field(default=1024, ge=0)


class ModelServerSettings(BaseModel):
    url: str = "http://127.0.0.1:8001"
    timeout_seconds: float = Field(default=5.0, gt=0)


class Settings(BaseSettings):
    """Everything the app can be told, with the defaults of ``spec/reference-app.md``.

    >>> settings = build_settings({"environment": "dev", "database_url": "postgresql://db/app"})
    >>> settings.database_url
    'postgresql+asyncpg://db/app'
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="ignore",
        case_sensitive=False,
    )

    environment: Environment = Environment.DEV
    debug: bool = False
    service_name: str = "reference-app"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = "redis://127.0.0.1:6379/0"
    #: Every Redis key the app writes starts with this (one app = one namespace).
    redis_key_prefix: str = "refapp:"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    #: Exact origins allowed by CORS; JSON list or comma-separated.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    signup_enabled: bool = True
    db_pool: DbPoolSettings = Field(default_factory=DbPoolSettings)
    tokens: TokenSettings = Field(default_factory=TokenSettings)
    password_hash: PasswordHashSettings = Field(default_factory=PasswordHashSettings)
    pagination: PaginationSettings = Field(default_factory=PaginationSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    model_server: ModelServerSettings = Field(default_factory=ModelServerSettings)

    @field_validator("database_url")
    @classmethod
    def _use_async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    def redis_key(self, *parts: str) -> str:
        """A Redis key inside the app's namespace: ``redis_key("rl", "free", h)``."""
        return self.redis_key_prefix + ":".join(parts)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def refusals(self) -> list[str]:
        """Why these settings must not start, one sentence per problem (empty when fine)."""
        problems: list[str] = []
        if "*" in self.cors_origins and self.cors_allow_credentials:
            problems.append(
                f"{ENV_PREFIX}CORS_ORIGINS contains '*' while {ENV_PREFIX}CORS_ALLOW_CREDENTIALS "
                "is true: browsers would send credentials to any site. List exact origins, "
                "e.g. APP_CORS_ORIGINS='[\"https://app.example.com\"]'."
            )
        if self.environment is not Environment.PRODUCTION:
            return problems
        if self.debug:
            problems.append(
                f"{ENV_PREFIX}DEBUG is true in production: debug output leaks internals. Set {ENV_PREFIX}DEBUG=false."
            )
        secret = self.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
            problems.append(
                f"{ENV_PREFIX}SECRET_KEY is the shipped default or shorter than "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters. Generate one, e.g. "
                f"{ENV_PREFIX}SECRET_KEY="
                "$(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if "*" in self.cors_origins:
            problems.append(
                f"{ENV_PREFIX}CORS_ORIGINS contains the wildcard '*' in production. List the exact "
                "origins instead, e.g. APP_CORS_ORIGINS='[\"https://app.example.com\"]'."
            )
        return problems

    def ensure_startable(self) -> None:
        """Raise :class:`ConfigurationError` naming every refused variable and its fix."""
        problems = self.refusals()
        if problems:
            raise ConfigurationError("Refusing to start with these settings:\n- " + "\n- ".join(problems))


def normalise_database_url(url: str) -> str:
    """Point plain URLs at the async drivers: ``postgresql://`` → ``postgresql+asyncpg://``."""
    for prefix, replacement in _DRIVER_PREFIXES.items():
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    return url


def build_settings(overrides: dict[str, object] | None = None) -> Settings:
    """Read ``APP_*`` variables (``overrides`` win) and refuse unsafe production settings.

    >>> settings = build_settings({"redis_key_prefix": "test:ab12:"})
    """
    settings = Settings(**(overrides or {}))  # type: ignore[arg-type]
    settings.ensure_startable()
    return settings
