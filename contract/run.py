"""One contract run: load the OpenAPI document, drive Schemathesis's engine, collect failures.

Two modes, one code path:

* in process: ``Source.in_process(app)`` fuzzes an ASGI app through ``from_asgi``
  (fast, no server; the bundled app by default);
* over the network: ``Source.network(url, openapi)`` fuzzes any deployment through
  ``from_url``/``from_path``.

The engine runs the phases of the config (examples, coverage, fuzzing, stateful through
OpenAPI links) with positive and negative data, seeded. Every failure it reports
becomes a :class:`~contract.causes.RawFailure` (curl reproducer, response excerpt,
trigger class); :func:`run_contract` groups them into causes and returns a
:class:`~contract.report.ContractReport`.

>>> report = run_contract(Source.network("https://staging.example.com"), RunSettings(seed=7))
>>> report.section()  # what the run document stores
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import schemathesis
from schemathesis.engine import events, from_schema

from contract import checks as _checks  # noqa: F401  (registers Gauntlet's checks)
from contract import hostile
from contract.causes import RawFailure, group
from contract.credentials import CredentialKeeper, CredentialWatch
from contract.inprocess import ASGIApp
from contract.known import KnownFailures
from contract.report import ContractReport
from contract.settings import RunSettings, is_excluded, schemathesis_config
from contract.transport import AsgiSender, HttpSender, Sender
from contract.values import RequestParts, classify

if TYPE_CHECKING:
    from schemathesis import Case, Response
    from schemathesis.engine.recorder import ScenarioRecorder
    from schemathesis.schemas import BaseSchema

log = logging.getLogger(__name__)

#: Response bytes kept per failure in the run document.
MAX_EXCERPT_CHARS = 500
#: Where an ASGI app serves its OpenAPI document unless told otherwise.
DEFAULT_OPENAPI_PATH = "/openapi.json"


@dataclass(frozen=True)
class Source:
    """Where the schema and the target are."""

    mode: str
    openapi: str
    base_url: str | None = None
    app: ASGIApp | None = None

    @classmethod
    def in_process(cls, app: ASGIApp, openapi_path: str = DEFAULT_OPENAPI_PATH) -> Source:
        return cls(mode="in-process", openapi=openapi_path, app=app)

    @classmethod
    def network(cls, base_url: str, openapi: str | None = None) -> Source:
        """``openapi`` is a URL or a file path; default ``<base_url>/openapi.json``."""
        base = base_url.rstrip("/")
        return cls(mode="network", openapi=openapi or base + DEFAULT_OPENAPI_PATH, base_url=base)

    def sender(self) -> Sender:
        return AsgiSender(self.app) if self.app is not None else HttpSender(self.base_url or "")

    def load(self, settings: RunSettings, headers: dict[str, str]) -> BaseSchema:
        config = schemathesis_config(settings, base_url=self.base_url)
        if self.app is not None:
            return schemathesis.openapi.from_asgi(self.openapi, self.app, config=config)
        if self.openapi.startswith(("http://", "https://")):
            return schemathesis.openapi.from_url(self.openapi, config=config, headers=headers)
        return schemathesis.openapi.from_path(Path(self.openapi), config=config)


def run_contract(source: Source, settings: RunSettings, *, today: date | None = None) -> ContractReport:
    """Fuzz ``source`` with ``settings``; never raises for failures of the target."""
    known = KnownFailures.load(settings.known_failures)
    keeper = CredentialKeeper(settings.headers, settings.login, source.sender())
    keeper.start()
    watch = CredentialWatch(keeper)
    schema = source.load(settings, keeper.headers())
    opaque = _operations_taking(schema, settings.opaque_parameters)
    if opaque:  # their config depends on the document: load it again with it
        settings = replace(settings, opaque_operations=opaque)
        schema = source.load(settings, keeper.headers())
    schema = _excluding(schema, settings.exclude_operations)
    _attach(schema, watch)
    watch.seed_probes(_parameterless_gets(schema))
    collector = _Collector(settings=settings, watch=watch)
    for event in from_schema(schema).execute():
        collector.consume(event)
    watch.check_now()
    failures = [_with_current_credentials(f, collector.sent_auth, keeper.headers()) for f in collector.failures]
    causes, stamped = group(failures)
    findings = [*watch.findings, *collector.errors]
    if collector.dropped:
        findings.append(f"{collector.dropped} failure(s) of requests sent with lost credentials were not reported")
    return ContractReport(
        mode=source.mode,
        checks=settings.checks,
        failures=stamped,
        causes=causes,
        findings=findings,
        cases_per_phase=collector.cases_per_phase,
        known=known,
        today=today or date.today(),
        credentials_kept=not watch.unrecovered,
    )


def _excluding(schema: BaseSchema, excluded: tuple[str, ...]) -> BaseSchema:
    if not excluded:
        return schema

    def matches(ctx: Any) -> bool:
        operation = ctx.operation
        operation_id = operation.definition.raw.get("operationId")
        return is_excluded(operation.label, operation_id, excluded)

    return schema.exclude(func=matches)


def _operations_taking(schema: BaseSchema, names: tuple[str, ...]) -> tuple[str, ...]:
    """Labels of the operations with a parameter called one of ``names``."""
    from schemathesis.core.result import Ok

    wanted = set(names)
    found = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operation = result.ok()
            parameters = operation.definition.raw.get("parameters", [])
            if any(isinstance(p, dict) and p.get("name") in wanted for p in parameters):
                found.append(operation.label)
    return tuple(found)


def _attach(schema: BaseSchema, watch: CredentialWatch) -> None:
    """Credentials on every case, and every response seen by the watch."""

    class KeptCredentials:
        def get(self, case: Case[Any], ctx: Any) -> dict[str, str] | None:
            return watch.keeper.headers() or None

        def set(self, case: Case[Any], data: dict[str, str], ctx: Any) -> None:
            watch.stamp(case)

    schema.auth(refresh_interval=None)(KeptCredentials)

    def after_call(context: Any, case: Case[Any], response: Response) -> None:
        watch.observe(case, response)

    schema.hooks.register_hook_with_name(after_call, "after_call")
    for name, hook in hostile.HOOKS.items():
        schema.hooks.register_hook_with_name(hook, name)


def _parameterless_gets(schema: BaseSchema) -> list[tuple[str, str]]:
    """GET operations that take no parameter at all: candidates for credential probes."""
    found = []
    from schemathesis.core.result import Ok

    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            continue
        operation = result.ok()
        if operation.method.upper() != "GET" or "{" in operation.path:
            continue
        raw = operation.definition.raw
        if any(p.get("required") for p in raw.get("parameters", []) if isinstance(p, dict)) or "requestBody" in raw:
            continue
        found.append((operation.label, operation.path))
    return found


class _Collector:
    """Folds the engine's events into failures, case counts and run errors."""

    def __init__(self, *, settings: RunSettings, watch: CredentialWatch) -> None:
        self.settings = settings
        self.watch = watch
        self.failures: list[RawFailure] = []
        self.errors: list[str] = []
        self.cases_per_phase: dict[str, int] = {}
        self.dropped = 0
        #: Authorization value each reported request was sent with, by curl.
        self.sent_auth: dict[str, str] = {}
        self._seen: set[tuple[str, str, str]] = set()

    def consume(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            phase = str(event.phase.value)
            self.cases_per_phase[phase] = self.cases_per_phase.get(phase, 0) + len(event.recorder.cases)
            for failure in self._failures(event.recorder, phase):
                key = (failure.operation, failure.check, failure.curl)
                if key not in self._seen:
                    self._seen.add(key)
                    self.failures.append(failure)
        elif isinstance(event, events.NonFatalError):
            message = f"engine error in {event.phase.value if event.phase else 'setup'} on {event.label}: "
            self.errors.append(message + f"{event.info.title}: {event.info.message}"[:MAX_EXCERPT_CHARS])

    def _failures(self, recorder: ScenarioRecorder, phase: str) -> Iterator[RawFailure]:
        for parent_id, nodes in recorder.checks.items():
            for node in nodes:
                info = node.failure_info
                if info is None:
                    continue
                case_id = info.failure.case_id or parent_id
                case = recorder.cases[case_id].value
                response = recorder.find_response(case_id=case_id)
                status = response.status_code if response is not None else None
                if status in (401, 403) and self.watch.sent_with_lost_credentials(case_id):
                    self.dropped += 1
                    continue
                curl = "\n".join(step.curl for step in info.steps) if len(info.steps) > 1 else info.code_sample
                auth = case.headers.get("Authorization") if case.headers is not None else None
                if auth:
                    self.sent_auth[curl] = auth
                yield RawFailure(
                    operation=info.failure.operation or case.operation.label,
                    check=node.name,
                    title=info.failure.title,
                    message=info.failure.message,
                    curl=curl,
                    status=status,
                    body=_excerpt(response),
                    value_class=classify(_parts(case)),
                    phase=phase,
                    seed=self.settings.seed,
                )


def _with_current_credentials(failure: RawFailure, sent_auth: dict[str, str], headers: dict[str, str]) -> RawFailure:
    """Reproducers carry the credentials valid at the end of the run, not ones since revoked."""
    old, new = sent_auth.get(failure.curl), headers.get("Authorization")
    if not old or not new or old == new:
        return failure
    return replace(failure, curl=failure.curl.replace(old, new))


def _excerpt(response: Response | None) -> str:
    if response is None:
        return ""
    return response.content[:MAX_EXCERPT_CHARS].decode("utf-8", "replace")


def _parts(case: Case[Any]) -> RequestParts:
    from schemathesis.core import NotSet

    body = None if isinstance(case.body, NotSet) else case.body
    return RequestParts(
        path_parameters=case.path_parameters,
        query=case.query,
        headers={k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"},
        body=body,
        body_schema=_body_schema(case),
    )


def _body_schema(case: Case[Any]) -> dict[str, Any] | None:
    try:
        for body in case.operation.body:
            if body.media_type == case.media_type:
                schema = body.optimized_schema
                return schema if isinstance(schema, dict) else None
    except Exception:  # best effort: the trigger class falls back to the values alone
        log.debug("no body schema for %s", case.operation.label, exc_info=True)
    return None
