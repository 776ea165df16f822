"""The bundled reference backend: an incident-report service built with FastAPI.

Start it with ``python -m reference_app`` or build it in-process::

    from reference_app.app import create_app
    from reference_app.settings import build_settings

    app = create_app(build_settings())
"""
