"""Obtaining credentials through the login step, with a throwaway account as the fallback."""

from __future__ import annotations

import json

import pytest

from contract.credentials import CredentialKeeper, resolve_pointer
from contract.errors import LoginFailed
from contract.transport import Reply
from gauntlet.config.model import LoginSettings


class FakeService:
    """Accepts logins of accounts created through /signup; records what it was sent."""

    def __init__(self) -> None:
        self.accounts: set[str] = set()
        self.sent: list[tuple[str, dict]] = []

    def send(self, method, path, *, headers, json_body=None, params=None):
        self.sent.append((path, json_body))
        if path == "/signup":
            self.accounts.add(json_body["username"])
            return Reply(201, b"{}")
        if json_body["username"] in self.accounts:
            return Reply(200, json.dumps({"data": {"token": "t-" + json_body["username"]}}).encode())
        return Reply(401, b'{"title": "wrong credentials"}')


LOGIN = LoginSettings(path="/login", json_body={"username": "qa{nonce}", "password": "pw"},
                      token_pointer="/data/token", signup_path="/signup")  # fmt: skip


def test_the_login_step_falls_back_to_a_fresh_throwaway_account():
    service = FakeService()
    keeper = CredentialKeeper({}, LOGIN, service)
    keeper.start()
    first = keeper.headers()["Authorization"]
    assert first.startswith("Bearer t-qa")
    assert [path for path, _ in service.sent] == ["/login", "/signup", "/login"]
    service.accounts.clear()  # the account deleted itself
    keeper.renew()
    assert keeper.headers()["Authorization"] != first and keeper.generation == 1


def test_given_headers_are_kept_until_a_renewal():
    keeper = CredentialKeeper({"Authorization": "Bearer given", "X-Tenant": "a"}, LOGIN, FakeService())
    keeper.start()
    assert keeper.headers() == {"Authorization": "Bearer given", "X-Tenant": "a"}
    keeper.renew()
    assert keeper.headers()["X-Tenant"] == "a" and keeper.headers()["Authorization"].startswith("Bearer t-qa")


def test_no_login_step_means_no_renewal():
    with pytest.raises(LoginFailed, match=r"no \[contract.login\]"):
        CredentialKeeper({"Authorization": "Bearer x"}, None, FakeService()).renew()


def test_a_login_without_token_names_the_pointer():
    keeper = CredentialKeeper({}, LOGIN.model_copy(update={"signup_path": None}), FakeService())
    with pytest.raises(LoginFailed, match="/data/token"):
        keeper.start()


def test_json_pointers():
    assert resolve_pointer({"a": {"b/c": [1, 2]}}, "/a/b~1c/1") == 2
    assert resolve_pointer({"a": 1}, "/missing") is None
