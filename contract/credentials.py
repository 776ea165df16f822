"""The run keeps its own credentials: it notices when it loses them, says why, and logs in again.

A fuzzer calls every operation, including the ones that end its own access (log out,
revoke tokens, delete the account, demote itself). Everything after such a call answers
401/403 and the rest of the run would test nothing but the auth layer. So:

* :class:`CredentialKeeper` holds the auth headers and can obtain new ones through the
  ``[contract.login]`` request (or a fresh throwaway account through ``signup_path``);
* :class:`CredentialWatch` sees every response; when an operation that worked with the
  current credentials starts answering 401/403 (or the principal's own resource 404),
  it replays a request known to have worked. If that fails too, the credentials are gone:
  it records a finding naming the last mutating call before the loss, renews them and
  the run continues. Requests sent with the lost credentials are remembered, so their
  401s are not reported as contract failures.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from contract.errors import LoginFailed
from contract.transport import Reply, Sender
from gauntlet.config.model import LoginSettings

if TYPE_CHECKING:
    from schemathesis import Case, Response

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Statuses that mean "who are you?" / "not you": the signs of lost credentials.
DENIED = frozenset({401, 403})
#: Known-good requests replayed to confirm a suspected loss.
MAX_PROBES = 3
#: Placeholder in login/signup body values replaced by a fresh value per account.
NONCE = "{nonce}"


class CredentialKeeper:
    """Auth headers for the run, renewable through the login step.

    >>> keeper = CredentialKeeper({"Authorization": "Bearer x"}, login, HttpSender(url))
    >>> keeper.headers()  # sent with every generated request
    """

    def __init__(self, headers: Mapping[str, str], login: LoginSettings | None, sender: Sender) -> None:
        self._headers = dict(headers)
        self.login = login
        self.sender = sender
        #: Bumped on every renewal; requests remember the generation they were sent with.
        self.generation = 0
        self._nonce = secrets.token_hex(4)

    def headers(self) -> dict[str, str]:
        return dict(self._headers)

    @property
    def renewable(self) -> bool:
        return self.login is not None

    def start(self) -> None:
        """Log in once before the run when a login step is configured (headers given win otherwise)."""
        if self.login is not None and not any(k.lower() == "authorization" for k in self._headers):
            self._obtain()

    def renew(self) -> None:
        """New credentials through the login step, then a fresh account; raises LoginFailed."""
        if self.login is None:
            raise LoginFailed("no [contract.login] configured: the run cannot log in again")
        self._obtain()
        self.generation += 1

    def _obtain(self) -> None:
        assert self.login is not None
        reply = self._login()
        if self._token(reply) is None and self.login.signup_path:
            self._nonce = secrets.token_hex(4)
            signup = self.sender.send("POST", self.login.signup_path, headers={}, json_body=self._body())
            log.info("signup at %s answered %s", self.login.signup_path, signup.status)
            reply = self._login()
        token = self._token(reply)
        if token is None:
            raise LoginFailed(
                f"login {self.login.method} {self.login.path} answered {reply.status} without a token at "
                f"{self.login.token_pointer!r}: {reply.body[:200]!r}"
            )
        self._headers = {k: v for k, v in self._headers.items() if k.lower() != "authorization"}
        self._headers["Authorization"] = f"Bearer {token}"

    def _login(self) -> Reply:
        assert self.login is not None
        return self.sender.send(self.login.method, self.login.path, headers={}, json_body=self._body())

    def _body(self) -> dict[str, str]:
        assert self.login is not None
        return {key: value.replace(NONCE, self._nonce) for key, value in self.login.json_body.items()}

    def _token(self, reply: Reply) -> str | None:
        assert self.login is not None
        if not 200 <= reply.status < 300:
            return None
        value = resolve_pointer(reply.json(), self.login.token_pointer)
        return value if isinstance(value, str) and value else None


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901 JSON pointer: ``resolve_pointer({"a": {"b": 1}}, "/a/b") == 1``; None when absent."""
    node = document
    for raw in pointer.split("/")[1:] if pointer else ():
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def requires_credentials(case: Case[Any]) -> bool:
    """Whether the operation declares a security requirement (any operation, if the schema declares none).

    Mutations that need no credentials (login, signup) cannot have cost the run its access.
    """
    raw_schema = case.operation.schema.raw_schema
    if not (raw_schema.get("components", {}).get("securitySchemes") or raw_schema.get("securityDefinitions")):
        return True
    security = case.operation.definition.raw.get("security", raw_schema.get("security"))
    return bool(security) and any(requirement for requirement in security)


