"""exception_handlers.py: routing and validation errors are problem+json, status = HTTP status."""

from __future__ import annotations

import pytest

from reference_app.http.problem import PROBLEM_MEDIA_TYPE, problem_type


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == status
    assert body["instance"].startswith("urn:request:")
    assert "correlation_id" in body
    return body


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v2/incidents", "/%00"])
async def test_unknown_route_is_404(client, path):
    assert problem(await client.get(path), 404)["title"] == "Not Found"


async def test_wrong_method_is_405_with_allow(client):
    response = await client.put("/api/v1/incidents")
    problem(response, 405)
    assert "GET" in response.headers["allow"]
    assert "POST" in response.headers["allow"]


async def test_validation_error_is_422_with_loc_msg_type(client, user):
    response = await client.get("/api/v1/incidents/not-a-uuid", headers=user.headers)
    body = problem(response, 422)
    assert body["type"] == problem_type("validation-error")
    assert body["errors"] == [
        {"loc": ["path", "incident_id"], "msg": "Input should be a valid UUID", "type": "uuid_parsing"}
    ]
    assert "not-a-uuid" not in response.text


@pytest.mark.parametrize("payload", [b"{", b'{"title": }', b"\xff\xfe", b"[1,]"])
async def test_malformed_json_is_400(client, user, payload):
    response = await client.post(
        "/api/v1/incidents",
        content=payload,
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert problem(response, 400)["status"] == 400


async def test_non_json_content_type_is_422(client, user):
    response = await client.post(
        "/api/v1/incidents", content=b"title=x", headers={**user.headers, "Content-Type": "text/plain"}
    )
    problem(response, 422)
