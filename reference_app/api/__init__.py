"""HTTP API: routers under ``/api/v1`` plus the health probes."""
