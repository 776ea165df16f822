"""The OpenAPI contract: Schemathesis 4's default checks find nothing on the incident and
auth operations (positive and negative data), run in-process against a fresh app."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from reference_app.app import create_app

from .conftest import TEST_PASSWORD

#: Examples per operation and generation mode: enough to hit every documented error path.
EXAMPLES_PER_OPERATION = 25
TAGS = ["incidents", "auth"]


@pytest.fixture
async def api_key(client: httpx.AsyncClient) -> str:
    name = f"fuzz-{secrets.token_hex(4)}"
    await client.post("/api/v1/users", json={"username": name, "password": TEST_PASSWORD})
    tokens = (await client.post("/api/v1/auth/token", json={"username": name, "password": TEST_PASSWORD})).json()
    issued = await client.post(
        "/api/v1/api-keys",
        json={"tier": "enterprise"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    return str(issued.json()["api_key"])


@pytest.fixture
def fuzzed_schema(app_settings, migrated, api_key) -> Iterator[schemathesis.BaseSchema]:
    # Its own app: Schemathesis runs the lifespan and requests on its own event-loop thread.
    app = create_app(app_settings)
    # Named security scheme: Schemathesis sends the key, and its ignored_auth check
    # verifies that requests without it (or with a wrong one) are refused.
    config = schemathesis.Config.from_dict(
        {
            "auth": {"openapi": {"APIKeyHeader": {"api_key": api_key}}},
            "operations": [
                {
                    # Cursors are server-issued, signed tokens: a generated string is never
                    # one, and the spec answers it with 400 invalid-cursor by design.
                    "include-operation-id": "listIncidents",
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "429"]}
                    },
                }
            ],
        }
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    shutdown_lifespans()


VALID_IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_default_checks_pass(fuzzed_schema, mode):
    operations = [
        operation
        for operation in (result.ok() for result in fuzzed_schema.get_all_operations())
        if set(fuzzed_schema.get_tags(operation) or ()) & set(TAGS)
    ]
    assert {operation.label for operation in operations} >= {
        "GET /api/v1/incidents",
        "POST /api/v1/incidents",
        "PATCH /api/v1/incidents/{incident_id}",
        "POST /api/v1/auth/token",
        "POST /api/v1/auth/refresh",
    }
    for operation in operations:

        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            # One generated key with two bodies is a 422 by design (idempotency's own
            # tests cover that); a fresh valid key per call keeps this about the contract.
            headers = case.headers or {}
            key = headers.get("Idempotency-Key")
            if isinstance(key, str) and VALID_IDEMPOTENCY_KEY.match(key):
                headers["Idempotency-Key"] = uuid.uuid4().hex
            case.call_and_validate()

        check()
