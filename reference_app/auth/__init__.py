"""Credentials: password hashing, API keys and JWT access/refresh tokens."""
