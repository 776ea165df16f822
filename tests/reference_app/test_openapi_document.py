"""The real app's /openapi.json says what the spec requires (spec: API surface): every
operation documents its error responses as problem+json, strict request schemas with
examples, and links from a created resource to the operations that take its id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reference_app.http.problem import PROBLEM_MEDIA_TYPE

API_PREFIX = "/api/v1"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
#: What every problem+json body carries (RFC 9457 members the app always sets).
PROBLEM_REQUIRED = {"type": "string", "title": "string", "status": "integer"}
INCIDENT_LINKS = {
    "GetIncident": "getIncident",
    "UpdateIncident": "updateIncident",
    "DeleteIncident": "deleteIncident",
}

Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture
async def document(client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def operations(document: dict[str, Any], prefix: str = "") -> Iterator[Operation]:
    for path, item in document["paths"].items():
        if not path.startswith(prefix):
            continue
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        assert schema["$ref"].startswith("#/components/schemas/"), schema
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def error_statuses(operation: dict[str, Any]) -> list[int]:
    return [int(status) for status in operation["responses"] if status[0] in "45"]


def request_body_variants(document: dict[str, Any], operation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The body schema, or each alternative of a oneOf/anyOf body (``PasswordGrant | ApiKeyGrant``)."""
    raw = operation["requestBody"]["content"]["application/json"]["schema"]
    alternatives = raw.get("anyOf") or raw.get("oneOf") or [raw]
    return [(alt.get("$ref", "inline").rsplit("/", 1)[-1], resolve(document, alt)) for alt in alternatives]


def test_the_api_has_operations(document):
    api = list(operations(document, API_PREFIX))
    assert len(api) >= 14
    ids = [operation.get("operationId") for _, _, operation in operations(document)]
    assert None not in ids
    assert len(ids) == len(set(ids)), "operationIds must be unique (links name them)"


def test_create_incident_links_to_get_update_and_delete(document):
    created = document["paths"][f"{API_PREFIX}/incidents"]["post"]
    assert created["operationId"] == "createIncident"
    response = created["responses"]["201"]
    links = response["links"]
    assert INCIDENT_LINKS.items() <= {name: link["operationId"] for name, link in links.items()}.items()
    assert all(link["parameters"] == {"incident_id": "$response.body#/id"} for link in links.values())
    body = resolve(document, response["content"]["application/json"]["schema"])
    assert "id" in body["required"]


def test_every_link_names_an_operation_and_its_parameters(document):
    by_id = {operation["operationId"]: operation for _, _, operation in operations(document)}
    links = [
        link
        for _, _, operation in operations(document)
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 4  # createIncident's three and createExport → getTask
    for link in links:
        target = by_id[link["operationId"]]
        names = {parameter["name"] for parameter in target.get("parameters", [])}
        assert set(link["parameters"]) <= names, (link, names)


def test_every_error_response_is_problem_json_with_a_schema(document):
    checked = 0
    for method, path, operation in operations(document, API_PREFIX):
        assert error_statuses(operation), f"{method} {path} documents no error response"
        for status in error_statuses(operation):
            content = operation["responses"][str(status)].get("content", {})
            assert set(content) == {PROBLEM_MEDIA_TYPE}, (method, path, status, list(content))
            assert "schema" in content[PROBLEM_MEDIA_TYPE], (method, path, status)
            checked += 1
    assert checked >= 70


def test_every_problem_schema_requires_type_title_and_status(document):
    checked = 0
    for method, path, operation in operations(document, API_PREFIX):
        for status in error_statuses(operation):
            schema = resolve(document, operation["responses"][str(status)]["content"][PROBLEM_MEDIA_TYPE]["schema"])
            assert set(PROBLEM_REQUIRED) <= set(schema["required"]), (method, path, status)
            for name, kind in PROBLEM_REQUIRED.items():
                assert schema["properties"][name]["type"] == kind, (method, path, status, name)
            checked += 1
    assert checked >= 70


def test_every_authenticated_operation_documents_401(document):
    authenticated = [(m, p, op) for m, p, op in operations(document, API_PREFIX) if op.get("security")]
    assert len(authenticated) >= 10
    schemes = set(document["components"]["securitySchemes"])
    for method, path, operation in authenticated:
        assert "401" in operation["responses"], f"{method} {path}"
        assert {name for requirement in operation["security"] for name in requirement} <= schemes


def test_every_operation_with_parameters_or_a_body_documents_422(document):
    with_input = [
        (m, p, op) for m, p, op in operations(document, API_PREFIX) if op.get("parameters") or op.get("requestBody")
    ]
    assert len(with_input) >= 12
    for method, path, operation in with_input:
        assert "422" in operation["responses"], f"{method} {path}"


def test_every_operation_with_a_body_documents_400_for_malformed_json(document):
    with_body = [(m, p, op) for m, p, op in operations(document, API_PREFIX) if op.get("requestBody")]
    assert len(with_body) >= 6
    for method, path, operation in with_body:
        assert "400" in operation["responses"], f"{method} {path}"


def test_every_operation_on_one_resource_documents_404(document):
    by_id = [(m, p, op) for m, p, op in operations(document, API_PREFIX) if "{" in p]
    assert len(by_id) >= 5
    for method, path, operation in by_id:
        assert "404" in operation["responses"], f"{method} {path}"


def test_every_api_operation_documents_429_with_retry_after_and_503(document):
    for method, path, operation in operations(document, API_PREFIX):
        responses = operation["responses"]
        assert "Retry-After" in responses["429"]["headers"], f"{method} {path}"
        assert "503" in responses, f"{method} {path}"


def test_request_bodies_are_strict_and_carry_examples(document):
    checked = []
    for method, path, operation in operations(document, API_PREFIX):
        if not operation.get("requestBody"):
            continue
        for name, schema in request_body_variants(document, operation):
            assert schema.get("additionalProperties") is False, f"{method} {path} {name} accepts unknown fields"
            assert schema.get("examples"), f"{method} {path} {name} has no example"
            checked.append(name)
    assert {"IncidentCreate", "IncidentUpdate", "UserCreate", "PasswordGrant", "ApiKeyGrant"} <= set(checked)
    assert {"RefreshRequest", "ApiKeyCreate", "ExportCreate"} <= set(checked)


def test_the_problem_schema_has_an_example(document):
    problem = document["components"]["schemas"]["Problem"]
    [example] = problem["examples"]
    assert set(problem["required"]) <= set(example)
