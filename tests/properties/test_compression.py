"""12 fails when large bodies are not compressed, or compressed unasked."""

from __future__ import annotations

import pytest

from properties.http.compression import check_compression
from tests.properties.asgi import RewriteRequest, with_headers


def _never_compress(app):
    """The app never sees Accept-Encoding: compression is effectively off."""
    return RewriteRequest(
        app, lambda scope: with_headers(scope, [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"])
    )


def _always_gzip(app):
    """Every request claims gzip: clients that did not ask get gzip anyway."""

    def rewrite(scope):
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        return with_headers(scope, [*headers, (b"accept-encoding", b"gzip")])

    return RewriteRequest(app, rewrite)


def test_the_property_holds_on_the_reference_app(open_target):
    with open_target() as http:
        check_compression(http)


@pytest.mark.mutant(12)
@pytest.mark.parametrize("mutant", [_never_compress, _always_gzip])
def test_compression_fails_on_a_mutant(open_target, mutant):
    with open_target(mutant) as http, pytest.raises(AssertionError, match=r"compressed|accept"):
        check_compression(http)
