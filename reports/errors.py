"""Errors of the reports package.

    ReportError               root: something about the report writers themselves
    └── WriterNameError       a writer's file name is taken, unsafe or unknown (also a ValueError)

A missing or unreadable ``report.json`` is ``gauntlet.rundoc.store.RunDocumentError``,
raised unchanged: the CLI already turns it into exit code 2.
"""

from __future__ import annotations


class ReportError(Exception):
    """Root of the reports package's errors."""


class WriterNameError(ReportError, ValueError):
    """A report writer's file name is already registered, unsafe, or not registered."""
