"""Protocols of the components the property suite exercises (spec/properties.md, level
"component"). They are structural: an implementation never imports this module.

Each factory named in ``[components]`` is called with keyword arguments only and returns
an object satisfying the matching protocol (see :mod:`gauntlet.components.factories`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TextIO, TypeVar, runtime_checkable

T = TypeVar("T")


@dataclass(frozen=True)
class CacheCounters:
    hits: int
    misses: int
    errors: int


@runtime_checkable
class Cache(Protocol):
    """Cache-aside over Redis (properties 6–11, 22).

    Keys are ``<prefix>c:v{schema}:{resource}:{scope}:{sha256(params)}``; every key written
    has a TTL in (0, max_ttl_s]; on Redis errors reads fall through to ``fetch``.
    Factory keywords: ``redis_url``, ``key_prefix``, ``timeout_s`` (storage timeout).
    """

    max_ttl_s: float

    def make_key(self, resource: str, scope: str, params: Mapping[str, Any]) -> str: ...

    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any, *, resource: str) -> None: ...

    async def get_or_fetch(self, key: str, fetch: Callable[[], Awaitable[T]], *, resource: str) -> T: ...

    async def invalidate(self, resource: str) -> None: ...

    def counters(self) -> CacheCounters: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Redactor(Protocol):
    """Removes secrets from a log event (property 35): returns a redacted deep copy."""

    def redact(self, event: Any) -> Any: ...


@dataclass(frozen=True)
class IndexSuggestion:
    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class PlanReport:
    """What EXPLAIN says about one statement (property 1)."""

    full_scans: tuple[str, ...] = ()
    index_scans: tuple[str, ...] = ()
    suggestions: tuple[IndexSuggestion, ...] = field(default=())


@runtime_checkable
class QueryAnalyzer(Protocol):
    """EXPLAIN-based analysis for PostgreSQL (``FORMAT JSON``) and SQLite (``QUERY PLAN``)."""

    async def analyze(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> PlanReport: ...


class EventLogger(Protocol):
    """A structured logger: an event name plus key/value fields (structlog's BoundLogger fits)."""

    def debug(self, event: str, **fields: Any) -> Any: ...

    def info(self, event: str, **fields: Any) -> Any: ...

    def warning(self, event: str, **fields: Any) -> Any: ...

    def error(self, event: str, **fields: Any) -> Any: ...

    def exception(self, event: str, **fields: Any) -> Any: ...


@runtime_checkable
class LogConfigurator(Protocol):
    """The app's logging set-up (properties 33, 34): JSON lines on ``stream``.

    ``configure`` routes the app's structured loggers AND the standard library's
    ``logging`` records to ``stream``; ``request_context`` is what the app's request
    middleware does with a correlation id, so records inside it carry that id.
    """

    def configure(self, *, service: str, level: str, stream: TextIO) -> None: ...

    def get_logger(self, name: str) -> EventLogger: ...

    def request_context(self, correlation_id: str) -> AbstractContextManager[None]: ...


@runtime_checkable
class CorrelationIds(Protocol):
    """The app's correlation id middleware (property 32, component level).

    ``wrap(app)`` returns the ASGI ``app`` behind the middleware: a valid incoming
    ``X-Request-ID`` (``^[A-Za-z0-9._-]{1,128}$``) becomes the request's id, anything else
    is replaced by a fresh one; the id is echoed in the response's ``X-Request-ID`` and is
    in the log context (see ``LogConfigurator``) while the request is handled.
    ``outgoing_headers(scope)``, called by a handler inside ``app``, gives the headers the
    app adds to the HTTP calls it makes for that request. No factory keywords.
    """

    def wrap(self, app: Any) -> Any: ...

    def outgoing_headers(self, scope: Mapping[str, Any]) -> Mapping[str, str]: ...


@runtime_checkable
class ErrorLoggingApp(Protocol):
    """The app's HTTP error path with its logging (property 30).

    ``build`` configures the app's logging to write JSON lines to ``stream`` and returns
    an ASGI app with the app's middleware, exception handling and these probe routes:
    ``GET /items/{item_id}`` (integer id: 200, else 422), ``POST /items`` (JSON
    ``{"name": str}``: 201, invalid 422, name ``"taken"`` 409), ``GET /private`` (401
    without ``Authorization``), ``GET /boom`` (raises: 500); other paths 404, other
    methods 405. The request's ``X-Request-ID`` is the records' ``correlation_id``.
    """

    def build(self, *, stream: TextIO) -> Callable[..., Awaitable[None]]: ...


@runtime_checkable
class Migrations(Protocol):
    """Schema migrations of the app (property 36), run against a PostgreSQL URL.

    ``revisions`` lists the history oldest first (``"base"`` is the empty schema before
    the first); ``model_differences`` compares the migrated schema at ``database_url``
    with the app's models (empty when they match, as Alembic's autogenerate diff).
    """

    def revisions(self) -> Sequence[str]: ...

    def heads(self) -> Sequence[str]: ...

    def upgrade(self, database_url: str, revision: str) -> None: ...

    def downgrade(self, database_url: str, revision: str) -> None: ...

    def model_differences(self, database_url: str) -> Sequence[str]: ...


@runtime_checkable
class RetryPolicy(Protocol):
    """Client retries (properties 25, 29).

    Attempts are numbered from 0: attempt 0 is the first call (no delay); before attempt
    n ≥ 1 ``delay(n)`` draws from [0, ceiling(n)], ceiling(n) = min(cap_s, base_s·2ⁿ); it is
    at least ``retry_after_s`` when one is given, and None (do not retry) when
    n ≥ max_attempts, when retry_after_s > cap_s, or when elapsed_s + delay > deadline_s.
    ``classify`` maps any exception, status code or ``httpx.Response`` to ``"retryable"``
    (timeouts, connection errors, 408/429/502/503/504) or ``"non_retryable"``.
    ``wrap`` applies the policy to an httpx transport: only idempotent methods or requests
    carrying ``Idempotency-Key`` are retried; the first success ends the call.
    Factory keywords: ``random`` (() -> float in [0, 1]), ``sleep`` (async (seconds) -> None),
    ``clock`` (() -> seconds), ``max_attempts``, ``base_s``, ``cap_s``, ``deadline_s``.
    """

    max_attempts: int
    base_s: float
    cap_s: float
    deadline_s: float

    def ceiling(self, attempt: int) -> float: ...

    def delay(self, attempt: int, *, retry_after_s: float | None = None, elapsed_s: float = 0.0) -> float | None: ...

    def classify(self, outcome: BaseException | int | Any) -> str: ...

    def wrap(self, transport: Any) -> Any: ...


class BreakerAdmission(Protocol):
    @property
    def admitted(self) -> bool: ...

    @property
    def state(self) -> str: ...

    #: When rejected: seconds until a call may be admitted again.
    @property
    def retry_after_s(self) -> float: ...

    #: Hand it back to ``CircuitBreaker.record`` (None when rejected).
    @property
    def permit(self) -> Any: ...


@runtime_checkable
class CircuitBreaker(Protocol):
    """A count-window circuit breaker (property 27); states ``closed``, ``open``, ``half_open``.

    CLOSED → OPEN once the window (last ``window_size`` recorded calls) holds at least
    ``minimum_calls`` and failures/calls ≥ the threshold; a success slower than
    ``slow_call_s`` (time between acquire and record on the breaker's clock) is a failure;
    ``"ignored"`` outcomes (4xx) are not recorded. OPEN rejects until ``open_s`` passed;
    the first acquire after that enters HALF_OPEN as a trial. HALF_OPEN admits at most
    ``half_open_max_calls`` trials in flight; the first trial success closes it, the first
    trial failure reopens it; with no trial completed ``half_open_timeout_s`` after entering
    HALF_OPEN it reopens as of that moment. A permit from before a transition records nothing.
    State lives in the storage: a new instance over the same storage is the same breaker.
    Factory keywords: ``clock`` (() -> seconds), ``name``, ``storage`` or ``redis`` + ``key_prefix``.
    """

    async def acquire(self) -> BreakerAdmission: ...

    async def record(self, permit: Any, outcome: str) -> Any: ...

    async def state(self) -> str: ...

    def wrap(self, transport: Any) -> Any: ...


@runtime_checkable
class UpstreamClient(Protocol):
    """The model server client (properties 23, 26): calls go through breaker(retry(transport)).

    ``draft`` returns the upstream's draft or raises an exception whose ``status`` is the
    classified answer after retries: 502 (unreachable, or an unusable answer), 503 (the
    breaker refused; the exception also has ``retry_after_s`` > 0) or 504 (timed out); its
    message never repeats the upstream's words or the transport's error text. Every call is
    observed once in a latency histogram labelled ``outcome`` (``success``, ``error``,
    ``timeout``, ``circuit_open``): ``observations()`` is its count per outcome.
    ``availability()`` is the gauge that follows the breaker (1.0 closed, 0.5 half-open,
    0.0 open); ``breaker_state()`` the breaker's state (``closed``, ``open``, ``half_open``).
    Factory keywords: ``base_url``, ``transport`` (an ``httpx.AsyncBaseTransport`` reaching
    the upstream), ``clock`` (() -> seconds, the breaker's and the retries'), ``sleep``
    (async (seconds) -> None) and ``random`` (() -> float in [0, 1]) for the retries.
    """

    async def draft(self, *, title: str, description: str, correlation_id: str | None, idempotency_key: str) -> Any: ...

    def observations(self) -> Mapping[str, int]: ...

    def availability(self) -> float: ...

    async def breaker_state(self) -> str: ...

    async def aclose(self) -> None: ...


class RateLimitOutcome(Protocol):
    @property
    def allowed(self) -> bool: ...

    @property
    def limit(self) -> int: ...

    @property
    def window_s(self) -> int: ...

    @property
    def remaining(self) -> int: ...

    #: Seconds until the caller's quota is whole again.
    @property
    def reset_s(self) -> int: ...

    #: When rejected: seconds until a request will pass (≥ 1).
    @property
    def retry_after_s(self) -> int: ...


@runtime_checkable
class RateLimiter(Protocol):
    """A distributed GCRA limiter (property E1): per tier ``limit`` requests per ``window_s``.

    Over any interval Δ, accepted ≤ burst + ⌈Δ·limit/window⌉ for one (tier, identity),
    across processes sharing the storage; rejected hits consume nothing. Keys are
    ``{key_prefix}rl:{tier}:{sha256(identity)}``.
    Factory keywords: ``redis_url`` or ``redis``, ``key_prefix``, ``limits`` (tier →
    requests per window), ``window_s``, ``burst``; with no Redis, in memory with ``clock``.
    """

    def limit(self, tier: str) -> int: ...

    def key(self, tier: str, identity: str) -> str: ...

    async def hit(self, tier: str, identity: str) -> RateLimitOutcome: ...


class AlertTransition(Protocol):
    @property
    def rule(self) -> str: ...

    #: ``"firing"`` or ``"resolved"``.
    @property
    def state(self) -> str: ...

    #: The evaluation instant of the transition, on the evaluator's clock.
    @property
    def at(self) -> float: ...

    #: The window aggregate at ``at`` (None: no samples in the window).
    @property
    def value(self) -> float | None: ...


@runtime_checkable
class StartupWait(Protocol):
    """Waiting for a required dependency at start-up (property 28), e.g. the database.

    ``wait(connect, sleep=...)`` calls ``connect`` until it returns and returns its value.
    A connection failure (``OSError`` such as ConnectionRefusedError, or the driver's
    "cannot connect now") is retried after a delay handed to ``sleep``: delays grow
    (capped exponential backoff; only a final remainder that spends the budget may be
    shorter) and sum to at most ``budget_s``; after that the last failure is raised
    (wrapped or not). Any other error is raised at once, unretried.
    Factory keywords: ``budget_s``.
    """

    @property
    def budget_s(self) -> float: ...

    def wait(self, connect: Callable[[], T], *, sleep: Callable[[float], object]) -> T: ...


@runtime_checkable
class AlertEvaluator(Protocol):
    """Threshold alerting (property 24): rules over sampled series, evaluated at instants.

    A rule holds at instant t when ``aggregation(samples with t - window < at <= t)``
    compares true with the threshold (``>``, ``>=``, ``<``, ``<=``); an empty window never
    holds. It fires at the first evaluation of an unbroken run of holding evaluations that
    is at least ``for_seconds`` after the run's first evaluation, and resolves at the first
    evaluation after that where it does not hold; at most one firing per run (episode).
    ``observe``/``evaluate`` without ``at`` use the factory's clock; time never goes back.
    Factory keywords: ``rules`` (mappings with ``name``, ``metric``, ``comparison``,
    ``threshold``, ``window_seconds``, ``for_seconds``, optional ``aggregation``
    (avg | max | min | last | rate) and ``labels``), ``clock`` (() -> seconds).
    """

    def observe(
        self, metric: str, value: float, at: float | None = None, *, labels: Mapping[str, str] | None = None
    ) -> None: ...

    def evaluate(self, at: float | None = None) -> Sequence[AlertTransition]: ...

    def firing(self) -> Sequence[str]: ...


@runtime_checkable
class RequestMetrics(Protocol):
    """Per-request HTTP metrics (property 21, component level).

    ``wrap(app)`` returns the ASGI ``app`` with the request metrics middleware around it;
    ``exposition()`` is the Prometheus text of ``http_requests_total{method,route,status}``
    and ``http_request_duration_seconds{method,route}`` so far (what ``GET /metrics`` serves).
    ``route`` must be the matched route's template, never the raw path. No factory keywords.
    """

    def wrap(self, app: Any) -> Any: ...

    def exposition(self) -> str: ...


class AuditVerification(Protocol):
    @property
    def ok(self) -> bool: ...

    #: The first entry that does not verify (None when ok or when the end was cut).
    @property
    def first_bad_id(self) -> int | None: ...

    @property
    def reason(self) -> str | None: ...


@runtime_checkable
class AuditLog(Protocol):
    """The app's audit hash chain (property E7), read from ``database_url``.

    ``entries`` lists every entry oldest first as mappings (``id``, ``ts``, ``actor``,
    ``action``, ``subject``, ``details``, ``prev_hash``, ``hash``); ``verify`` checks a list
    of entries (possibly altered by the test) and must report any modified, deleted or
    reordered entry as not ok. ``append`` records one entry at the head of the chain (as the
    app does when something is audited) and returns it. Factory keywords: ``database_url``.
    """

    async def append(
        self, action: str, *, actor: str | None = None, subject: str | None = None, details: Mapping[str, Any]
    ) -> Mapping[str, Any]: ...

    async def entries(self) -> Sequence[Mapping[str, Any]]: ...

    def verify(self, entries: Sequence[Mapping[str, Any]]) -> AuditVerification: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class TaskScript:
    """What a probe job does in the worker (properties 17–20).

    The first ``transient_failures`` attempts fail with a retryable error, the next one
    succeeds with the result ``{"label": label, "pid": <pid of the process running it>}``;
    with ``hold`` set, the first attempt first waits until ``TaskQueue.release(hold)``.
    """

    label: str
    transient_failures: int = 0
    hold: str | None = None


@dataclass(frozen=True)
class TaskEvent:
    """One status change of a task: ``status`` as of ``at`` (the worker's clock)."""

    status: str
    at: datetime
    retries: int
    #: RETRY: when the next attempt is due (its delay is ``next_attempt_at - at``).
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class TaskSnapshot:
    task_id: str
    #: ``PENDING``, ``STARTED``, ``RETRY``, ``SUCCESS`` or ``FAILURE``.
    status: str
    retries: int
    result: Any = None
    error: str | None = None


@runtime_checkable
class TaskQueue(Protocol):
    """Background jobs with a status store (properties 17–20), driven with probe jobs.

    ``submit`` queues a job running ``script`` with priority ``high``, ``normal`` or
    ``low`` and returns its id without waiting for it; only ``worker()`` (a context: one
    worker PROCESS, one job at a time, prefetch 1) runs jobs. ``status`` is None for an
    unknown id. ``history`` lists every status change so far, oldest first, from PENDING.
    A retryable failure with retries left is RETRY, retried after ``delay(n)`` for retry
    n (0-based): ``min(backoff_cap_s, backoff_base_s·2ⁿ)``, or uniform in [0, that] when
    ``jitter`` is ``"full"`` (``"none"``: exactly that); after ``max_retries`` retries it is
    FAILURE with the error recorded.
    Factory keywords: ``database_url`` (PostgreSQL; migrated by the factory if needed),
    ``redis_url``, ``key_prefix`` (every Redis key and queue of the instance under it),
    ``max_retries``, ``backoff_base_s``, ``backoff_cap_s``, ``jitter`` (bool).
    """

    max_retries: int
    backoff_base_s: float
    backoff_cap_s: float
    jitter: str

    def worker(self) -> AbstractContextManager[None]: ...

    def submit(self, script: TaskScript, *, priority: str = "normal") -> str: ...

    def release(self, hold: str) -> None: ...

    def status(self, task_id: str) -> TaskSnapshot | None: ...

    def history(self, task_id: str) -> Sequence[TaskEvent]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RecordDraft:
    """A row the harness asks a :class:`Repository` to store (properties 2–5)."""

    #: Timezone-aware; with ``id`` it is the listing's sort key.
    created_at: datetime
    #: One of ``Repository.categories``: the filterable, groupable column (a status...).
    category: str
    #: Words separated by spaces: what the text search matches.
    text: str


@dataclass(frozen=True)
class CapturedStatement:
    """One SQL statement as the driver sent it: ``$n`` placeholders, positional parameters."""

    sql: str
    parameters: Sequence[Any] = ()


class StoredRecord(Protocol):
    """A stored row: ``id`` orders in Python as in the database (``uuid.UUID``, ``int``, ``str``)."""

    @property
    def id(self) -> Any: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def category(self) -> str: ...


class RecordPage(Protocol):
    @property
    def items(self) -> Sequence[StoredRecord]: ...

    #: None exactly on the last page.
    @property
    def next_cursor(self) -> str | None: ...


@runtime_checkable
class Repository(Protocol):
    """The repository layer of a PostgreSQL-backed app over records of one owner (properties 2–5).

    Every read and write is scoped to an owner (``new_owner``). ``list_page`` serves up to
    ``limit`` records after ``cursor`` (None: the first page) in ``order``:
    ``"newest_first"`` is (created_at, id) descending, ``"oldest_first"`` ascending; it
    keeps only ``category`` when given and, with ``text``, records whose text contains
    that word. A malformed, tampered or mismatched cursor raises ``ValueError`` (or a
    subclass). ``counts_per_day`` counts the owner's records per (UTC calendar day of
    ``created_at``, category), in SQL. ``insert_many`` stores drafts as they are
    (seeding); ``create`` is the app's own create path (it may set ``created_at`` itself).
    ``capture()`` records, while open, every statement the repository sends, with its
    parameters as the driver sent them (PostgreSQL ``$n`` placeholders, asyncpg style).
    Factory keyword: ``database_url`` (an empty PostgreSQL database; ``prepare`` creates
    the schema, e.g. by migrating to head).
    """

    categories: Sequence[str]
    orders: Sequence[str]

    async def prepare(self) -> None: ...

    async def new_owner(self) -> Any: ...

    async def insert_many(self, owner: Any, drafts: Sequence[RecordDraft]) -> Sequence[StoredRecord]: ...

    async def create(self, owner: Any, draft: RecordDraft) -> StoredRecord: ...

    async def get(self, owner: Any, record_id: Any) -> StoredRecord | None: ...

    async def list_page(
        self,
        owner: Any,
        *,
        limit: int,
        cursor: str | None,
        order: str,
        category: str | None = None,
        text: str | None = None,
    ) -> RecordPage: ...

    async def delete(self, owner: Any, record_id: Any) -> bool: ...

    async def counts_per_day(self, owner: Any) -> Mapping[tuple[date, str], int]: ...

    def capture(self) -> AbstractContextManager[Sequence[CapturedStatement]]: ...

    async def aclose(self) -> None: ...
