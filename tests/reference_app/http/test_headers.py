from __future__ import annotations

from reference_app.http.headers import add_vary, get_joined, request_header, scope_state, set_default, set_header


def test_add_vary_merges_without_duplicates():
    headers = [(b"vary", b"Authorization")]
    add_vary(headers, b"Accept-Encoding")
    add_vary(headers, b"accept-encoding")
    assert headers == [(b"vary", b"Authorization, Accept-Encoding")]


def test_add_vary_joins_repeated_fields_and_respects_star():
    headers = [(b"vary", b"A"), (b"Vary", b"B")]
    add_vary(headers, b"C")
    assert get_joined(headers, b"vary") == b"A, B, C"
    star = [(b"vary", b"*")]
    add_vary(star, b"Origin")
    assert star == [(b"vary", b"*")]


def test_set_header_replaces_every_occurrence_and_set_default_keeps_one():
    headers = [(b"x-a", b"1"), (b"X-A", b"2")]
    set_header(headers, b"x-a", b"3")
    set_default(headers, b"x-a", b"4")
    assert headers == [(b"x-a", b"3")]


def test_scope_helpers():
    scope = {"headers": [(b"x-one", b"1"), (b"x-one", b"2")]}
    assert request_header(scope, b"x-one") == b"1"
    assert request_header(scope, b"x-two") is None
    scope_state(scope)["k"] = 1
    assert scope["state"] == {"k": 1}
