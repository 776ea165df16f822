"""The OpenAPI contract: Schemathesis 4's default checks find nothing on any operation of the
document, in every phase (examples, coverage, fuzzing; stateful through the OpenAPI links),
with positive and negative data, run in-process against a fresh app.

What the app needs to answer as documented, and gets here:

* drafts call the model server: a real model-server process runs behind the app (without
  one the app answers 502/503/504 problem+json, which the document also lists);
* exports queue a Celery job: no worker runs, and ``202 Accepted`` with the task id is the
  documented answer; the queued messages stay under this test's own Redis prefix;
* ``cursor`` is opaque (server-issued, signed): see :data:`CURSOR_ACCEPTED`;
* WebSocket routes and ``/metrics`` are not in the document, so not fuzzed here.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.python.asgi import shutdown_lifespans

from gauntlet.bundled import BundledApp
from gauntlet.config.model import GauntletConfig
from gauntlet.services.processes import ProcessGroup
from reference_app.app import create_app
from reference_app.settings import build_settings

from .conftest import sign_up

#: Fuzzed cases per operation, half positive, half negative (the examples and coverage
#: phases add their own deterministic cases on top).
EXAMPLES_PER_OPERATION = 40
#: Stateful scenarios, and calls per scenario: enough to create, read, update and delete.
STATEFUL_SCENARIOS = 40
STATEFUL_MAX_STEPS = 10
#: Fixed seed: a failure reproduces on the next run.
SEED = 20240601
#: What an Idempotency-Key may be (spec "Idempotency"): only a valid one is replaced.
VALID_IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
#: A parameter whose valid values only the server issues (spec "Pagination": cursors carry an HMAC tag).
OPAQUE_PARAMETER = "cursor"
#: positive_data_acceptance on operations taking one: Schemathesis's defaults plus 400. A
#: generated string is schema-valid but never a cursor the server issued, and the spec
#: answers "any malformed, tampered or mismatched cursor" with 400 invalid-cursor.
CURSOR_ACCEPTED = [*PositiveDataAcceptanceConfig().expected_statuses, "400"]


def operations_taking(document: dict[str, Any], parameter: str) -> list[str]:
    """Labels ('GET /path') of the operations with a parameter called ``parameter``."""
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if any(p.get("name") == parameter for p in operation.get("parameters", []))
    ]


@pytest.fixture(scope="module")
def model_server_url(gauntlet_config: GauntletConfig, service_session, tmp_path_factory) -> Iterator[str]:
    """The real model server process, so that drafts are drafted."""
    with ProcessGroup() as processes:
        bundled = BundledApp(
            gauntlet_config.target,
            database_url=service_session.database_url,
            redis_url=service_session.redis_url,
            key_prefix=service_session.key_prefix,
            workdir=tmp_path_factory.mktemp("contract-model-server"),
            processes=processes,
        )
        yield bundled.start_model_server()


@pytest.fixture
async def api_key(client: httpx.AsyncClient) -> str:
    user = await sign_up(client)
    issued = await client.post("/api/v1/api-keys", json={"tier": "enterprise"}, headers=user.headers)
    assert issued.status_code == 201, issued.text
    return str(issued.json()["api_key"])


@pytest.fixture
def fuzzed_schema(
    settings_overrides, migrated, redis_key_prefix, model_server_url, api_key
) -> Iterator[schemathesis.BaseSchema]:
    # Its own app: Schemathesis runs the lifespan and requests on its own event-loop thread.
    # Its own Redis prefix, under the session's (removed with it): fresh breaker state, and
    # the export jobs it queues stay out of other tests' queues.
    settings = build_settings(
        {
            **settings_overrides,
            "model_server_url": model_server_url,
            "redis_key_prefix": f"{redis_key_prefix}contract:{secrets.token_hex(4)}:",
        }
    )
    app = create_app(settings)
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Named security scheme: Schemathesis sends the key, and its ignored_auth check
            # verifies that requests without it (or with a wrong one) are refused.
            "auth": {"openapi": {"APIKeyHeader": {"api_key": api_key}}},
            "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "database": "none"},
            # What schema.parametrize() runs; the stateful phase is the state machine test below.
            "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
            "operations": [
                {"include-name": label, "checks": {"positive_data_acceptance": {"expected-statuses": CURSOR_ACCEPTED}}}
                for label in operations_taking(app.openapi(), OPAQUE_PARAMETER)
            ],
        }
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    shutdown_lifespans()


schema = schemathesis.pytest.from_fixture("fuzzed_schema")


def give_fresh_idempotency_key(case: schemathesis.Case) -> None:
    """One generated key with two bodies is a 422 by design (idempotency's own tests cover
    that); a fresh valid key per call keeps this about the contract. An invalid key is left
    for negative testing (400)."""
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and VALID_IDEMPOTENCY_KEY.match(key):
        headers["Idempotency-Key"] = uuid.uuid4().hex


@pytest.mark.slow
@schema.parametrize()
def test_default_checks_pass(case: schemathesis.Case) -> None:
    """Examples, coverage and fuzzing phases: one subtest per operation of the document."""
    give_fresh_idempotency_key(case)
    case.call_and_validate()


@pytest.mark.slow
def test_default_checks_pass_through_links(fuzzed_schema: schemathesis.BaseSchema) -> None:
    """Stateful phase: sequences of calls along the document's links (incident create → get,
    update, delete; export → task) and those Schemathesis infers from them, every response
    validated with the default checks."""
    links = fuzzed_schema.as_state_machine()

    class Scenarios(links):
        def before_call(self, case: schemathesis.Case) -> None:
            super().before_call(case)
            give_fresh_idempotency_key(case)

    Scenarios.run(
        settings=hypothesis_settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_MAX_STEPS,
            # No shrinking, as Schemathesis's own stateful runs: each step is a real request.
            phases=[Phase.generate],
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
