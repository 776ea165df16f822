"""The one settings object of the reference app, read from ``APP_*`` environment variables.

Top-level values are ``APP_<NAME>`` (``APP_DATABASE_URL``, ``APP_SECRET_KEY``); nested groups
use ``__`` (``APP_DB_POOL__SIZE=20``, ``APP_PAGINATION__MAX_LIMIT=50``). Build it with
:func:`build_settings` and pass it down; nothing reads the environment at import time.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from reference_app.alerting.rules import AlertRule, ensure_unique_names
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
    #: Off serves every read from the database; bodies are identical either way.
    enabled: bool = True
    ttl_seconds: float = Field(default=60.0, gt=0)
    #: Fraction of the TTL added or removed at random, so entries do not expire together.
    ttl_jitter: float = Field(default=0.10, ge=0, lt=1)


class HttpSettings(BaseModel):
    #: Bodies at or above this many bytes are compressed (spec: 1 KiB).
    compression_threshold_bytes: int = Field(default=1024, ge=0)
    #: ``Cache-Control: private, max-age=N`` on per-user reads. 0 (the default) makes clients
    #: revalidate with If-None-Match every time: a 304 saves the body, and a client never
    #: shows a stale read after its own write.
    private_max_age_seconds: int = Field(default=0, ge=0)
    #: The access log records every response, not only errors (``APP_HTTP__LOG_SUCCESS=true``).
    log_success: bool = False


class RetrySettings(BaseModel):
    """Client retries of upstream calls (spec "Retries")."""

    max_attempts: int = Field(default=3, ge=1, le=10)
    base_seconds: float = Field(default=0.1, gt=0)
    cap_seconds: float = Field(default=10.0, gt=0)
    #: Overall time a call and its retries may take; a retry that would end later is not made.
    deadline_seconds: float = Field(default=30.0, gt=0)
    #: Retry budget: retries may be at most this fraction of calls...
    budget_ratio: float = Field(default=0.2, ge=0, le=1)
    #: ...plus this many retries per second (the floor for quiet periods).
    budget_floor_per_second: float = Field(default=1.0, ge=0)
    #: Most retries the budget can hold in reserve (also its start value).
    budget_capacity: float = Field(default=10.0, ge=0)


class BreakerSettings(BaseModel):
    """Circuit breaker in front of the model server (spec "Circuit breaker")."""

    window_size: int = Field(default=20, ge=1)
    minimum_calls: int = Field(default=10, ge=1)
    failure_rate_threshold: float = Field(default=0.5, gt=0, le=1)
    slow_call_seconds: float = Field(default=2.0, gt=0)
    open_seconds: float = Field(default=30.0, gt=0)
    half_open_max_calls: int = Field(default=3, ge=1)
    half_open_timeout_seconds: float = Field(default=10.0, gt=0)
    #: ``redis``: state shared by every process of the app; ``memory``: this process only.
    storage: Literal["redis", "memory"] = "redis"


class ModelServerSettings(BaseModel):
    url: str = "http://127.0.0.1:8001"
    #: Seconds one attempt may take (connect, write, read, pool) before it is a timeout.
    timeout_seconds: float = Field(default=5.0, gt=0)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)


class RateLimitSettings(BaseModel):
    """Requests per ``window_seconds`` per caller and tier (spec "Rate limiting").

    Env: ``APP_RATE_LIMIT__FREE=100``, ``APP_RATE_LIMIT__FAILURE_MODE=closed``...
    """

    enabled: bool = True
    window_seconds: int = Field(default=60, ge=1)
    #: Callers without valid credentials, keyed by client IP (not fixed by the spec).
    anonymous: int = Field(default=100, ge=1)
    free: int = Field(default=100, ge=1)
    premium: int = Field(default=1000, ge=1)
    enterprise: int = Field(default=10000, ge=1)
    #: Requests accepted at once after a quiet window; None means the tier's limit.
    burst: int | None = Field(default=None, ge=1)
    #: Redis unavailable: ``open`` serves the request (counted, logged), ``closed`` answers 503.
    failure_mode: Literal["open", "closed"] = "open"
    #: Seconds the limiter waits for Redis before applying ``failure_mode``.
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    #: Path prefixes never limited: probes and the scrape endpoint.
    exempt_prefixes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["/health/", "/metrics", "/openapi.json", "/docs"]
    )

    @field_validator("exempt_prefixes", mode="before")
    @classmethod
    def _split_prefixes(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _limits_fit_the_clock(self) -> RateLimitSettings:
        # GCRA spaces requests window/limit apart in whole microseconds (Redis TIME).
        most = self.window_seconds * 1_000_000
        for tier in ("anonymous", "free", "premium", "enterprise"):
            if getattr(self, tier) > most:
                raise ValueError(
                    f"APP_RATE_LIMIT__{tier.upper()}={getattr(self, tier)} is more than one request per "
                    f"microsecond over APP_RATE_LIMIT__WINDOW_SECONDS={self.window_seconds}; "
                    f"use at most {most} (or switch limiting off: APP_RATE_LIMIT__ENABLED=false)"
                )
        return self

    def limit_for(self, tier: str) -> int:
        """Requests per window of ``tier`` (``anonymous``, ``free``, ``premium``, ``enterprise``)."""
        if tier in ("anonymous", "free", "premium", "enterprise"):
            return int(getattr(self, tier))
        return self.free


class TaskSettings(BaseModel):
    """Background jobs: Celery on Redis, the status table in the database (spec R4.x).

    Env: ``APP_TASKS__MAX_RETRIES=5``, ``APP_TASKS__EXPORT_DIR=/var/lib/app/exports``...
    Broker keys live under ``{redis_key_prefix}celery:`` (queue ``{...}celery:{queue}``).
    """

    #: Celery broker; None means ``redis_url``.
    broker_url: str | None = None
    #: The queue the app sends to and the worker consumes.
    queue: str = Field(default="tasks", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    #: Retries after the first attempt; then the task is FAILURE with the error recorded.
    max_retries: int = Field(default=3, ge=0, le=50)
    #: Delay before retry n (0-based) is min(cap, base·2ⁿ), as Celery's ``retry_backoff``...
    retry_backoff_seconds: float = Field(default=1.0, gt=0)
    retry_backoff_max_seconds: float = Field(default=600.0, gt=0)
    #: ...drawn uniformly from [0, that] when true ("full jitter"), exactly that when false.
    retry_jitter: bool = True
    #: Where exports are written, one file per task: ``{task_id}.{format}``.
    export_dir: str = "exports"
    #: ``python -m reference_app worker`` pool and processes/threads.
    worker_pool: Literal["prefork", "solo", "threads"] = "prefork"
    worker_concurrency: int = Field(default=2, ge=1, le=64)
    #: Seconds the API waits for the broker to take a task before answering 503.
    publish_timeout_seconds: float = Field(default=2.0, gt=0)
    #: WebSocket: status messages buffered per connection; beyond it the oldest is dropped.
    ws_queue_size: int = Field(default=16, ge=1, le=1024)
    #: WebSocket: seconds one send may take before the client counts as dead (closed 4408).
    ws_send_timeout_seconds: float = Field(default=5.0, gt=0)


class AlertingSettings(BaseModel):
    """Threshold alerts on the app's own metrics (property 24); off while ``rules`` is empty.

    Env: ``APP_ALERTING__RULES='[{"name": "5xx", "metric": "http_requests_total",
    "labels": {"status": "500"}, "aggregation": "rate", "comparison": ">", "threshold": 0.1,
    "window_seconds": 60, "for_seconds": 120}]'`` and ``APP_ALERTING__WEBHOOK_URL=https://...``.
    """

    rules: list[AlertRule] = Field(default_factory=list)
    #: Each firing and resolution is POSTed here as JSON (failures are logged, never raised).
    webhook_url: str | None = None
    webhook_timeout_seconds: float = Field(default=2.0, gt=0)
    #: Seconds between two readings of the metrics (and evaluations of the rules).
    interval_seconds: float = Field(default=15.0, gt=0)

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, rules: list[AlertRule]) -> list[AlertRule]:
        ensure_unique_names(rules)
        return rules


class AuditSettings(BaseModel):
    """The audit hash chain of auth events and incident changes (``reference_app.audit``)."""

    #: Off: nothing is appended (``python -m reference_app audit-verify`` still verifies).
    enabled: bool = True


class TracingSettings(BaseModel):
    """OpenTelemetry tracing (``reference_app.tracing``); off by default, at no cost when off.

    Env: ``APP_TRACING__EXPORTER=otlp`` and ``APP_TRACING__OTLP_ENDPOINT=http://collector:4318/v1/traces``.
    """

    #: ``none`` (off: no middleware, no instrumentation), ``otlp`` (OTLP/HTTP protobuf),
    #: ``console`` (one JSON line per span on stdout) or ``memory`` (kept in the process, tests).
    exporter: Literal["none", "otlp", "console", "memory"] = "none"
    #: OTLP/HTTP traces URL; None means the exporter's default (``OTEL_EXPORTER_OTLP_*`` or localhost:4318).
    otlp_endpoint: str | None = None
    #: Fraction of new traces recorded; a caller's sampled flag in ``traceparent`` is followed.
    sample_ratio: float = Field(default=1.0, ge=0, le=1)

    @field_validator("exporter", mode="before")
    @classmethod
    def _known_exporter(cls, value: object) -> object:
        allowed = ("none", "otlp", "console", "memory")
        text = value.strip().lower() if isinstance(value, str) else value
        if text not in allowed:
            raise ValueError(
                f"{ENV_PREFIX}TRACING__EXPORTER has value {value!r}; expected one of {', '.join(allowed)}. "
                f"Example: {ENV_PREFIX}TRACING__EXPORTER=otlp"
            )
        return text

    @property
    def enabled(self) -> bool:
        return self.exporter != "none"


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
    #: Shorthand for ``model_server.url`` (``APP_MODEL_SERVER_URL``, as gauntlet/bundled.py sets it).
    model_server_url: str | None = None
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    tasks: TaskSettings = Field(default_factory=TaskSettings)
    alerting: AlertingSettings = Field(default_factory=AlertingSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    #: Seconds the app waits at start-up for Redis to answer PING (backoff); then it starts
    #: degraded (Redis is not required: readiness says ``warn``) and reconnects on its own.
    redis_startup_wait_seconds: float = Field(default=5.0, ge=0)

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

    @model_validator(mode="after")
    def _apply_model_server_url(self) -> Settings:
        if self.model_server_url:
            self.model_server = self.model_server.model_copy(update={"url": self.model_server_url})
        return self

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
