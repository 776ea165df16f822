"""Alert notifications to an HTTP webhook: one JSON POST per transition, never raising.

The body is the event (``rule``, ``state``, ``at``, ``since``, ``value``, ``metric``,
``labels``, ``comparison``, ``threshold``) plus ``service`` and ``sent_at`` (RFC 3339 UTC:
``at`` and ``since`` are on the evaluator's monotonic clock, meaningful only as durations).

>>> notifier = WebhookNotifier("https://hooks.example.com/alerts", timeout_s=2.0)
>>> await notifier.send(event)      # False when the hook failed (logged, not raised)
>>> await notifier.aclose()
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import structlog

from reference_app.alerting.evaluator import AlertEvent

#: Seconds one webhook call may take (connect, write, read) before it is given up.
DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 2.0

_log = structlog.get_logger("reference_app.alerting")


class WebhookNotifier:
    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
        service: str = "reference-app",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self._service = service
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s), transport=transport)

    async def send(self, event: AlertEvent) -> bool:
        """POST the event; True on a 2xx answer. Failures are logged as ``alert_webhook_failed``."""
        now = datetime.now(UTC)
        sent_at = f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"
        body = {**event.as_dict(), "service": self._service, "sent_at": sent_at}
        try:
            response = await self._client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            # The URL may carry a token in its path or query: log the host only.
            _log.warning(
                "alert_webhook_failed",
                rule=event.rule,
                state=event.state,
                host=_host(self.url),
                error=type(exc).__name__,
            )
            return False
        if not response.is_success:
            _log.warning(
                "alert_webhook_failed",
                rule=event.rule,
                state=event.state,
                host=_host(self.url),
                status=response.status_code,
            )
            return False
        return True

    async def aclose(self) -> None:
        await self._client.aclose()


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except httpx.InvalidURL:
        return "<invalid url>"
