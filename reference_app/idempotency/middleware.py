"""``IdempotencyMiddleware``: POST/PATCH with ``Idempotency-Key`` execute at most once.

Per request carrying the header (reference-app.md "Idempotency"; property E4):

- invalid key → 400 ``invalid-idempotency-key``;
- no principal (``principal_of`` returns None) → passed through undeduplicated: the
  route's own authentication answers it;
- the key is claimed with ``SET NX`` (60 s): the first request executes, its response is
  forwarded AND stored for 24 h — unless it is a 5xx or the app raised, which releases the
  key so a retry executes;
- same key, same fingerprint, completed → the stored status, headers and byte-identical
  body with ``Idempotent-Replayed: true``; still running → 409 with ``Retry-After: 1``;
- same key, different fingerprint → 422 ``idempotency-key-reused``;
- Redis unavailable → 503 ``idempotency-unavailable`` (fail closed: executing without the
  record could create a duplicate, which is what the client sent the key to prevent).

Mounted on the whole app the route is not resolved yet, so ``route_of`` falls back to the
raw path; pass a resolver (or wrap the route's own ASGI app) to key by template.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Collection

from redis.asyncio import Redis
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from reference_app.http.problem import problem_response, problem_type
from reference_app.http.routing import route_template
from reference_app.idempotency.asgi import ResponseRecorder, header, read_body, replay, replaying
from reference_app.idempotency.errors import InvalidIdempotencyKeyError
from reference_app.idempotency.keys import IdempotencyScope, request_fingerprint, validate_idempotency_key
from reference_app.idempotency.store import (
    COMPLETED_TTL_S,
    IN_PROGRESS_TTL_S,
    Acquired,
    FingerprintMismatch,
    IdempotencyStore,
    InProgress,
    Lease,
    Replay,
)

#: Response headers never replayed: they describe one delivery, not the resource.
DEFAULT_DROPPED_HEADERS = frozenset({b"date", b"server", b"set-cookie", b"x-request-id", b"traceparent"})
#: Statuses at or above this release the key instead of being stored.
RELEASE_FROM_STATUS = 500

logger = logging.getLogger("reference_app.idempotency")
#: Who the request is, or None when not deduplicated; may be async (a credential lookup).
PrincipalOf = Callable[[Scope], str | Awaitable[str | None] | None]


def matched_route_or_path(scope: Scope) -> str:
    """The route template when routing already ran (route-level use), else the path."""
    return route_template(scope) if scope.get("route") is not None else str(scope["path"])


class IdempotencyMiddleware:
    """Example::

    app.add_middleware(
        IdempotencyMiddleware, redis=redis, key_prefix="app:", principal_of=credential_principal
    )
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        redis: Redis | Callable[[Scope], Redis],
        key_prefix: str = "",
        principal_of: PrincipalOf,
        methods: Collection[str] = frozenset({"POST", "PATCH"}),
        route_of: Callable[[Scope], str] = matched_route_or_path,
        in_progress_ttl_s: float = IN_PROGRESS_TTL_S,
        completed_ttl_s: float = COMPLETED_TTL_S,
        dropped_headers: Collection[bytes] = DEFAULT_DROPPED_HEADERS,
    ) -> None:
        self.app = app
        self._redis = redis
        self._ttls = (in_progress_ttl_s, completed_ttl_s)
        self._key_prefix = key_prefix
        self._stores: dict[int, tuple[Redis, IdempotencyStore]] = {}
        self.principal_of = principal_of
        self.methods = frozenset(m.upper() for m in methods)
        self.route_of = route_of
        self.dropped_headers = frozenset(h.lower() for h in dropped_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_key = header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if raw_key is None or scope["method"] not in self.methods:
            await self.app(scope, receive, send)
            return
        try:
            key = validate_idempotency_key(raw_key)
        except InvalidIdempotencyKeyError as exc:
            await _invalid_key(str(exc))(scope, receive, send)
            return
        principal = self.principal_of(scope)
        if inspect.isawaitable(principal):
            principal = await principal
        if principal is None:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return  # the client left before sending its body: nothing to execute
        method = str(scope["method"])
        query = scope.get("query_string", b"").decode("latin-1")
        path = f"{scope['path']}?{query}" if query else str(scope["path"])
        content_type = header(scope, b"content-type")
        fingerprint = request_fingerprint(method, path, body, content_type.decode("latin-1") if content_type else None)
        try:
            store = self._store_for(scope)
            outcome = await store.begin(IdempotencyScope(principal, method, self.route_of(scope), key), fingerprint)
        except Exception:
            logger.exception("idempotency_store_unavailable")
            await _unavailable()(scope, receive, send)
            return
        if isinstance(outcome, Replay):
            await replay(outcome.response, send)
        elif isinstance(outcome, InProgress):
            await _in_progress()(scope, receive, send)
        elif isinstance(outcome, FingerprintMismatch):
            await _key_reused()(scope, receive, send)
        elif isinstance(outcome, Acquired):
            await self._execute(store, outcome.lease, scope, replaying(body, receive), send)

    def _store_for(self, scope: Scope) -> IdempotencyStore:
        redis = self._redis if isinstance(self._redis, Redis) else self._redis(scope)
        known = self._stores.get(id(redis))
        if known is None or known[0] is not redis:
            store = IdempotencyStore(
                redis, key_prefix=self._key_prefix, in_progress_ttl_s=self._ttls[0], completed_ttl_s=self._ttls[1]
            )
            self._stores = {id(redis): (redis, store)}  # one live client at a time
            return store
        return known[1]

    async def _execute(self, store: IdempotencyStore, lease: Lease, scope: Scope, receive: Receive, send: Send) -> None:
        recorder = ResponseRecorder(send)
        try:
            await self.app(scope, receive, recorder.send)
        except BaseException:
            await _release(store, lease)
            raise
        if recorder.status is None or recorder.status >= RELEASE_FROM_STATUS or not recorder.complete:
            await _release(store, lease)
            return
        try:
            await store.complete(lease, recorder.stored(self.dropped_headers))
        except Exception:
            # The claim expires on its own (60 s); meanwhile retries get 409, never a duplicate.
            logger.exception("idempotency_complete_failed")


async def _release(store: IdempotencyStore, lease: Lease) -> None:
    try:
        await store.abandon(lease)
    except Exception:
        logger.exception("idempotency_release_failed")


def _invalid_key(detail: str) -> Response:
    return problem_response(
        400, "Invalid Idempotency-Key", type_=problem_type("invalid-idempotency-key"), detail=detail
    )


def _in_progress() -> Response:
    return problem_response(
        409,
        "Request In Progress",
        type_=problem_type("idempotency-request-in-progress"),
        detail="A request with this Idempotency-Key is still being processed. Retry after Retry-After seconds.",
        headers={"Retry-After": "1"},
    )


def _key_reused() -> Response:
    detail = "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    return problem_response(
        422,
        "Idempotency-Key Reused",
        type_=problem_type("idempotency-key-reused"),
        detail=detail,
        extra={"errors": [{"loc": ["header", "Idempotency-Key"], "msg": detail, "type": "idempotency_key_reused"}]},
    )


def _unavailable() -> Response:
    return problem_response(
        503, "Service Unavailable", type_=problem_type("idempotency-unavailable"), headers={"Retry-After": "1"}
    )
