"""settings.py: environment parsing, URL normalisation, production refusals."""

from __future__ import annotations

import pytest

from reference_app.app import create_app
from reference_app.errors import ConfigurationError
from reference_app.settings import DEFAULT_SECRET_KEY, Environment, Settings, build_settings

STRONG_SECRET = "s" * 48


def production(**overrides: object) -> dict[str, object]:
    return {"environment": "production", "secret_key": STRONG_SECRET, **overrides}


def test_defaults_follow_the_spec():
    settings = Settings()
    assert settings.environment is Environment.DEV
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert settings.pagination.default_limit == 20
    assert settings.pagination.max_limit == 100
    assert settings.http.compression_threshold_bytes == 1024
    assert settings.cache.ttl_seconds == 60
    assert settings.cache.ttl_jitter == pytest.approx(0.10)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+asyncpg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ],
)
def test_database_urls_are_normalised_to_async_drivers(given, expected):
    assert build_settings({"database_url": given}).database_url == expected


def test_environment_variables_with_prefix_and_nested_delimiter(monkeypatch):
    monkeypatch.setenv("APP_REDIS_KEY_PREFIX", "svc:")
    monkeypatch.setenv("APP_PAGINATION__MAX_LIMIT", "50")
    monkeypatch.setenv("APP_DB_POOL__SIZE", "3")
    monkeypatch.setenv("APP_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = build_settings()
    assert settings.redis_key_prefix == "svc:"
    assert settings.pagination.max_limit == 50
    assert settings.db_pool.size == 3
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_cors_origins_accept_a_json_list(monkeypatch):
    monkeypatch.setenv("APP_CORS_ORIGINS", '["https://a.example"]')
    assert build_settings().cors_origins == ["https://a.example"]


def test_production_with_safe_settings_starts():
    settings = build_settings(production(cors_origins=["https://app.example"]))
    assert settings.environment is Environment.PRODUCTION


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"debug": True}, "APP_DEBUG"),
        ({"secret_key": DEFAULT_SECRET_KEY}, "APP_SECRET_KEY"),
        ({"secret_key": "short"}, "APP_SECRET_KEY"),
        ({"cors_origins": ["*"]}, "APP_CORS_ORIGINS"),
    ],
)
def test_production_refuses_unsafe_settings_naming_the_variable(overrides, variable):
    with pytest.raises(ConfigurationError) as caught:
        build_settings(production(**overrides))
    message = str(caught.value)
    assert variable in message
    assert f"{variable}=" in message  # the fix: the variable with a safe value


def test_production_refusal_lists_every_problem():
    with pytest.raises(ConfigurationError) as caught:
        build_settings({"environment": "production", "debug": True, "cors_origins": ["*"]})
    message = str(caught.value)
    for variable in ("APP_DEBUG", "APP_SECRET_KEY", "APP_CORS_ORIGINS"):
        assert variable in message


def test_wildcard_origin_with_credentials_is_refused_in_every_environment():
    with pytest.raises(ConfigurationError, match="APP_CORS_ALLOW_CREDENTIALS"):
        build_settings({"cors_origins": ["*"], "cors_allow_credentials": True})


def test_create_app_refuses_settings_built_without_checks():
    unsafe = Settings(environment=Environment.PRODUCTION, debug=True)
    with pytest.raises(ConfigurationError, match="APP_DEBUG"):
        create_app(unsafe)


def test_redis_keys_start_with_the_prefix():
    assert build_settings({"redis_key_prefix": "t:1:"}).redis_key("rl", "free", "ab") == "t:1:rl:free:ab"


def test_the_secret_never_appears_in_the_settings_repr():
    assert STRONG_SECRET not in repr(build_settings(production()))


def test_a_rate_limit_finer_than_the_limiters_clock_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("APP_RATE_LIMIT__ENTERPRISE", str(60 * 1_000_000 + 1))  # > 1 per µs over 60 s
    with pytest.raises(ValueError, match=r"APP_RATE_LIMIT__ENTERPRISE=60000001 .* use at most 60000000"):
        build_settings()
    monkeypatch.setenv("APP_RATE_LIMIT__ENTERPRISE", str(60 * 1_000_000))
    assert build_settings().rate_limit.enterprise == 60_000_000
