"""The target as the http properties see it: a client, the OpenAPI document, an account.

The client is any ``httpx.Client`` whose ``base_url`` is the service: a real connection
(``--target URL`` or the bundled app's process) or an in-process app (the failure proofs
under tests/properties). The properties' own account is obtained through the configured
sign-up/login requests, unless the target's headers already carry credentials.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from gauntlet.config.model import ApiKeyStepSettings, LoginSettings, PropertiesSettings
from properties.http.openapi import ApiDocument

#: Placeholder in login/sign-up bodies replaced by a fresh value per account.
NONCE = "{nonce}"
#: Longest ``Retry-After`` the suite's own set-up requests wait out (login, refresh).
MAX_RETRY_AFTER_S = 65.0
#: Headers that carry credentials: the target's own ones win over a login.
CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "cookie"})


class AccountError(Exception):
    """The properties could not obtain an account on the target."""


@dataclass(frozen=True)
class Account:
    """Credentials of one account: headers for requests, the login body to log in again."""

    headers: Mapping[str, str]
    login_body: Mapping[str, str] = field(default_factory=dict)
    #: The JSON answer of the login (tokens), when the account came from a login.
    grant: Mapping[str, Any] = field(default_factory=dict)


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901: ``resolve_pointer({"a": {"b": 1}}, "/a/b") == 1``; None when absent."""
    node = document
    for raw in pointer.split("/")[1:] if pointer else ():
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def patient_request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request of the suite's own set-up: a 429 is waited out (``Retry-After``) and retried.

    Unauthenticated requests share the anonymous rate limit of the suite's address.
    """
    deadline = time.monotonic() + MAX_RETRY_AFTER_S
    while True:
        reply = client.request(method, path, **kwargs)
        if reply.status_code != 429 or time.monotonic() > deadline:
            return reply
        try:
            wait = float(reply.headers.get("retry-after", "1"))
        except ValueError:
            wait = 1.0
        time.sleep(min(max(wait, 0.1), max(deadline - time.monotonic(), 0.1)))


def log_in(client: httpx.Client, login: LoginSettings, body: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """One login request; returns the token and the whole JSON answer."""
    reply = patient_request(client, login.method, login.path, json=dict(body))
    token = resolve_pointer(reply.json(), login.token_pointer) if reply.is_success else None
    if not isinstance(token, str) or not token:
        raise AccountError(
            f"login {login.method} {login.path} answered {reply.status_code} without a token at "
            f"{login.token_pointer!r}: {reply.text[:200]!r}; fix [properties.login]"
        )
    return token, reply.json()


def new_account(client: httpx.Client, login: LoginSettings, api_key: ApiKeyStepSettings | None = None) -> Account:
    """A fresh account: sign up (when ``signup_path`` is set), log in, create an API key (if set)."""
    nonce = secrets.token_hex(6)
    body = {key: value.replace(NONCE, nonce) for key, value in login.json_body.items()}
    if login.signup_path:
        reply = patient_request(client, "POST", login.signup_path, json=body)
        if not reply.is_success:
            raise AccountError(
                f"sign-up POST {login.signup_path} answered {reply.status_code}: {reply.text[:200]!r}; "
                "fix [properties.login] signup_path/json_body, or give credentials with --header"
            )
    token, grant = log_in(client, login, body)
    headers = {"Authorization": f"Bearer {token}"}
    if api_key is not None:
        reply = client.post(api_key.path, json=api_key.json_body, headers=headers)
        key = resolve_pointer(reply.json(), api_key.key_pointer) if reply.is_success else None
        if not isinstance(key, str) or not key:
            raise AccountError(
                f"POST {api_key.path} answered {reply.status_code} without a key at {api_key.key_pointer!r}: "
                f"{reply.text[:200]!r}; fix [properties.api_key] or unset it"
            )
        headers = {api_key.header: key}
    return Account(headers=headers, login_body=body, grant=grant)


@dataclass
class HttpTarget:
    """What every http property function receives.

    >>> http = connect(httpx.Client(base_url=url), settings, openapi=f"{url}/openapi.json")
    >>> check_security_headers(http)
    """

    client: httpx.Client
    api: ApiDocument
    settings: PropertiesSettings
    account: Account

    @property
    def auth(self) -> dict[str, str]:
        return dict(self.account.headers)

    def call(
        self, method: str, path: str, *, auth: bool = True, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        merged = {**(self.auth if auth else {}), **(headers or {})}
        return self.client.request(method, path, headers=merged, **kwargs)

    def another_account(self) -> Account:
        """A second, fresh account (needs ``[properties.login]`` with a sign-up)."""
        if self.settings.login is None or not self.settings.login.signup_path:
            raise AccountError("a second account needs [properties.login] with signup_path")
        return new_account(self.client, self.settings.login, self.settings.api_key)


def load_document(client: httpx.Client, location: str) -> ApiDocument:
    if location.startswith(("http://", "https://", "/")):
        reply = client.get(location)
        reply.raise_for_status()
        return ApiDocument(reply.json())
    import json
    from pathlib import Path

    text = Path(location).read_text(encoding="utf-8")
    if location.endswith((".yaml", ".yml")):
        import yaml  # type: ignore[import-untyped]

        return ApiDocument(yaml.safe_load(text))
    return ApiDocument(json.loads(text))


def connect(client: httpx.Client, settings: PropertiesSettings, *, openapi: str) -> HttpTarget:
    """The target behind ``client``, with an account of the properties' own."""
    api = load_document(client, openapi)
    given = {k: v for k, v in client.headers.items() if k.lower() in CREDENTIAL_HEADERS}
    if given:
        for name in given:
            del client.headers[name]
        account = Account(headers=given)
    elif settings.login is not None:
        account = new_account(client, settings.login, settings.api_key)
    else:
        account = Account(headers={})
    return HttpTarget(client=client, api=api, settings=settings, account=account)
