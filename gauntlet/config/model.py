"""The shape of Gauntlet's configuration: one object, built once, passed down.

Every field states an example (``examples=[...]``): configuration errors quote it so the
message always shows a valid value next to the wrong one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

SuiteName = Literal["properties", "contract", "load", "chaos", "security"]
#: Suites in the order a gate runs them.
SUITE_NAMES: tuple[SuiteName, ...] = ("properties", "contract", "load", "chaos", "security")
SuitePolicy = Literal["fail", "warn", "off"]


class _Section(BaseModel):
    # Unknown keys are typos until proven otherwise: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetSettings(_Section):
    url: str | None = Field(
        default=None,
        description="Base URL of a deployed service to test; unset runs the bundled reference app.",
        examples=["https://staging.example.com"],
        pattern=r"^https?://[^\s/]+.*$",
    )
    openapi: str | None = Field(
        default=None,
        description="OpenAPI document: URL or file path (default: <url>/openapi.json).",
        examples=["https://staging.example.com/openapi.json", "./openapi.yaml"],
    )
    headers: tuple[str, ...] = Field(
        default=(),
        description="Headers sent with every request, as 'Name: value'.",
        examples=[["Authorization: Bearer eyJ..."]],
    )
    token_command: str | None = Field(
        default=None,
        description="Shell command printing a bearer token; sent as 'Authorization: Bearer <token>'.",
        examples=["vault read -field=token secret/gauntlet"],
    )
    app_module: str = Field(
        default="reference_app",
        description="Python module started (python -m MODULE) as the bundled app.",
        examples=["reference_app"],
    )
    startup_timeout_s: PositiveFloat = Field(default=60.0, examples=[60])
    probe_timeout_s: PositiveFloat = Field(default=5.0, examples=[5])


class ServicesSettings(_Section):
    redis_url: str | None = Field(
        default=None,
        description="Redis to use instead of finding or starting one.",
        examples=["redis://127.0.0.1:6379/0"],
        pattern=r"^rediss?://",
    )
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL server (admin URL) to use instead of finding or starting one.",
        examples=["postgresql://postgres@127.0.0.1:5432/postgres"],
        pattern=r"^postgres(ql)?(\+\w+)?://",
    )
    allow_install: bool = Field(
        default=True,
        description="When root with apt, install missing redis-server/postgresql.",
        examples=[True],
    )
    prefer_private: bool = Field(
        default=False,
        description="Start private Redis/PostgreSQL even when local servers answer.",
        examples=[False],
    )


class LoginSettings(_Section):
    """How the contract suite (re)obtains credentials: one request and where the token is."""

    path: str = Field(description="Path of the login request.", examples=["/api/v1/auth/token"])
    method: str = Field(default="POST", examples=["POST"])
    json_body: dict[str, str] = Field(
        default_factory=dict, description="JSON body of the login request.",
        examples=[{"username": "qa", "password": "secret"}],
    )  # fmt: skip
    token_pointer: str = Field(
        default="/access_token", description="JSON pointer of the token in the answer.", examples=["/access_token"]
    )
    signup_path: str | None = Field(
        default=None,
        description="Create a throwaway account here first (same body) when the login fails.",
        examples=["/api/v1/users"],
    )


class ContractSettings(_Section):
    phases: tuple[Literal["examples", "coverage", "fuzzing", "stateful"], ...] = Field(
        default=("examples", "coverage", "fuzzing", "stateful"), examples=[["examples", "fuzzing"]]
    )
    disabled_checks: tuple[str, ...] = Field(
        default=(), description="Gauntlet checks this target does not promise.",
        examples=[["every_response_carries_security_headers"]],
    )  # fmt: skip
    exclude_operations: tuple[str, ...] = Field(
        default=(), description="Operations never called: 'METHOD /path' or operationId.",
        examples=[["DELETE /api/v1/users/me"]],
    )  # fmt: skip
    known_failures: Path | None = Field(
        default=None, description="TOML file of accepted failures, each with a reason and an expiry date.",
        examples=["contract-known-failures.toml"],
    )  # fmt: skip
    login: LoginSettings | None = None
    asgi_app: str = Field(
        default="reference_app.asgi:app_from_env",
        description="Import path of the bundled app's ASGI factory, for the fast in-process mode.",
        examples=["reference_app.asgi:app_from_env"],
    )


class GateSettings(_Section):
    """Per suite: ``fail`` (a failure fails the gate), ``warn`` (reported only) or ``off``."""

    properties: SuitePolicy = Field(default="fail", examples=["fail"])
    contract: SuitePolicy = Field(default="fail", examples=["fail"])
    load: SuitePolicy = Field(default="fail", examples=["warn"])
    chaos: SuitePolicy = Field(default="fail", examples=["warn"])
    security: SuitePolicy = Field(default="fail", examples=["fail"])
    #: A suite that was asked for but has no tests yet does not fail the gate.
    allow_empty_suites: bool = Field(default=True, examples=[True])


class ReportsSettings(_Section):
    out_dir: Path = Field(default=Path("reports/out"), examples=["reports/out"])


class ProfileSettings(_Section):
    """A named profile: data, not a code path."""

    suites: tuple[SuiteName, ...] = Field(default=SUITE_NAMES, examples=[["properties", "contract"]])
    hypothesis_max_examples: PositiveInt = Field(default=10, examples=[100])
    contract_max_examples: PositiveInt = Field(default=10, examples=[100])
    load_duration_s: PositiveFloat = Field(default=10.0, examples=[60])
    #: pytest-xdist workers per suite ("0" = in one process).
    workers: int = Field(default=0, ge=0, examples=[2])


def _default_profiles() -> dict[str, ProfileSettings]:
    return {
        "ci": ProfileSettings(hypothesis_max_examples=10, contract_max_examples=10, load_duration_s=10),
        "full": ProfileSettings(hypothesis_max_examples=100, contract_max_examples=200, load_duration_s=120),
    }


class GauntletConfig(_Section):
    profile: str = Field(default="ci", description="Name of a profile in [profiles].", examples=["ci"])
    seed: int = Field(default=0, ge=0, description="Seed for every generator.", examples=[12345])
    target: TargetSettings = Field(default_factory=TargetSettings)
    services: ServicesSettings = Field(default_factory=ServicesSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    contract: ContractSettings = Field(default_factory=ContractSettings)
    profiles: dict[str, ProfileSettings] = Field(default_factory=_default_profiles)
    components: dict[str, str] = Field(
        default_factory=dict,
        description="Protocol name -> factory import path, for the component properties.",
        examples=[{"cache": "mypkg.cache:build"}],
    )
    #: Directory of the gauntlet.toml that was read (relative paths resolve against it).
    root: Path = Field(default=Path("."), exclude=True)

    @property
    def active_profile(self) -> ProfileSettings:
        return self.profiles[self.profile]

    @property
    def out_dir(self) -> Path:
        out = self.reports.out_dir
        return out if out.is_absolute() else self.root / out
