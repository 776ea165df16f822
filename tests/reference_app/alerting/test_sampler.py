"""alerting/sampler.py + webhook.py: real HTTP to a local webhook, and the app's lifespan."""

from __future__ import annotations

import asyncio
import socket

import httpx
import structlog

from reference_app.alerting import AlertSampler, WebhookNotifier, build_evaluator, registry_reader
from reference_app.app import create_app
from reference_app.http.metrics import HttpMetrics
from reference_app.settings import build_settings

from .conftest import WebhookReceiver

RULE = {"name": "busy", "metric": "queue", "comparison": ">=", "threshold": 10, "window_seconds": 3, "for_seconds": 4}


async def test_the_webhook_receives_firing_then_resolved(webhook, clock):
    value = {"queue": 50.0}
    sampler = AlertSampler(
        build_evaluator(rules=[RULE], clock=clock),
        lambda name, labels: value[name],
        interval_s=1,
        notifier=WebhookNotifier(webhook.url, timeout_s=2),
        clock=clock,
    )
    try:
        seen = []
        for _ in range(4):  # 1000, 1002, 1004 (fires: held 4 s), 1006
            seen += [e.state for e in await sampler.tick()]
            clock.advance(2)
        value["queue"] = 0.0
        clock.advance(3)  # the 50s have left the 3 s window
        seen += [e.state for e in await sampler.tick()]
    finally:
        await sampler.aclose()
    assert seen == ["firing", "resolved"]
    assert webhook.states() == [("busy", "firing"), ("busy", "resolved")]
    firing, resolved = webhook.bodies
    assert (firing["since"], firing["at"], firing["value"]) == (1000.0, 1004.0, 50.0)
    assert resolved["since"] == 1004.0
    assert firing["sent_at"].endswith("Z")
    assert firing["threshold"] == 10 and firing["comparison"] == ">="


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_failures_are_logged_never_raised(clock):
    events = build_evaluator(rules=[{**RULE, "for_seconds": 0}], clock=clock)
    events.observe("queue", 99)
    [event] = events.evaluate()
    refusing = WebhookReceiver(status=500)
    slow = WebhookReceiver(delay_s=1.0)
    for receiver in (refusing, slow):
        receiver.thread.start()
    notifiers = [
        WebhookNotifier(f"http://127.0.0.1:{_free_port()}/hook?token=s3cr3t"),  # nothing listens
        WebhookNotifier(refusing.url),
        WebhookNotifier(slow.url, timeout_s=0.2),
    ]
    try:
        with structlog.testing.capture_logs() as logs:
            results = [await notifier.send(event) for notifier in notifiers]
    finally:
        for notifier in notifiers:
            await notifier.aclose()
        for receiver in (refusing, slow):
            receiver.server.shutdown()
            receiver.server.server_close()
    assert results == [False, False, False]
    failures = [r for r in logs if r["event"] == "alert_webhook_failed"]
    assert [r.get("error") or r.get("status") for r in failures] == ["ConnectError", 500, "ReadTimeout"]
    assert "s3cr3t" not in repr(failures)  # the URL (and any token in it) is not logged


async def test_a_failing_round_is_logged_and_the_loop_goes_on(clock):
    calls = []

    def read(name, labels):
        calls.append(name)
        if len(calls) == 1:
            raise RuntimeError("registry exploded")
        return 1.0

    sampler = AlertSampler(build_evaluator(rules=[RULE], clock=clock), read, interval_s=0.01, clock=clock)
    with structlog.testing.capture_logs() as logs:
        sampler.start()
        for _ in range(200):
            if len(calls) >= 3:
                break
            await asyncio.sleep(0.01)
        await sampler.aclose()
    assert len(calls) >= 3
    assert any(r["event"] == "alert_sampling_failed" for r in logs)


def test_the_registry_reader_sums_series_matching_a_label_subset():
    metrics = HttpMetrics()
    metrics.observe_request("GET", "/a", 500, 0.1)
    metrics.observe_request("POST", "/b", 500, 0.1)
    metrics.observe_request("GET", "/a", 200, 0.1)
    read = registry_reader(metrics.registry)
    assert read("http_requests_total", {"status": "500"}) == 2.0
    assert read("http_requests_total", {}) == 3.0
    exact = {"method": "GET", "route": "/a", "status": "200"}
    assert read("http_requests_total", exact) == metrics.sample("http_requests_total", exact) == 1.0
    assert read("http_requests_total", {"status": "404"}) is None


async def test_the_lifespan_samples_the_app_metrics_and_stops_at_shutdown(settings_overrides, migrated, webhook):
    rule = {"name": "live-probed", "metric": "http_requests_total", "labels": {"route": "/health/live"},
            "comparison": ">=", "threshold": 1, "aggregation": "last", "window_seconds": 60}  # fmt: skip
    settings = build_settings(
        {**settings_overrides, "alerting": {"rules": [rule], "webhook_url": webhook.url, "interval_seconds": 0.05}}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        sampler = app.state.alert_sampler
        task = sampler._task
        assert task is not None and not task.done()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.get("/health/live")).status_code == 200
        for _ in range(200):
            if webhook.bodies:
                break
            await asyncio.sleep(0.025)
    assert webhook.states() == [("live-probed", "firing")]
    assert task.cancelled()


async def test_without_rules_no_sampler_runs(app):
    assert app.state.alert_sampler is None
