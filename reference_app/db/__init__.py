"""Database layer: ORM models, the engine and session factory."""
