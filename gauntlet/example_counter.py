"""How many Hypothesis examples each test ran, from Hypothesis's observability stream.

Property tests often run Hypothesis inside the test (a ``@given`` function defined and
called in the body, on a worker thread), so pytest's per-item ``hypothesis_statistics``
sees nothing. Every example Hypothesis runs, in any thread, emits a ``test_case``
observation; this counter charges the passing ones to the pytest item running now.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from hypothesis.internal.observability import add_observability_callback, remove_observability_callback


class ExampleCounter:
    """Example::

    counter = ExampleCounter().start()
    counter.current = item.nodeid      # while the test runs
    examples = counter.take(item.nodeid)
    counter.stop()
    """

    def __init__(self) -> None:
        self.current: str | None = None
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def start(self) -> ExampleCounter:
        add_observability_callback(self._observe, all_threads=True)
        return self

    def stop(self) -> None:
        remove_observability_callback(self._observe)

    def take(self, nodeid: str) -> int:
        with self._lock:
            return self._counts.pop(nodeid, 0)

    def _observe(self, observation: Any, _thread_id: int) -> None:
        if getattr(observation, "type", None) != "test_case" or getattr(observation, "status", None) != "passed":
            return
        with self._lock:
            if self.current is not None:
                self._counts[self.current] += 1
