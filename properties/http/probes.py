"""Requests the http properties send: documented operations, errors, random paths.

A :class:`Probe` is plain data (so Hypothesis shows it in a falsifying example) and
:func:`send` turns it into a request on an :class:`HttpTarget`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import strategies as st

from properties.http.openapi import ApiDocument, Operation
from properties.http.target import HttpTarget

#: A path parameter placeholder: ``{incident_id}``.
PATH_PARAMETER = re.compile(r"\{[^}]+\}")
#: Methods sent to random paths.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    #: The route template the request should match (None: a path no route serves).
    template: str | None = None
    auth: bool = True
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


def send(http: HttpTarget, probe: Probe, *, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """Send ``probe`` (with its credentials if ``probe.auth``) plus extra ``headers``."""
    kwargs: dict[str, Any] = {"params": dict(probe.params)}
    if probe.json is not None:
        kwargs["json"] = probe.json
    merged = {**probe.headers, **(headers or {})}
    return http.call(probe.method, probe.path, auth=probe.auth, headers=merged, **kwargs)


def fill_path(template: str, value: str) -> str:
    return PATH_PARAMETER.sub(value, template)


#: Path segments no API serves: lower-case words with digits, never a documented path.
random_paths = st.lists(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True), min_size=1, max_size=4).map(
    lambda parts: "/gauntlet-nowhere/" + "/".join(parts)
)


def random_path_probes() -> st.SearchStrategy[Probe]:
    return st.builds(Probe, method=st.sampled_from(METHODS), path=random_paths, auth=st.booleans())


def documented_probes(api: ApiDocument) -> st.SearchStrategy[Probe]:
    """Documented operations, with or without credentials, with unknown or malformed ids."""
    operations = [op for op in api.operations() if op.method in ("GET", "POST", "PATCH", "DELETE", "PUT")]
    if not operations:
        return st.nothing()
    return st.builds(
        _probe_for,
        operation=st.sampled_from(operations),
        auth=st.booleans(),
        path_value=st.one_of(st.uuids().map(str), st.sampled_from(["not-an-id", "0", "%20"])),
        body=st.sampled_from(["none", "empty", "invalid"]),
    )


def _probe_for(operation: Operation, auth: bool, path_value: str, body: str) -> Probe:
    payload: Any = None
    if operation.method in ("POST", "PATCH", "PUT"):
        payload = {"empty": {}, "invalid": {"gauntlet": ["not", "valid"]}, "none": None}[body]
    return Probe(
        method=operation.method,
        path=fill_path(operation.path, path_value),
        template=operation.path,
        auth=auth,
        json=payload,
    )


def any_probes(api: ApiDocument) -> st.SearchStrategy[Probe]:
    return st.one_of(documented_probes(api), random_path_probes())


def fresh_id() -> str:
    return uuid.uuid4().hex
