"""Which server binaries are installed, and the install advice when they are not."""

import shutil

import pytest

from gauntlet.services.binaries import check_binaries, find_binaries, missing_binaries_error
from gauntlet.services.resolve import docker_answers, preview_service


def test_installed_binaries_are_found_without_installing():
    found = find_binaries()
    if not (found.has("redis") and found.has("postgres")):
        pytest.skip("redis-server or PostgreSQL server binaries not installed here")
    assert check_binaries(allow_install=False) == found
    assert found.postgres_bindir is not None
    assert (found.postgres_bindir / "initdb").is_file()


def test_missing_binaries_error_names_the_package_and_the_command():
    message = str(missing_binaries_error(["redis", "postgres"]))
    assert "redis-server and postgresql" in message
    assert "GAUNTLET_REDIS_URL=" in message
    assert "GAUNTLET_DATABASE_URL=" in message
    if shutil.which("apt-get"):
        assert "apt-get install -y redis-server postgresql" in message


def test_docker_probe_answers_a_bool():
    assert docker_answers() in (True, False)  # False here: no Docker engine on these machines


def test_preview_flags_an_unreachable_configured_url_without_starting_anything():
    preview = preview_service("redis", "redis://127.0.0.1:9/0")
    assert preview.origin == "configured"
    assert "DOES NOT ANSWER" in preview.detail