@dataclass(frozen=True)
class Probe:
    """A safe request that worked: replayed to tell lost credentials from a picky operation."""

    label: str
    path: str
    query: Mapping[str, Any]
    #: No path parameters: the principal's own resource (``/users/me``), so a 404 means "you are gone".
    principal: bool


@dataclass
class CredentialWatch:
    """Sees every response of the run (an ``after_call`` hook) and keeps the credentials alive."""

    keeper: CredentialKeeper
    findings: list[str] = field(default_factory=list)
    #: Credentials were lost and could not be renewed: the rest of the run is unauthenticated.
    unrecovered: bool = False
    losses: int = 0
    _worked: set[str] = field(default_factory=set)
    _probes: dict[str, Probe] = field(default_factory=dict)
    _last_mutation: str | None = None
    #: Operations whose denial was checked and was not a loss (until the next mutation).
    _cleared: set[str] = field(default_factory=set)
    _sent_with: dict[str, int] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def stamp(self, case: Case[Any]) -> None:
        """Apply the current credentials to ``case`` (the auth provider's ``set``)."""
        with self._lock:
            if case.headers is None:
                from requests.structures import CaseInsensitiveDict

                case.headers = CaseInsensitiveDict()
            case.headers.update(self.keeper.headers())
            self._sent_with[case.id] = self.keeper.generation

    def sent_with_lost_credentials(self, case_id: str) -> bool:
        generation = self._sent_with.get(case_id)
        return generation is not None and generation < self.keeper.generation

    def observe(self, case: Case[Any], response: Response) -> None:
        with self._lock:
            if self._sent_with.get(case.id) != self.keeper.generation or self.unrecovered:
                return
            label, status, method = case.operation.label, response.status_code, case.method.upper()
            if 200 <= status < 300:
                self._worked.add(label)
                if method == "GET":
                    self._remember_probe(case)
                elif method not in SAFE_METHODS and requires_credentials(case):
                    self._last_mutation = f"{label} ({method} {case.formatted_path} answered {status})"
                    self._cleared.clear()
                return
            if label in self._cleared or case.operation.schema.is_security_param_negated(case):
                return
            probe = self._probes.get(label)
            denied = status in DENIED and (label in self._worked or requires_credentials(case))
            if denied or (status == 404 and probe is not None and probe.principal):
                self._confirm_and_renew(label, f"{label} answered {status}", evidence=label in self._worked)

    def seed_probes(self, candidates: list[tuple[str, str]]) -> None:
        """Try parameterless GETs (``(label, path)``) once with the first credentials; keep those that work."""
        with self._lock:
            for label, path in candidates:
                if len(self._probes) >= MAX_PROBES:
                    return
                reply = self.keeper.sender.send("GET", path, headers=self.keeper.headers())
                if 200 <= reply.status < 300:
                    self._probes[label] = Probe(label=label, path=path, query={}, principal=True)

    def check_now(self) -> None:
        """Replay the known-good requests once (end of run): the last call may have cost access."""
        with self._lock:
            if self._probes and not self.unrecovered:
                self._confirm_and_renew("", "the end-of-run check", evidence=False)

    def _remember_probe(self, case: Case[Any]) -> None:
        if case.operation.label in self._probes or len(self._probes) >= MAX_PROBES:
            return
        self._probes[case.operation.label] = Probe(
            label=case.operation.label,
            path=case.formatted_path,
            query=dict(case.query or {}),
            principal=not case.path_parameters,
        )

    def _confirm_and_renew(self, label: str, symptom: str, *, evidence: bool) -> None:
        """Replay the probes; without any, an operation that worked and now answers 401/403 is proof enough."""
        if self._probes:
            denied = self._replay_probes()
        else:
            denied = ["request (none known: the operation itself worked before)"] if evidence else []
        if not denied:
            self._cleared.add(label)
            return
        self.losses += 1
        culprit = self._last_mutation or "no mutating call (credentials expired or were revoked elsewhere)"
        finding = f"credentials lost after {culprit}: {symptom}, and the known-good {'; '.join(denied)}"
        try:
            self.keeper.renew()
        except LoginFailed as exc:
            self.unrecovered = True
            self.findings.append(f"{finding}; could not obtain new credentials: {exc}")
            return
        self.findings.append(f"{finding}; new credentials obtained through the login step, run continued")
        self._worked.clear()
        self._cleared.clear()
        self._last_mutation = None

    def _replay_probes(self) -> list[str]:
        denied = []
        for probe in self._probes.values():
            reply = self.keeper.sender.send("GET", probe.path, headers=self.keeper.headers(), params=probe.query)
            if reply.status in DENIED or (reply.status == 404 and probe.principal):
                denied.append(f"GET {probe.path} now answers {reply.status}")
        return denied
