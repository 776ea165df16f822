"""What the properties read from the target's OpenAPI document: operations, list
operations, request bodies. Discovery is heuristic; ``[properties]`` names operations
when it is ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gauntlet.config.model import PropertiesSettings

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # template, as in the document
    spec: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def operation_id(self) -> str | None:
        value = self.spec.get("operationId")
        return value if isinstance(value, str) else None

    @property
    def has_path_parameters(self) -> bool:
        return "{" in self.path

    def parameter(self, name: str, location: str = "query") -> Mapping[str, Any] | None:
        for parameter in self.spec.get("parameters", ()):
            if parameter.get("name") == name and parameter.get("in") == location:
                return dict(parameter)
        return None

    @property
    def secured(self) -> bool:
        return bool(self.spec.get("security"))


class ApiDocument:
    """An OpenAPI 3 document with ``$ref`` resolution.

    >>> api = ApiDocument(client.get("/openapi.json").json())
    >>> [op.label for op in api.operations()]
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref``s until a non-reference node."""
        seen = 0
        while isinstance(node, Mapping) and "$ref" in node and seen < 32:
            ref = str(node["$ref"])
            if not ref.startswith("#/"):
                raise ValueError(f"only local references are supported, got {ref!r}")
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
        return node

    def operations(self) -> Iterator[Operation]:
        for path, item in self.document.get("paths", {}).items():
            for method, spec in item.items():
                if method in HTTP_METHODS:
                    yield Operation(method.upper(), path, spec)

    def operation(self, label: str) -> Operation:
        method, _, path = label.partition(" ")
        for operation in self.operations():
            if operation.method == method.upper() and operation.path == path:
                return operation
        raise LookupError(f"the OpenAPI document has no operation {label!r}")

    def has_operation(self, method: str, path: str) -> bool:
        return any(op.method == method and op.path == path for op in self.operations())

    def response_schema(self, operation: Operation, status: str = "200") -> Mapping[str, Any] | None:
        response = self.resolve(operation.spec.get("responses", {}).get(status))
        if not isinstance(response, Mapping):
            return None
        for media_type, content in response.get("content", {}).items():
            if "json" in media_type:
                schema = self.resolve(content.get("schema"))
                return schema if isinstance(schema, Mapping) else None
        return None

    def is_page_schema(self, schema: Mapping[str, Any] | None) -> bool:
        """A page of a list: an object with an array ``items`` property."""
        if schema is None:
            return False
        items = self.resolve(schema.get("properties", {}).get("items"))
        return schema.get("type", "object") == "object" and isinstance(items, Mapping) and items.get("type") == "array"

    def list_operations(self, settings: PropertiesSettings) -> list[Operation]:
        """Configured, or every parameterless GET answering a page of items."""
        if settings.list_operations:
            return [self.operation(label) for label in settings.list_operations]
        return [
            op
            for op in self.operations()
            if op.method == "GET" and not op.has_path_parameters and self.is_page_schema(self.response_schema(op))
        ]

    def create_operation(self, list_operation: Operation) -> Operation | None:
        """The POST on the list's own path (``POST /incidents`` for ``GET /incidents``)."""
        for op in self.operations():
            if op.method == "POST" and op.path == list_operation.path:
                return op
        return None

    def item_operation(self, list_operation: Operation, method: str) -> Operation | None:
        """``METHOD /list/{id}``: the operation on one item of the list."""
        for op in self.operations():
            rest = op.path.removeprefix(list_operation.path + "/")
            one_parameter = rest.startswith("{") and rest.endswith("}") and "/" not in rest
            if op.method == method and rest != op.path and one_parameter:
                return op
        return None

    def request_body_schema(self, operation: Operation) -> Mapping[str, Any] | None:
        body = self.resolve(operation.spec.get("requestBody"))
        if not isinstance(body, Mapping):
            return None
        for media_type, content in body.get("content", {}).items():
            if "json" in media_type:
                schema = self.resolve(content.get("schema"))
                return schema if isinstance(schema, Mapping) else None
        return None

    def example_body(self, operation: Operation, text: str = "gauntlet") -> dict[str, Any]:
        """A valid JSON body: the schema's first example, else its required properties filled in."""
        schema = self.request_body_schema(operation)
        if schema is None:
            return {}
        examples = schema.get("examples")
        if isinstance(examples, Sequence) and examples and isinstance(examples[0], Mapping):
            body = dict(examples[0])
        else:
            body = {
                name: self.example_value(schema.get("properties", {}).get(name, {}), text)
                for name in schema.get("required", ())
            }
        return body

    def example_value(self, schema: Any, text: str) -> Any:
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping):
            return text
        if "enum" in schema:
            return schema["enum"][0]
        if "anyOf" in schema or "oneOf" in schema:
            options = [self.resolve(s) for s in schema.get("anyOf", schema.get("oneOf", ()))]
            usable = [s for s in options if isinstance(s, Mapping) and s.get("type") != "null"]
            return self.example_value(usable[0] if usable else {}, text)
        kind = schema.get("type", "string")
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return float(schema.get("minimum", 1))
        if kind == "boolean":
            return False
        if kind == "array":
            return []
        if kind == "object":
            return {}
        minimum = int(schema.get("minLength", 1))
        return (text * (minimum // max(len(text), 1) + 1))[: max(minimum, min(len(text), schema.get("maxLength", 64)))]
