"""A stand-in "model server": a separate small HTTP service that drafts incident summaries.

Run it as its own process::

    python -m reference_app.model_server --port 8001 [--delay 0.2]

``POST /v1/draft {title, description}`` → ``{summary}`` (deterministic), ``GET /health``.
"""

from reference_app.model_server.app import create_model_server

__all__ = ["create_model_server"]
