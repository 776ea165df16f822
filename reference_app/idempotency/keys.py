"""What identifies an idempotent request (reference-app.md "Idempotency").

- the key: 1-255 printable ASCII characters (``Idempotency-Key`` header);
- the scope: (principal, method, route template, key) — one client's key never meets
  another's, and a key reused on another operation is a different record;
- the fingerprint: sha256 of (method, path, canonical body). JSON bodies are canonical
  (sorted keys, no insignificant whitespace), so ``{"a":1,"b":2}`` and ``{ "b": 2, "a": 1 }``
  are the same request; other bodies are compared byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from reference_app.idempotency.errors import InvalidIdempotencyKeyError

#: Longest accepted key (the IETF draft leaves it open; 255 fits a UUID and then some).
MAX_KEY_LENGTH = 255
_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")


def validate_idempotency_key(raw: str | bytes) -> str:
    """The key, or InvalidIdempotencyKeyError naming the rule.

    >>> validate_idempotency_key(b"4f9c1a0e-2b7d-4c51-9a8e-1f2d3c4b5a69")
    '4f9c1a0e-2b7d-4c51-9a8e-1f2d3c4b5a69'
    """
    key = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    if not _KEY.fullmatch(key):
        raise InvalidIdempotencyKeyError(
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable ASCII characters "
            f"(got {len(key)} characters). Example: a UUID such as 4f9c1a0e-2b7d-4c51-9a8e-1f2d3c4b5a69"
        )
    return key


@dataclass(frozen=True)
class IdempotencyScope:
    principal: str
    method: str
    route: str
    key: str

    def storage_key(self, prefix: str) -> str:
        """``{prefix}idem:{sha256}``: fixed length, whatever the principal or key contain."""
        canonical = json.dumps([self.principal, self.method, self.route, self.key], ensure_ascii=False)
        return f"{prefix}idem:{hashlib.sha256(canonical.encode()).hexdigest()}"


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def canonical_body(body: bytes, content_type: str | None) -> bytes:
    """JSON re-serialised with sorted keys (integers kept exact); anything else unchanged."""
    if not _is_json(content_type):
        return body
    try:
        document = json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return body
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def request_fingerprint(method: str, path: str, body: bytes, content_type: str | None = None) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode("utf-8", "surrogateescape"), canonical_body(body, content_type)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
