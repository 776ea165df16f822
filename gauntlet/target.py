"""The service under test: where it is, how to authenticate, whether it answers.

Either the bundled reference app (started by :mod:`gauntlet.bundled`) or any deployment
named with ``--target URL`` (+ ``--openapi``, ``--header``, ``--token-command``).
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin

import httpx

from gauntlet.config.model import TargetSettings
from gauntlet.errors import ConfigError, GauntletError, TargetUnreachable

#: Longest a token command may run before Gauntlet gives up on it.
TOKEN_COMMAND_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Target:
    url: str
    kind: Literal["bundled", "external"]
    openapi: str
    headers: dict[str, str] = field(default_factory=dict)
    #: The app's JSON-lines log when the harness knows it (the bundled app's process log).
    log_file: str | None = None


def parse_headers(lines: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["Authorization: Bearer x"]`` -> ``{"Authorization": "Bearer x"}``."""
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
            raise ConfigError(
                f"invalid value for target.headers = {line!r}: expected 'Name: value'; "
                "example: --header 'Authorization: Bearer eyJ...'"
            )
        headers[name.strip()] = value.strip()
    return headers


def token_from_command(command: str) -> str:
    """Run ``command`` (no shell) and return the token it prints on stdout."""
    try:
        completed = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=TOKEN_COMMAND_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise GauntletError(f"token command {command!r} could not run: {exc}") from None
    token = completed.stdout.strip()
    if completed.returncode != 0 or not token:
        tail = completed.stderr.strip().splitlines()[-1:] or ["no output"]
        raise GauntletError(f"token command {command!r} failed (exit {completed.returncode}): {tail[0]}")
    return token


def request_headers(settings: TargetSettings) -> dict[str, str]:
    headers = parse_headers(settings.headers)
    if settings.token_command:
        headers["Authorization"] = f"Bearer {token_from_command(settings.token_command)}"
    return headers


def external_target(settings: TargetSettings) -> Target:
    """The ``--target URL`` deployment, checked to answer; raises TargetUnreachable."""
    if settings.url is None:
        raise ConfigError("target.url is not set; example: --target https://staging.example.com")
    url = settings.url.rstrip("/")
    probe(url, settings.probe_timeout_s)
    openapi = settings.openapi or urljoin(url + "/", "openapi.json")
    kind: Literal["bundled", "external"] = "bundled" if settings.bundled else "external"
    return Target(url=url, kind=kind, openapi=openapi, headers=request_headers(settings))


def probe(url: str, timeout_s: float) -> None:
    """Any HTTP answer counts as reachable; no answer raises with one line naming ``url``."""
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
            client.get(url)
    except httpx.TimeoutException:
        raise TargetUnreachable(f"target {url} is unreachable: no answer within {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        reason = _reason(exc)
        raise TargetUnreachable(f"target {url} is unreachable: {reason}") from None


def _reason(exc: httpx.HTTPError) -> str:
    cause: BaseException | None = exc
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(cause or exc)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text.splitlines()[0] if text else type(exc).__name__
