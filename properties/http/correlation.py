"""31: fresh correlation ids never collide; 32: valid ids are echoed, invalid ones replaced."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from hypothesis import given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.probes import Probe, any_probes, send
from properties.http.target import HttpTarget

#: What a target may accept as an incoming id (reference-app.md "Correlation IDs").
VALID_ID = r"[A-Za-z0-9._-]{1,128}"
#: Longest id a target must accept.
MAX_ID_LENGTH = 128
#: Characters never allowed in an id: printable ASCII outside the id alphabet.
BAD_CHARACTERS = "".join(chr(c) for c in range(0x21, 0x7F) if not (chr(c).isalnum() or chr(c) in "._-"))

valid_ids = st.from_regex(VALID_ID, fullmatch=True)
id_characters = st.sampled_from("abcXYZ019._-")
invalid_ids = st.one_of(
    # Too long.
    st.text(id_characters, min_size=MAX_ID_LENGTH + 1, max_size=4 * MAX_ID_LENGTH),
    # A forbidden character inside (edges would be trimmed as whitespace by HTTP parsers).
    st.tuples(
        st.text(id_characters, min_size=1, max_size=20),
        st.text(st.sampled_from(BAD_CHARACTERS + " \t"), min_size=1, max_size=5),
        st.text(id_characters, min_size=1, max_size=20),
    ).map("".join),
)


def check_fresh_ids_are_unique(http: HttpTarget) -> None:
    """Concurrent requests without an id: each answer carries a new one, none collide."""
    header = http.settings.request_id_header

    @over_http()
    @given(probes=st.lists(any_probes(http.api), min_size=8, max_size=40))
    def concurrent_requests_get_distinct_ids(probes: list[Probe]) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(lambda probe: send(http, probe), probes))
        ids = [response.headers.get(header) for response in responses]
        statuses = [(p.path, r.status_code) for p, r in zip(probes, responses, strict=True)]
        assert all(ids), f"a response without {header}: {statuses}"
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        assert not duplicates, f"{len(ids)} concurrent requests, colliding ids: {duplicates}"

    concurrent_requests_get_distinct_ids()
    seen: set[str] = set()

    @over_http()
    @given(probe=any_probes(http.api))
    def ids_never_repeat_across_requests(probe: Probe) -> None:
        response_id = send(http, probe).headers.get(header)
        assert response_id, f"{probe.method} {probe.path}: no {header}"
        assert response_id not in seen, f"{header} {response_id!r} was already given to an earlier request"
        seen.add(response_id)

    ids_never_repeat_across_requests()


def reflected(response: httpx.Response, sent: str) -> list[str]:
    return [name for name, value in response.headers.items() if sent in value]


def check_request_ids_propagate(http: HttpTarget) -> None:
    """A valid incoming id is echoed; an invalid or oversized one is replaced, never reflected."""
    header = http.settings.request_id_header

    @over_http()
    @given(probe=any_probes(http.api), incoming=valid_ids)
    def valid_ids_are_echoed(probe: Probe, incoming: str) -> None:
        response = send(http, probe, headers={header: incoming})
        assert response.headers.get(header) == incoming, (
            f"sent {header}: {incoming!r}, got {response.headers.get(header)!r} ({response.status_code})"
        )

    @over_http()
    @given(probe=any_probes(http.api), incoming=invalid_ids)
    def invalid_ids_are_replaced(probe: Probe, incoming: str) -> None:
        response = send(http, probe, headers={header: incoming})
        answered = response.headers.get(header)
        assert answered, f"sent an invalid {header}, got none back ({response.status_code})"
        assert answered != incoming.strip(), f"invalid {header} {incoming!r} was echoed"
        assert not reflected(response, incoming.strip()), (
            f"invalid {header} {incoming!r} reflected in {reflected(response, incoming.strip())}"
        )

    valid_ids_are_echoed()
    invalid_ids_are_replaced()
