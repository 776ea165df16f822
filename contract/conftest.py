"""The contract run of this session, shared by the suite's tests.

One run per session: against ``--target URL`` over the network when a target is given
(always, under ``gauntlet run``/``gate``), otherwise in process against the bundled app
imported from ``[contract] asgi_app``. Its section goes into the run document.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from contract.errors import AppImportError
from contract.inprocess import load_asgi_app
from contract.report import ContractReport
from contract.run import Source, run_contract
from contract.settings import RunSettings
from gauntlet.bundled import BundledApp
from gauntlet.config.model import GauntletConfig, reference_login
from gauntlet.pytest_plugin import record_section
from gauntlet.services.processes import ProcessGroup


@pytest.fixture(scope="session")
def contract_report(gauntlet_config: GauntletConfig, request: pytest.FixtureRequest) -> ContractReport:
    if gauntlet_config.target.url:
        target = request.getfixturevalue("target")
        source = Source.network(target.url, target.openapi)
        settings = RunSettings.from_config(gauntlet_config, headers=target.headers)
        report = run_contract(source, settings)
    else:
        report = _run_in_process(gauntlet_config, request)
    record_section(request.config, "contract", report.section())
    return report


def _run_in_process(config: GauntletConfig, request: pytest.FixtureRequest) -> ContractReport:
    """The bundled app imported in process, on this session's database and Redis key prefix,
    with a real model server process behind it and a user account of the run's own."""
    session = request.getfixturevalue("service_session")
    workdir = request.getfixturevalue("tmp_path_factory").mktemp("contract")
    with ProcessGroup() as processes:
        bundled = BundledApp(
            config.target, database_url=session.database_url, redis_url=session.redis_url,
            key_prefix=session.key_prefix, workdir=workdir, processes=processes,
        )  # fmt: skip
        bundled.start_model_server()
        try:
            with pytest.MonkeyPatch.context() as patch:
                # The same APP_* variables as when gauntlet starts the app as a process.
                for name, value in bundled.env.items():
                    patch.setenv(name, value)
                app = load_asgi_app(config.contract.asgi_app)
        except AppImportError as exc:
            pytest.skip(f"in-process contract mode skipped: {exc}; give --target URL to fuzz a running service")
        settings = RunSettings.from_config(config)
        if settings.login is None:
            settings = replace(settings, login=reference_login())
        return run_contract(Source.in_process(app), settings)
