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


#: The bundled app's defaults under test: the suites send thousands of requests a minute
#: from one client, which the spec's anonymous/free limits (100/min) would mostly answer
#: with 429 (the rate-limit properties start app processes of their own with the spec's
#: limits); and one allowed CORS origin, so property E3 can check both halves.
BUNDLED_APP_ENV: dict[str, str] = {
    "APP_RATE_LIMIT__ANONYMOUS": "100000",
    "APP_RATE_LIMIT__FREE": "100000",
    "APP_CORS_ORIGINS": '["https://app.gauntlet.test"]',
}


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
    app_env: dict[str, str] = Field(
        default_factory=lambda: dict(BUNDLED_APP_ENV),
        description="Extra environment for the bundled app's processes (replaces the default).",
        examples=[{"APP_RATE_LIMIT__FREE": "100"}],
    )
    startup_timeout_s: PositiveFloat = Field(default=60.0, examples=[60])
    probe_timeout_s: PositiveFloat = Field(default=5.0, examples=[5])
    bundled: bool = Field(
        default=False,
        description="Set by `gauntlet run`/`gate` for its suites: url is the bundled app this run started, so "
        "suites may start private copies of it to inject faults (with a deployment of yours, leave it unset).",
    )

    @property
    def external(self) -> bool:
        """A deployment that is not ours: its dependencies cannot be stopped, its code not started."""
        return self.url is not None and not self.bundled


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
    login: LoginSettings | None = Field(
        default=None, description="Login step of the run's own account; unset on the bundled app: its sign-up "
        "and login (as [properties.login]), unset on a deployment: the [target] headers as they are.",
    )  # fmt: skip
    opaque_parameters: tuple[str, ...] = Field(
        default=("cursor",), description="Parameters holding server-issued tokens: a generated value is refused "
        "by design, so on operations taking one a 400/422 still counts as accepting positive data.",
        examples=[["cursor", "page_token"]],
    )  # fmt: skip
    asgi_app: str = Field(
        default="reference_app.asgi:app_from_env",
        description="Import path of the bundled app's ASGI factory, for the fast in-process mode.",
        examples=["reference_app.asgi:app_from_env"],
    )


def reference_login() -> LoginSettings:
    """The bundled app's own sign-up + login: an account of the suite's own ({nonce} per account)."""
    return LoginSettings(
        path="/api/v1/auth/token",
        json_body={"username": "gauntlet-props-{nonce}", "password": "gauntlet-props-{nonce}-pw"},
        token_pointer="/access_token",  # noqa: S106 - a JSON pointer, not a password
        signup_path="/api/v1/users",
    )


class ApiKeyStepSettings(_Section):
    """After logging in, create an API key and send it instead of the token."""

    path: str = Field(default="/api/v1/api-keys", examples=["/api/v1/api-keys"])
    json_body: dict[str, str] = Field(default_factory=lambda: {"tier": "enterprise"}, examples=[{"tier": "enterprise"}])
    key_pointer: str = Field(default="/api_key", description="JSON pointer of the key in the answer.")
    header: str = Field(default="X-API-Key", examples=["X-API-Key"])


