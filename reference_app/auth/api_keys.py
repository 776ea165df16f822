"""API keys: 256-bit random secrets, shown once, stored as sha256 (no slow hash needed)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

#: Recognisable prefix so leaked keys can be found by secret scanners.
KEY_PREFIX = "rak_"
#: Characters of the key stored in clear to tell keys apart.
DISPLAY_PREFIX_LENGTH = 12


@dataclass(frozen=True, slots=True)
class NewApiKey:
    secret: str
    key_hash: str
    display_prefix: str


def generate_api_key() -> NewApiKey:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewApiKey(secret, hash_api_key(secret), secret[:DISPLAY_PREFIX_LENGTH])


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
