"""classify: total and deterministic over statuses and exceptions (property 29)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_app.resilience import CircuitOpenError, ErrorClass, classify

RETRYABLE_EXCEPTIONS = [
    httpx.ConnectError("refused"),
    httpx.ConnectTimeout("slow connect"),
    httpx.ReadTimeout("slow read"),
    httpx.WriteTimeout("slow write"),
    httpx.PoolTimeout("no connection"),
    httpx.ReadError("reset"),
    httpx.RemoteProtocolError("server disconnected"),
    TimeoutError(),
    ConnectionResetError(),
]
NON_RETRYABLE_EXCEPTIONS = [
    ValueError("bad"),
    KeyError("x"),
    TypeError(),
    httpx.UnsupportedProtocol("ftp"),
    httpx.DecodingError("gzip"),
    CircuitOpenError("model-server", 3.0),
    asyncio.CancelledError(),
]


@given(st.integers(min_value=-1000, max_value=10_000))
def test_every_status_has_exactly_one_class_and_the_same_one_twice(status):
    first, second = classify(status), classify(status)
    assert first is second
    assert first in (ErrorClass.RETRYABLE, ErrorClass.NON_RETRYABLE)
    assert (first is ErrorClass.RETRYABLE) == (status in {408, 429, 502, 503, 504})


@given(st.sampled_from([200, 201, 400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504]))
def test_a_response_is_classified_by_its_status(status):
    assert classify(httpx.Response(status)) is classify(status)


@pytest.mark.parametrize("error", RETRYABLE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_timeouts_and_connection_errors_are_retryable(error):
    assert classify(error) is ErrorClass.RETRYABLE


@pytest.mark.parametrize("error", NON_RETRYABLE_EXCEPTIONS, ids=lambda e: type(e).__name__)
def test_programming_errors_and_the_breakers_refusal_are_not(error):
    assert classify(error) is ErrorClass.NON_RETRYABLE


@given(st.sampled_from(RETRYABLE_EXCEPTIONS + NON_RETRYABLE_EXCEPTIONS))
def test_exceptions_are_classified_deterministically(error):
    assert classify(error) is classify(error)


def test_a_bool_is_not_a_status():
    assert classify(True) is ErrorClass.NON_RETRYABLE
