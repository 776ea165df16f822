"""HTTP building blocks of the reference app: pure-ASGI middleware and problem+json."""
