"""ASGI factory for harnesses that run the app in-process (``[contract] asgi_app``).

    >>> app = app_from_env()     # settings from APP_* variables, database migrated to head

Migrating here makes the factory self-sufficient: an in-process caller has no
``python -m reference_app --migrate`` step. Upgrading an up-to-date database is a no-op.
"""

from __future__ import annotations

from fastapi import FastAPI

from reference_app.app import create_app
from reference_app.migrations import upgrade
from reference_app.settings import build_settings


def app_from_env() -> FastAPI:
    settings = build_settings()
    upgrade(settings.database_url, "head")
    return create_app(settings)
