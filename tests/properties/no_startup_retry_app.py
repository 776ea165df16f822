"""The reference app with its start-up database wait removed: one attempt, then exit.

Run as ``python -m tests.properties.no_startup_retry_app`` with the app's own arguments
(property 28's http failure proof): a database still starting kills the app.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from reference_app import __main__ as app_main

T = TypeVar("T")


def connect_once(action: Callable[[], T], **_: Any) -> T:
    return action()


if __name__ == "__main__":
    app_main.retry_until_reachable = connect_once
    sys.exit(app_main.main())
