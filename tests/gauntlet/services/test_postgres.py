"""A private PostgreSQL cluster (as the postgres user when root), databases, resolution."""

import os
import re

import psutil
import psycopg
import pytest

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.postgres import (
    create_database,
    drop_database,
    find_postgres_bindir,
    probe_postgres,
    restart_private_postgres,
    start_private_postgres,
)
from gauntlet.services.processes import ProcessGroup
from gauntlet.services.resolve import resolve_service

from .helpers import gone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_postgres_bindir() is None, reason="no PostgreSQL server binaries"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One private cluster for the module (initdb costs about a second)."""
    with ProcessGroup() as group:
        yield start_private_postgres(tmp_path_factory.mktemp("pg"), group=group)


def databases(admin_url: str) -> set[str]:
    with psycopg.connect(admin_url) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_private_cluster_runs_as_postgres_and_leaves_nothing_behind(tmp_path):
    with ProcessGroup() as group:
        server = start_private_postgres(tmp_path, group=group)
        postmaster_pid = int((server.data_dir / "data" / "postmaster.pid").read_text().split()[0])
        if os.geteuid() == 0:
            assert psutil.Process(postmaster_pid).username() == "postgres"
        # An open session means a live backend, which runs in a session of its own.
        conn = psycopg.connect(server.url)
        try:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            backend_pid = conn.info.backend_pid
            pids = server.process.group_pids()
            assert {postmaster_pid, backend_pid} <= set(pids)
            assert len(pids) >= 4  # runuser/postmaster, backend, checkpointer, writers...
        finally:
            conn.close()
    assert all(gone(pid) for pid in pids)
    assert not server.data_dir.exists()
    assert not probe_postgres(server.url).ok


def test_create_and_drop_database(cluster):
    url = create_database(cluster.url, "gauntlet_c0ffee")
    assert url.endswith("/gauntlet_c0ffee")
    with psycopg.connect(url) as conn:  # still connected: DROP ... WITH (FORCE) ends it
        conn.execute("CREATE TABLE t (x int)")
        conn.commit()
        assert "gauntlet_c0ffee" in databases(cluster.url)
        drop_database(cluster.url, "gauntlet_c0ffee")
    assert "gauntlet_c0ffee" not in databases(cluster.url)
    drop_database(cluster.url, "gauntlet_c0ffee")  # IF EXISTS: no error


def test_configured_reachable_url_is_used_as_configured(tmp_path, cluster):
    asyncpg_style = cluster.url.replace("postgresql://", "postgresql+asyncpg://")
    with ProcessGroup() as group:
        endpoint = resolve_service("postgres", asyncpg_style, workdir=tmp_path, group=group)
        assert group.processes == []
    assert (endpoint.url, endpoint.origin) == (cluster.url, "configured")  # driver suffix dropped


def test_configured_unreachable_url_is_an_error_naming_it(tmp_path):
    url = "postgresql://postgres@127.0.0.1:9/postgres"
    with ProcessGroup() as group, pytest.raises(ServiceUnavailable, match=re.escape(url)):
        resolve_service("postgres", url, workdir=tmp_path, group=group)
    assert group.processes == []


def test_default_local_postgres_is_detected(tmp_path):
    if not probe_postgres("postgresql://postgres@127.0.0.1:5432/postgres").ok:
        pytest.skip("no PostgreSQL accepts postgres@127.0.0.1:5432 (trust) on this machine")
    with ProcessGroup() as group:
        endpoint = resolve_service("postgres", None, workdir=tmp_path, group=group)
        assert group.processes == []
    assert endpoint.origin == "local-default"


def test_restart_brings_back_the_same_cluster_on_the_same_port(tmp_path):
    with ProcessGroup() as group:
        server = start_private_postgres(tmp_path, group=group)
        with pytest.raises(ServiceUnavailable, match="still running"):
            restart_private_postgres(server, group=group)
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE survivor (id int)")
        server.process.stop()
        assert not probe_postgres(server.url).ok
        restarted = restart_private_postgres(server, group=group)
        assert (restarted.url, restarted.data_dir) == (server.url, server.data_dir)
        assert restarted.process.pid != server.process.pid
        with psycopg.connect(restarted.url) as conn:
            assert conn.execute("SELECT to_regclass('survivor') IS NOT NULL").fetchone() == (True,)
        pids = restarted.process.group_pids()
    assert all(gone(pid) for pid in pids)
    assert not server.data_dir.exists()