class PropertiesSettings(_Section):
    """How the http-level properties reach a target; the defaults fit the reference app.

    Empty lists mean "discover from the OpenAPI document"; name operations when discovery
    is ambiguous for your API.
    """

    login: LoginSettings | None = Field(
        default_factory=reference_login,
        description="Sign-up/login giving the properties an account of their own ({nonce} is replaced); "
        "unset: use [target] headers as they are.",
    )
    api_key: ApiKeyStepSettings | None = Field(
        default_factory=ApiKeyStepSettings,
        description="Key of a high rate-limit tier for the account: the properties send many requests.",
    )
    refresh_path: str | None = Field(
        default="/api/v1/auth/refresh",
        description="Refresh-token rotation endpoint (property E6); unset skips E6.",
        examples=["/api/v1/auth/refresh"],
    )
    refresh_token_pointer: str = Field(default="/refresh_token", examples=["/refresh_token"])
    list_operations: tuple[str, ...] = Field(
        default=(), description="List operations as 'GET /path' (default: GETs answering a page of items).",
        examples=[["GET /api/v1/incidents"]],
    )  # fmt: skip
    list_order: tuple[str, ...] = Field(
        default=("-created_at", "-id"), description="Declared order of list items: field names, '-' = descending.",
        examples=[["-created_at", "-id"]],
    )  # fmt: skip
    cacheable_operations: tuple[str, ...] | None = Field(
        default=None,
        description="GETs the API promises to be HTTP-cacheable; unset: every GET whose 200 is not 'no-store'.",
        examples=[["GET /api/v1/incidents/{incident_id}"]],
    )
    cors_allowed_origins: tuple[str, ...] = Field(
        default=(), description="Origins the target allows (property E3); empty checks only refused origins.",
        examples=[["https://app.example.com"]],
    )  # fmt: skip
    task_submit_operations: tuple[str, ...] = Field(
        default=(), description="Operations queueing a background job as 'POST /path' (properties 17, 19; "
        "default: every operation documenting a 202 response).", examples=[["POST /api/v1/exports"]],
    )  # fmt: skip
    compression_threshold_bytes: int = Field(default=1024, ge=0, examples=[1024])
    seq_scan_max_rows: int = Field(
        default=1000, ge=1, description="Property 2: a sequential scan is accepted only on tables of at most this "
        "many rows (the property seeds a table four times larger).", examples=[1000],
    )  # fmt: skip
    metrics_path: str = Field(default="/metrics", examples=["/metrics"])
    request_id_header: str = Field(default="X-Request-ID", examples=["X-Request-ID"])
    log_file: str | None = Field(
        default=None, description="The target's JSON-lines log, read by property 30 (http); unset for a "
        "--target skips it (the bundled app's own log is used otherwise).", examples=["/var/log/app/app.jsonl"],
    )  # fmt: skip
    security_headers: tuple[str, ...] = Field(
        default=("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
                 "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"),
        description="Headers every response must carry (property E2).",
        examples=[["Strict-Transport-Security", "X-Content-Type-Options"]],
    )  # fmt: skip


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
    #: Same examples on every run (Hypothesis ``derandomize``): a CI gate must not pass or
    #: fail by luck of the draw; exploratory profiles draw fresh examples from the seed.
    hypothesis_derandomize: bool = Field(default=False, examples=[True])
    contract_max_examples: PositiveInt = Field(default=10, examples=[100])
    load_duration_s: PositiveFloat = Field(default=10.0, examples=[60])
    #: pytest-xdist workers per suite ("0" = in one process).
    workers: int = Field(default=0, ge=0, examples=[2])
    #: What the gate allows one suite: past it the suite is stopped and the run cannot pass (exit 2).
    suite_timeout_s: PositiveFloat = Field(default=900.0, examples=[900])


def _default_profiles() -> dict[str, ProfileSettings]:
    return {
        "ci": ProfileSettings(
            hypothesis_max_examples=10, hypothesis_derandomize=True, contract_max_examples=10, load_duration_s=10
        ),
        "full": ProfileSettings(
            hypothesis_max_examples=100, contract_max_examples=200, load_duration_s=120, suite_timeout_s=4 * 3600
        ),
    }


class GauntletConfig(_Section):
    profile: str = Field(default="ci", description="Name of a profile in [profiles].", examples=["ci"])
    seed: int = Field(default=0, ge=0, description="Seed for every generator.", examples=[12345])
    target: TargetSettings = Field(default_factory=TargetSettings)
    services: ServicesSettings = Field(default_factory=ServicesSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    contract: ContractSettings = Field(default_factory=ContractSettings)
    properties: PropertiesSettings = Field(default_factory=PropertiesSettings)
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
