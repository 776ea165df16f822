"""POST /incidents/{id}/draft through breaker(retry(transport)), upstream mocked (properties 23, 26)."""

from __future__ import annotations

import httpx
import pytest

from reference_app.model_server.drafting import draft_summary
from reference_app.resilience import (
    BreakerConfig,
    CircuitBreaker,
    MemoryBreakerStorage,
    ModelServerClient,
    RetryPolicy,
)

from .conftest import FakeClock


class Upstream:
    """A scripted model server: ``answers`` in order, the last repeated."""

    def __init__(self) -> None:
        self.answers: list[int | Exception | httpx.Response] = [200]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = self.answers[min(len(self.requests), len(self.answers) - 1)]
        self.requests.append(request)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        if answer == 200:
            body = httpx.Response(200, content=request.content).json()
            return httpx.Response(
                200, json={"summary": draft_summary(body["title"], body["description"]), "model": "m1"}
            )
        return httpx.Response(answer, json={"detail": "internal upstream secret /srv/model.py"})


@pytest.fixture
async def upstream(app):
    """Swap the app's model client for one over a MockTransport; restore it afterwards."""
    scripted = Upstream()
    clock = FakeClock()

    async def no_sleep(_seconds: float) -> None:
        return None

    original = app.state.model_client
    breaker = CircuitBreaker("model-server", MemoryBreakerStorage(), config=BreakerConfig(), clock=clock)
    app.state.model_client = ModelServerClient(
        base_url="http://model.test",
        breaker=breaker,
        retry=RetryPolicy(sleep=no_sleep, random=lambda: 0.0),
        observer=app.state.metrics,
        transport=httpx.MockTransport(scripted),
    )
    scripted.clock = clock
    try:
        yield scripted
    finally:
        await app.state.model_client.aclose()
        app.state.model_client = original


async def new_incident(client, user) -> str:
    created = await client.post(
        "/api/v1/incidents",
        json={"title": "DB down", "description": "Primary failed over. Replica lag 3s."},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def sample(app, name: str, **labels: str) -> float:
    return app.state.metrics.sample(name, labels) or 0.0


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["correlation_id"] == response.headers["x-request-id"]
    assert "secret" not in response.text and "Traceback" not in response.text and "/srv" not in response.text
    return body


async def test_a_draft_is_the_model_servers_summary_and_carries_the_request_id(app, client, user, upstream):
    incident_id = await new_incident(client, user)
    before = sample(app, "model_server_request_duration_seconds_count", outcome="success")
    response = await client.post(
        f"/api/v1/incidents/{incident_id}/draft", headers={**user.headers, "X-Request-ID": "draft-abc-1"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"incident_id": incident_id, "summary": "DB down: Primary failed over.", "model": "m1"}
    assert upstream.requests[-1].headers["x-request-id"] == "draft-abc-1"
    assert upstream.requests[-1].url.path == "/v1/draft"
    assert sample(app, "model_server_request_duration_seconds_count", outcome="success") == before + 1
    assert sample(app, "model_server_available") == 1.0


async def test_another_users_incident_is_a_404_and_never_reaches_the_upstream(client, user, make_user, upstream):
    incident_id = await new_incident(client, user)
    stranger = await make_user()
    response = await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=stranger.headers)
    assert_problem(response, 404)
    assert upstream.requests == []


async def test_upstream_5xx_is_retried_then_answered_502(app, client, user, upstream):
    upstream.answers = [503]
    incident_id = await new_incident(client, user)
    before = sample(app, "model_server_request_duration_seconds_count", outcome="error")
    response = await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)
    body = assert_problem(response, 502)
    assert body["detail"] == "The drafting service failed to produce a draft."
    assert len(upstream.requests) == 3  # 3 attempts, all with the same Idempotency-Key
    assert len({r.headers["idempotency-key"] for r in upstream.requests}) == 1
    assert sample(app, "model_server_request_duration_seconds_count", outcome="error") == before + 1


async def test_a_retry_after_beyond_the_cap_is_not_waited_for_but_passed_on_as_503(client, user, upstream):
    upstream.answers = [httpx.Response(503, headers={"Retry-After": "60"}, json={"detail": "secret"})]
    incident_id = await new_incident(client, user)
    response = await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)
    body = assert_problem(response, 503)
    assert len(upstream.requests) == 1  # 60 s > the 10 s cap: no retry (spec "Retries")
    assert response.headers["retry-after"] == "60"  # where known, the client learns when to return
    assert body["detail"] == "The drafting service is temporarily unavailable. Retry later."


async def test_an_upstream_still_refusing_after_retries_passes_its_retry_after_on(client, user, upstream):
    upstream.answers = [
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(429, headers={"Retry-After": "3"}),
    ]
    incident_id = await new_incident(client, user)
    response = await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)
    assert_problem(response, 503)
    assert len(upstream.requests) == 3  # within the cap: waited for and retried, to exhaustion
    assert response.headers["retry-after"] == "3"


async def test_a_recovering_upstream_is_retried_to_success(client, user, upstream):
    upstream.answers = [httpx.ConnectError("refused"), 502, 200]
    incident_id = await new_incident(client, user)
    response = await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)
    assert response.status_code == 200
    assert len(upstream.requests) == 3


async def test_upstream_timeouts_are_answered_504(app, client, user, upstream):
    upstream.answers = [httpx.ReadTimeout("slow")]
    incident_id = await new_incident(client, user)
    before = sample(app, "model_server_request_duration_seconds_count", outcome="timeout")
    body = assert_problem(await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers), 504)
    assert body["title"] == "Gateway Timeout"
    assert sample(app, "model_server_request_duration_seconds_count", outcome="timeout") == before + 1


async def test_an_open_breaker_answers_503_with_retry_after_without_calling(app, client, user, upstream):
    upstream.answers = [500]
    incident_id = await new_incident(client, user)
    for _ in range(10):  # 500 is not retried: one failure per request, 10 open the breaker
        assert (await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)).status_code == 502
    assert sample(app, "model_server_available") == 0.0
    calls = len(upstream.requests)
    upstream.clock.advance(12.2)
    before = sample(app, "model_server_request_duration_seconds_count", outcome="circuit_open")
    response = await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "18"  # ceil(30 - 12.2)
    assert len(upstream.requests) == calls
    assert sample(app, "model_server_request_duration_seconds_count", outcome="circuit_open") == before + 1
    upstream.answers = [200]
    upstream.clock.advance(18)
    assert (await client.post(f"/api/v1/incidents/{incident_id}/draft", headers=user.headers)).status_code == 200
    assert sample(app, "model_server_available") == 1.0


async def test_the_operation_documents_every_answer(client):
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/incidents/{incident_id}/draft"]["post"]
    for status in ("200", "401", "404", "422", "429", "502", "503", "504"):
        assert status in operation["responses"], status
    assert operation["responses"]["502"]["content"]["application/problem+json"]
    assert "Retry-After" in operation["responses"]["503"]["headers"]
    # Stateful fuzzing reaches the draft from a created incident (spec: OpenAPI links).
    created = document["paths"]["/api/v1/incidents"]["post"]["responses"]["201"]["links"]
    assert created["DraftIncidentSummary"] == {
        "operationId": "draftIncidentSummary",
        "parameters": {"incident_id": "$response.body#/id"},
    }
