"""Gauntlet: one verdict from properties, contract fuzzing, load, chaos and security runs."""

__version__ = "0.1.0"
