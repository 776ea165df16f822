"""``Accept-Encoding`` negotiation (RFC 9110 §12.5.3).

- No ``Accept-Encoding`` field: identity (a client that never asked gets plain bytes,
  which RFC 9110 permits and property 12 requires).
- Each coding the server offers takes its explicit q-value, else the ``*`` one, else 0;
  q=0 refuses it; an explicit entry beats ``*`` in both directions (``gzip;q=0, *``
  refuses gzip, ``*;q=0, br`` accepts br).
- The highest q wins; ties go to the server's preference order.
- Identity stays the fallback even when refused (``identity;q=0``): sending it beats
  answering 406 to a request the server can serve (§12.5.3 allows either).
- Malformed members (``gzip;q=2``, ``br;q=abc``) are ignored, not fatal.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Codings the compression middleware produces, in preference order for equal q-values
#: (br compresses JSON ~15-20% smaller than gzip at similar speed).
SUPPORTED_CODINGS = ("br", "gzip")
#: RFC 9110 §8.4.1.3: recipients treat ``x-gzip`` as ``gzip``.
CODING_ALIASES = {"x-gzip": "gzip"}
#: RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
MAX_QVALUE_CHARS = 5


def _qvalue(params: list[str]) -> float | None:
    """The ``q`` parameter (RFC 9110 §12.4.2), 1.0 when absent, None when malformed."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        value = value.strip()
        try:
            q = float(value)
        except ValueError:
            return None
        if not 0.0 <= q <= 1.0 or len(value) > MAX_QVALUE_CHARS:
            return None
        return q
    return 1.0


def parse_accept_encoding(value: str) -> dict[str, float]:
    """Coding name (lower-case) → q-value; malformed members are ignored.

    >>> parse_accept_encoding("gzip;q=0.5, br, *;q=0")
    {'gzip': 0.5, 'br': 1.0, '*': 0.0}
    """
    result: dict[str, float] = {}
    for member in value.split(","):
        coding, *params = member.split(";")
        name = coding.strip().lower()
        if not name:
            continue
        q = _qvalue(params)
        if q is None:
            continue
        name = CODING_ALIASES.get(name, name)
        # A repeated coding keeps its highest weight.
        result[name] = max(q, result.get(name, 0.0))
    return result


def negotiate_encoding(accept_encoding: str | None, supported: Sequence[str] = SUPPORTED_CODINGS) -> str | None:
    """The coding to use, or None for identity.

    No ``Accept-Encoding`` means identity (a client that never asked gets plain bytes).
    Each supported coding takes its explicit q-value, else the ``*`` one, else 0; q=0
    refuses; the highest q wins, ties go to the order of ``supported``.

    >>> negotiate_encoding("gzip;q=0, *"), negotiate_encoding("br;q=0.5, gzip")
    ('br', 'gzip')
    """
    if accept_encoding is None:
        return None
    weights = parse_accept_encoding(accept_encoding)
    best: str | None = None
    best_q = 0.0
    for coding in supported:
        q = weights.get(coding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best
