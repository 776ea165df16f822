"""A private redis-server: starts on a free port, answers PING, leaves nothing behind."""

import re

import pytest
import redis

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import delete_keys, probe_redis, start_private_redis
from gauntlet.services.resolve import resolve_service

from .helpers import gone

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def private_redis_url(tmp_path_factory):
    with ProcessGroup() as group:
        yield start_private_redis(tmp_path_factory.mktemp("redis"), group=group).url


def test_private_redis_answers_ping_and_is_gone_after_the_group_exits(tmp_path):
    with ProcessGroup() as group:
        server = start_private_redis(tmp_path, group=group)
        client = redis.Redis.from_url(server.url)
        try:
            assert client.ping()
            assert client.config_get("save") == {"save": ""}  # no persistence
        finally:
            client.close()
        pids = server.process.group_pids()
        assert pids == [server.process.pid]
    assert all(gone(pid) for pid in pids)
    assert not probe_redis(server.url).ok


def test_probe_says_why_a_url_does_not_answer():
    answer = probe_redis("redis://127.0.0.1:9/0")
    assert not answer.ok
    assert answer.reason


def test_delete_keys_removes_only_the_prefix(private_redis_url):
    client = redis.Redis.from_url(private_redis_url)
    try:
        client.mset({"gauntlet:aa:1": 1, "gauntlet:aa:2": 2, "gauntlet:aab:3": 3, "other": 4})
        client.mset({f"gauntlet:aa:bulk:{i}": i for i in range(1200)})  # more than one batch

        assert delete_keys(private_redis_url, "gauntlet:aa:") == 1202
        assert sorted(client.keys("*")) == [b"gauntlet:aab:3", b"other"]
    finally:
        client.flushdb()
        client.close()


def test_configured_unreachable_url_is_an_error_naming_it(tmp_path):
    with (
        ProcessGroup() as group,
        pytest.raises(ServiceUnavailable, match=re.escape("redis://127.0.0.1:9/0")),
    ):
        resolve_service("redis", "redis://127.0.0.1:9/0", workdir=tmp_path, group=group)
    assert group.processes == []  # no silent fallback to another server


def test_configured_reachable_url_is_used_as_configured(tmp_path, private_redis_url):
    with ProcessGroup() as group:
        endpoint = resolve_service("redis", private_redis_url, workdir=tmp_path, group=group)
        assert group.processes == []
    assert (endpoint.url, endpoint.origin, endpoint.pid) == (private_redis_url, "configured", None)


def test_default_local_redis_is_detected(tmp_path):
    if not probe_redis("redis://127.0.0.1:6379/0").ok:
        pytest.skip("no Redis listens on 127.0.0.1:6379 on this machine")
    with ProcessGroup() as group:
        endpoint = resolve_service("redis", None, workdir=tmp_path, group=group)
        assert group.processes == []
    assert endpoint.origin == "local-default"
    assert endpoint.url == "redis://127.0.0.1:6379/0"


def test_prefer_private_starts_our_own_even_when_one_is_configured(tmp_path, private_redis_url):
    with ProcessGroup() as group:
        endpoint = resolve_service("redis", private_redis_url, workdir=tmp_path, group=group, prefer_private=True)
        assert endpoint.origin == "private"
        assert endpoint.url != private_redis_url
        assert endpoint.pid == group.processes[0].pid
        assert probe_redis(endpoint.url).ok
    assert gone(endpoint.pid)
