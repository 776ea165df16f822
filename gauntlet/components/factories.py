"""Load component implementations by import path, as ``[components]`` names them.

    [components]
    cache = "mypkg.cache:build"     # build(**kwargs) -> object satisfying protocols.Cache

The reference app's factories are the defaults. A factory that cannot be imported, is
not callable, or returns an object that does not satisfy its protocol is a ConfigError
naming the key and the path.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from gauntlet.components import protocols
from gauntlet.errors import ConfigError

#: Protocol each ``[components]`` key must satisfy.
COMPONENT_PROTOCOLS: dict[str, type[Any]] = {
    "cache": protocols.Cache,
    "redactor": protocols.Redactor,
    "query_analyzer": protocols.QueryAnalyzer,
    "logging": protocols.LogConfigurator,
    "error_logging_app": protocols.ErrorLoggingApp,
    "migrations": protocols.Migrations,
    "retry_policy": protocols.RetryPolicy,
    "breaker": protocols.CircuitBreaker,
    "upstream_client": protocols.UpstreamClient,
    "rate_limiter": protocols.RateLimiter,
    "startup_wait": protocols.StartupWait,
    "alert_evaluator": protocols.AlertEvaluator,
    "request_metrics": protocols.RequestMetrics,
    "correlation": protocols.CorrelationIds,
    "audit_log": protocols.AuditLog,
    "task_queue": protocols.TaskQueue,
    "repository": protocols.Repository,
}
#: The reference app's own factories, used when ``[components]`` does not name one.
DEFAULT_FACTORIES: dict[str, str] = {
    "cache": "reference_app.cache:build",
    # The class is the factory: Redactor(**kwargs) with its defaults is the app's own.
    "redactor": "reference_app.http.redaction:Redactor",
    "query_analyzer": "reference_app.query_analyzer:build",
    # Generic adapters in gauntlet/, pointed at the reference app by import-path strings.
    "logging": "gauntlet.components.structlog_logging:build",
    "migrations": "gauntlet.components.alembic_migrations:build",
    "error_logging_app": "reference_app.http.error_logging_app:ErrorLoggingApp",
    "retry_policy": "reference_app.resilience:build_retry_policy",
    "breaker": "reference_app.resilience:build_breaker",
    "upstream_client": "reference_app.resilience:build_upstream_client",
    "rate_limiter": "reference_app.ratelimit:build",
    "startup_wait": "reference_app.db.wait:build",
    "alert_evaluator": "reference_app.alerting:build_evaluator",
    "request_metrics": "reference_app.http.request_metrics_component:build",
    "correlation": "reference_app.http.correlation_component:build",
    "audit_log": "reference_app.audit.store:build",
    # Probe jobs on the app's own TrackedTask base, run by a worker process of their own.
    "task_queue": "reference_app.tasks.component:build",
    # Incidents as records: the app's repositories, its migrations and its cursor codec.
    "repository": "reference_app.repositories.component:build",
}


def factory_path(name: str, configured: Mapping[str, str]) -> str:
    if name not in COMPONENT_PROTOCOLS:
        raise ConfigError(
            f"unknown component {name!r} in [components]; known: {', '.join(sorted(COMPONENT_PROTOCOLS))}"
        )
    return configured.get(name, DEFAULT_FACTORIES[name])


def load_factory(name: str, path: str) -> Callable[..., Any]:
    """Import ``module:attribute``; errors name the component key and the path."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"invalid value for components.{name} = {path!r}: expected 'module:factory'; "
                          f'example: {name} = "mypkg.{name}:build"')  # fmt: skip
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"components.{name} = {path!r}: cannot import {module_name} ({exc})") from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise ConfigError(f"components.{name} = {path!r}: {module_name} has no callable {attribute!r}")
    return factory  # type: ignore[no-any-return]


def import_object(path: str) -> Any:
    """``"package.module:Name.attribute"`` -> that object; ImportError/AttributeError name the path."""
    module_name, sep, attributes = path.partition(":")
    if not sep or not module_name or not attributes:
        raise ConfigError(
            f"invalid import path {path!r}: expected 'module:attribute'; example: 'mypkg.db:Base.metadata'"
        )
    obj: Any = importlib.import_module(module_name)
    for attribute in attributes.split("."):
        obj = getattr(obj, attribute)
    return obj


def build_component(name: str, configured: Mapping[str, str], /, **kwargs: Any) -> Any:
    """Build component ``name`` and check it satisfies its protocol."""
    path = factory_path(name, configured)
    component = load_factory(name, path)(**kwargs)
    protocol = COMPONENT_PROTOCOLS[name]
    if not isinstance(component, protocol):
        missing = [m for m in _protocol_members(protocol) if not hasattr(component, m)]
        raise ConfigError(
            f"components.{name} = {path!r} returned {type(component).__name__}, which does not satisfy "
            f"{protocol.__name__}: missing {', '.join(missing) or 'members'}"
        )
    return component


def _protocol_members(protocol: type[Any]) -> list[str]:
    return sorted(getattr(protocol, "__protocol_attrs__", ()))
