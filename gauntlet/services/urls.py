"""Service URLs: drop SQLAlchemy driver suffixes, swap the database, hide passwords."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

_DRIVER_SUFFIX = re.compile(r"^(postgres(?:ql)?)\+\w+$")


def plain_postgres_url(url: str) -> str:
    """``postgresql+asyncpg://u@h/db`` -> ``postgresql://u@h/db``: libpq knows no drivers."""
    parts = urlsplit(url)
    match = _DRIVER_SUFFIX.match(parts.scheme)
    if match is None:
        return url
    return urlunsplit(parts._replace(scheme="postgresql"))


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at ``database`` (query string kept)."""
    parts = urlsplit(plain_postgres_url(url))
    return urlunsplit(parts._replace(path=f"/{database}"))


def redacted(url: str) -> str:
    """The URL with its password replaced by ``***``, for logs and status lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=_netloc_without_password(parts)))


def _netloc_without_password(parts: SplitResult) -> str:
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{user}:***@{host}{port}"
