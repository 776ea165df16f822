"""The in-process mode: the app imported by name, and its crashes seen as 500s."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from contract.errors import AppImportError
from contract.inprocess import CrashesAsServerErrors, load_asgi_app
from contract.run import Source, run_contract
from contract.settings import RunSettings


def test_a_factory_is_imported_and_called():
    app = load_asgi_app("tests.contract.wrong_apps:make_app")
    assert isinstance(app, CrashesAsServerErrors) and isinstance(app.app, FastAPI)


@pytest.mark.parametrize(
    ("path", "complaint"),
    [("no_colon", "not 'module:attribute'"), ("no_such_module_xyz:app", "cannot import"),
     ("tests.contract.wrong_apps:nothing", "has no 'nothing'")],
)  # fmt: skip
def test_an_unimportable_app_says_what_is_wrong(path, complaint):
    with pytest.raises(AppImportError, match=complaint):
        load_asgi_app(path)


def test_an_escaped_exception_is_a_server_error_not_a_crash_of_the_run():
    app = FastAPI()

    @app.get("/boom/{n}")
    def boom(n: int) -> dict[str, int]:
        raise RuntimeError("escaped")

    report = run_contract(Source.in_process(CrashesAsServerErrors(app)), RunSettings(phases=("coverage",)))
    assert any(c.status == 500 and c.check == "not_a_server_error" for c in report.causes)
