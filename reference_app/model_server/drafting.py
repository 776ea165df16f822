"""The "model": a deterministic extractive summary, so tests can predict its output."""

from __future__ import annotations

import re

#: Longest summary returned, in characters.
MAX_SUMMARY_LENGTH = 280
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def draft_summary(title: str, description: str) -> str:
    """Title plus the first sentence of the description, whitespace collapsed.

    >>> draft_summary("DB down", "Primary failed over. Replica lag 3s.")
    'DB down: Primary failed over.'
    """
    clean_title = " ".join(title.split())
    first_sentence = _SENTENCE_END.split(" ".join(description.split()), maxsplit=1)[0]
    summary = f"{clean_title}: {first_sentence}" if first_sentence else clean_title
    if len(summary) > MAX_SUMMARY_LENGTH:
        summary = summary[: MAX_SUMMARY_LENGTH - 1].rstrip() + "…"
    return summary
