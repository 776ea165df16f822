"""``POST /exports`` → 202 at once, the work done by a real worker PROCESS
(``python -m reference_app worker``), ``GET /tasks/{id}`` and ``GET /tasks`` (properties 17,
19, 32): the worker that ran it, the file it wrote and its log lines are checked, not times."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from reference_app.app import create_app
from reference_app.http.problem import PROBLEM_MEDIA_TYPE
from reference_app.settings import build_settings

from .support import WAIT_BOUND_S

pytestmark = pytest.mark.slow


async def wait_final(client, headers, status_url: str) -> dict:
    deadline = time.monotonic() + WAIT_BOUND_S
    while time.monotonic() < deadline:
        body = (await client.get(status_url, headers=headers)).json()
        if body["status"] in ("SUCCESS", "FAILURE"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{status_url} never finished")


async def test_an_export_is_accepted_then_done_by_the_worker_process(client, user, worker_process):
    for n in range(3):
        created = await client.post("/api/v1/incidents", json={"title": f"Incident {n}"}, headers=user.headers)
        assert created.status_code == 201
    request_id = f"export-{uuid.uuid4().hex[:12]}"
    accepted = await client.post(
        "/api/v1/exports",
        json={"format": "csv", "priority": "high"},
        headers={**user.headers, "X-Request-ID": request_id},
    )
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["status"] == "PENDING"  # answered before any worker touched it
    assert body["status_url"] == f"/api/v1/tasks/{body['task_id']}" == accepted.headers["location"]

    final = await wait_final(client, user.headers, body["status_url"])
    assert final["status"] == "SUCCESS", final
    assert final["priority"] == "high" and final["params"] == {"format": "csv"}
    assert final["result"] == {"location": f"{body['task_id']}.csv", "rows": 3, "bytes": final["result"]["bytes"],
                               "format": "csv"}  # fmt: skip
    # The work happened in the worker process: it wrote the file, and it says it ran it.
    written = (worker_process.export_dir / final["result"]["location"]).read_text()
    assert written.count("\n") == 4 and written.startswith("id,title,")
    # The request's correlation id travelled into the task: the worker's log lines carry it.
    records = [json.loads(line) for line in worker_process.log_lines() if line.startswith("{")]
    mine = [r for r in records if r.get("task_id") == body["task_id"]]
    assert {"task_started", "task_succeeded"} <= {r["event"] for r in mine}
    assert {r["correlation_id"] for r in mine} == {request_id}
    assert {r.get("worker") for r in mine if r["event"] == "task_started"} == {worker_process.hostname}


async def test_every_accepted_task_is_eventually_executed(client, user, worker_process):
    urls = []
    for n in range(8):
        accepted = await client.post(
            "/api/v1/exports",
            json={"format": "json", "priority": ["low", "normal", "high"][n % 3]},
            headers=user.headers,
        )
        assert accepted.status_code == 202
        urls.append(accepted.json()["status_url"])
    finals = [await wait_final(client, user.headers, url) for url in urls]
    assert {f["status"] for f in finals} == {"SUCCESS"}
    assert all(f["version"] == 3 and f["retries"] == 0 for f in finals)


async def test_tasks_are_listed_newest_first_one_page_at_a_time(client, make_user, worker_process):
    owner = await make_user()
    ids = []
    for _ in range(5):
        ids.append((await client.post("/api/v1/exports", json={}, headers=owner.headers)).json()["task_id"])
    seen, url = [], "/api/v1/tasks?limit=2"
    while url:
        page = (await client.get(url, headers=owner.headers)).json()
        assert len(page["items"]) <= page["limit"] == 2
        assert (page["next_cursor"] is None) == (not page["has_more"])
        seen += [item["id"] for item in page["items"]]
        url = page["links"]["next"]
    assert seen == list(reversed(ids))


async def test_unknown_and_other_users_tasks_are_404_problems(client, user, other_user, worker_process):
    mine = (await client.post("/api/v1/exports", json={}, headers=user.headers)).json()
    for task_id, headers in ((uuid.uuid4(), user.headers), (mine["task_id"], other_user.headers)):
        response = await client.get(f"/api/v1/tasks/{task_id}", headers=headers)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
        assert response.json()["status"] == 404
    await wait_final(client, user.headers, mine["status_url"])


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("POST", "/api/v1/exports", {"format": "xml"}, 422),
        ("POST", "/api/v1/exports", {"priority": "urgent"}, 422),
        ("POST", "/api/v1/exports", {"format": "json", "extra": 1}, 422),
        ("GET", "/api/v1/tasks?limit=0", None, 422),
        ("GET", "/api/v1/tasks?limit=101", None, 422),
        ("GET", "/api/v1/tasks?cursor=not-a-cursor", None, 400),
        ("GET", "/api/v1/tasks/not-a-uuid", None, 422),
    ],
)
async def test_invalid_requests_are_problems(client, user, method, url, body, status):
    response = await client.request(method, url, json=body, headers=user.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)


@pytest.mark.parametrize(("method", "url"), [("POST", "/api/v1/exports"), ("GET", "/api/v1/tasks"),
                                             ("GET", f"/api/v1/tasks/{uuid.uuid4()}")])  # fmt: skip
async def test_task_operations_need_credentials(client, method, url):
    response = await client.request(method, url, json={} if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)


async def test_an_unreachable_broker_is_a_503_and_no_task_is_left(settings_overrides, migrated):
    import httpx

    from ..conftest import sign_up

    settings = build_settings({**settings_overrides, "tasks": {"broker_url": "redis://127.0.0.1:9/0",
                                                               "publish_timeout_seconds": 1.0}})  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            someone = await sign_up(http)
            response = await http.post("/api/v1/exports", json={}, headers=someone.headers)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
            assert int(response.headers["retry-after"]) >= 1
            assert (await http.get("/api/v1/tasks", headers=someone.headers)).json()["items"] == []


async def test_the_openapi_document_describes_the_task_operations(client):
    document = (await client.get("/openapi.json")).json()
    create = document["paths"]["/api/v1/exports"]["post"]
    assert create["operationId"] == "createExport"
    for status in ("400", "401", "422", "429", "503"):
        assert PROBLEM_MEDIA_TYPE in create["responses"][status]["content"], status
    accepted = create["responses"]["202"]
    assert accepted["links"]["GetTask"] == {
        "operationId": "getTask",
        "parameters": {"task_id": "$response.body#/task_id"},
    }
    assert "Location" in accepted["headers"]
    get = document["paths"]["/api/v1/tasks/{task_id}"]["get"]
    assert get["operationId"] == "getTask"
    for status in ("401", "404", "422", "429"):
        assert PROBLEM_MEDIA_TYPE in get["responses"][status]["content"], status
    listing = document["paths"]["/api/v1/tasks"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"limit", "cursor"}
