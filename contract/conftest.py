"""The contract run of this session, shared by the suite's tests.

One run per session: against ``--target URL`` over the network when a target is given
(always, under ``gauntlet run``/``gate``), otherwise in process against the bundled app
imported from ``[contract] asgi_app``. Its section goes into the run document.
"""

from __future__ import annotations

import pytest

from contract.errors import AppImportError
from contract.inprocess import load_asgi_app
from contract.report import ContractReport
from contract.run import Source, run_contract
from contract.settings import RunSettings
from gauntlet.bundled import app_environment
from gauntlet.config.model import GauntletConfig
from gauntlet.pytest_plugin import record_section


@pytest.fixture(scope="session")
def contract_report(gauntlet_config: GauntletConfig, request: pytest.FixtureRequest) -> ContractReport:
    if gauntlet_config.target.url:
        target = request.getfixturevalue("target")
        source = Source.network(target.url, target.openapi)
        settings = RunSettings.from_config(gauntlet_config, headers=target.headers)
    else:
        # The bundled app reads the same APP_* variables as when gauntlet starts it as a
        # process: this session's own database and Redis key prefix.
        session = request.getfixturevalue("service_session")
        environment = {
            **app_environment(
                database_url=session.database_url, redis_url=session.redis_url, key_prefix=session.key_prefix
            ),
            **gauntlet_config.target.app_env,
        }
        try:
            with pytest.MonkeyPatch.context() as patch:
                for name, value in environment.items():
                    patch.setenv(name, value)
                app = load_asgi_app(gauntlet_config.contract.asgi_app)
        except AppImportError as exc:
            pytest.skip(f"in-process contract mode skipped: {exc}; give --target URL to fuzz a running service")
        source = Source.in_process(app)
        settings = RunSettings.from_config(gauntlet_config)
    report = run_contract(source, settings)
    record_section(request.config, "contract", report.section())
    return report
