"""12: large responses are compressed when the client accepts it, small ones never; the
decoded body equals the identity body; ``Vary: Accept-Encoding``; no header, no coding.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

import brotli
import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.data import ensure_items
from properties.http.openapi import Operation
from properties.http.pagination import list_operations
from properties.http.target import HttpTarget

#: Codings the property covers (RFC 9110 §8.4.1 names; br is RFC 7932).
CODINGS = ("gzip", "br")
#: Enough items that the largest pages exceed a 1 KiB threshold several times.
ITEMS = 12

#: ``Accept-Encoding`` values, None = header absent.
accept_encodings = st.one_of(
    st.none(),
    st.sampled_from(["gzip", "br", "identity", "gzip, br", "br;q=0.5, gzip;q=0.8", "gzip;q=0", "br;q=0, gzip",
                     "*", "*;q=0", "deflate", "zstd", "gzip;q=1.0, identity;q=0.5", "GZIP"]),
)  # fmt: skip


def accepted_codings(header: str | None) -> set[str]:
    """The codings among CODINGS that ``header`` accepts (q > 0; explicit beats ``*``)."""
    if header is None:
        return set()
    explicit: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().lower().startswith("q="):
            q = float(params.strip()[2:])
        explicit[name.strip().lower()] = q
    star = explicit.get("*")
    return {c for c in CODINGS if explicit.get(c, star if star is not None else 0.0) > 0}


def decode(body: bytes, coding: str | None) -> bytes:
    if coding in (None, "identity"):
        return body
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        return bytes(brotli.decompress(body))
    if coding == "deflate":
        return zlib.decompress(body)
    raise AssertionError(f"unexpected Content-Encoding {coding!r}")


@dataclass(frozen=True)
class RawReply:
    status: int
    headers: httpx.Headers
    body: bytes


def raw_get(http: HttpTarget, path: str, params: dict[str, int], accept_encoding: str | None) -> RawReply:
    """GET with exactly this ``Accept-Encoding`` (or none), body as sent on the wire."""
    request = http.client.build_request("GET", path, params=params, headers=http.auth)
    if accept_encoding is None:
        del request.headers["accept-encoding"]
    else:
        request.headers["accept-encoding"] = accept_encoding
    response = http.client.send(request, stream=True)
    try:
        body = b"".join(response.iter_raw())
    finally:
        response.close()
    return RawReply(response.status_code, response.headers, body)


def check_compression(http: HttpTarget) -> None:
    threshold = http.settings.compression_threshold_bytes
    operations = list_operations(http)
    for operation in operations:
        ensure_items(http, operation, ITEMS)

    def large_bodies_compressed_small_ones_not(operation: Operation, limit: int, accept: str | None) -> None:
        params = {"limit": limit}
        plain = raw_get(http, operation.path, params, "identity")
        assert plain.status == 200, f"{operation.label} answered {plain.status}"
        assert plain.headers.get("content-encoding") in (None, "identity"), "identity was refused"
        reply = raw_get(http, operation.path, params, accept)
        coding = reply.headers.get("content-encoding")
        where = f"{operation.path}?limit={limit} ({len(plain.body)} bytes) with Accept-Encoding {accept!r}"
        vary = {v.strip().lower() for v in reply.headers.get("vary", "").split(",")}
        assert "accept-encoding" in vary or "*" in vary, f"{where}: Vary is {reply.headers.get('vary')!r}"
        acceptable = accepted_codings(accept)
        if coding not in (None, "identity"):
            assert coding in acceptable, f"{where}: answered {coding}, which the client did not accept"
        assert decode(reply.body, coding) == plain.body, f"{where}: the decoded body differs from the plain one"
        if len(plain.body) > threshold and acceptable:
            assert coding in acceptable, f"{where}: not compressed although above {threshold} bytes"
        if len(plain.body) < threshold:
            assert coding in (None, "identity"), f"{where}: compressed although below {threshold} bytes"

    test = given(operation=st.sampled_from(operations), limit=st.integers(1, ITEMS), accept=accept_encodings)(
        large_bodies_compressed_small_ones_not
    )
    # The decisive cases first, whatever the profile draws: the largest and smallest page
    # of every list, with each coding and with none.
    for operation in operations:
        for limit, accept in ((ITEMS, "gzip"), (ITEMS, "br"), (ITEMS, None), (1, "gzip")):
            test = example(operation=operation, limit=limit, accept=accept)(test)
    over_http()(test)()
