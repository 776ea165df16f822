"""Error classification (property 29): every outcome is retryable or not, deterministically.

Retryable: timeouts, connection errors (connect, read, write, dropped connection), and the
statuses 408, 429, 502, 503, 504. Everything else is non-retryable: other statuses (4xx
validation, auth, not found; 500 and 501, which a retry will not fix), the breaker's own
refusal, and every other exception (programming errors).

>>> classify(503), classify(404), classify(httpx.ConnectError("refused"))
(<ErrorClass.RETRYABLE: 'retryable'>, <ErrorClass.NON_RETRYABLE: 'non_retryable'>, <ErrorClass.RETRYABLE: 'retryable'>)
"""

from __future__ import annotations

from enum import StrEnum

import httpx

from reference_app.resilience.errors import ResilienceError

#: Statuses worth another attempt (RFC 9110 §15.5.9, §15.6.3-5; RFC 6585 §4).
RETRYABLE_STATUSES = frozenset({408, 429, 502, 503, 504})
#: httpx errors meaning "no usable answer arrived over this connection".
_RETRYABLE_HTTPX = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
#: Standard-library equivalents raised by transports that are not httpx's own.
_RETRYABLE_BUILTIN = (TimeoutError, ConnectionError)


class ErrorClass(StrEnum):
    RETRYABLE = "retryable"
    NON_RETRYABLE = "non_retryable"


def classify(outcome: BaseException | int | httpx.Response) -> ErrorClass:
    """The class of an exception, a status code or a response; total and deterministic."""
    if isinstance(outcome, httpx.Response):
        outcome = outcome.status_code
    if isinstance(outcome, bool):  # bool is an int: never a status
        return ErrorClass.NON_RETRYABLE
    if isinstance(outcome, int):
        return ErrorClass.RETRYABLE if outcome in RETRYABLE_STATUSES else ErrorClass.NON_RETRYABLE
    if isinstance(outcome, ResilienceError):
        return ErrorClass.NON_RETRYABLE
    if isinstance(outcome, (*_RETRYABLE_HTTPX, *_RETRYABLE_BUILTIN)):
        return ErrorClass.RETRYABLE
    return ErrorClass.NON_RETRYABLE


def is_retryable(outcome: BaseException | int | httpx.Response) -> bool:
    return classify(outcome) is ErrorClass.RETRYABLE
