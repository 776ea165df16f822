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
    # The real app's stack: every error carries its request id and the security headers.
    assert response.headers["x-request-id"] == body["correlation_id"]
    assert body["instance"] == f"urn:request:{body['correlation_id']}"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
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


async def test_an_unhandled_exception_in_the_real_app_is_a_bare_500_with_the_request_id(app, client):
    from reference_app.api.deps import get_principal

    async def exploding() -> None:
        raise RuntimeError("secret internal detail /srv/app/db.py")

    app.dependency_overrides[get_principal] = exploding
    try:
        response = await client.get("/api/v1/incidents", headers={"X-Request-ID": "forced-500.1"})
    finally:
        app.dependency_overrides.pop(get_principal)
    body = problem(response, 500)
    assert response.headers["x-request-id"] == "forced-500.1"
    assert "secret internal detail" not in response.text and "RuntimeError" not in response.text
    assert body["title"] == "Internal Server Error"
