"""What one contract run does, derived from Gauntlet's config, and its Schemathesis config.

Gauntlet's ``[contract]`` section and the active profile decide phases, budgets, checks
and exclusions; this module turns them into the ``schemathesis.Config`` the engine runs
with. Nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis

from contract.checks import ARMING_KEY, BUILTIN_CHECKS, GAUNTLET_CHECKS
from gauntlet.config.model import GauntletConfig, LoginSettings

#: Schemathesis built-ins left off: they test HTTP plumbing (405/Allow, missing headers) or
#: need a second identity (object-level authorization), not the documented contract.
OTHER_BUILTIN_CHECKS = (
    "unsupported_method", "allow_header_conformance", "missing_required_header", "object_level_authorization",
)  # fmt: skip
#: Values that break naive backends, offered to the generators next to random ones: a NUL
#: byte (PostgreSQL refuses it in text), integers one past 32 and 64 bits (column overflow).
HOSTILE_STRINGS = ("\x00", "a\x00b", "x" * 5000)
HOSTILE_INTEGERS = (2**31, 2**63, 2**64, -(2**63) - 1, -1)
#: How often a generated string/integer is drawn from the hostile values instead.
HOSTILE_VALUE_PROBABILITY = 0.25
#: Longest a single request may take before it counts as a network error.
REQUEST_TIMEOUT_S = 10.0
#: positive_data_acceptance on operations taking an opaque parameter: Schemathesis's
#: defaults plus the refusal of a token the server never issued.
OPAQUE_ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]
#: Steps per stateful scenario: enough to create, read, update and delete through links.
STATEFUL_MAX_STEPS = 10


@dataclass(frozen=True)
class RunSettings:
    """Everything a contract run needs to know, in one immutable value.

    >>> RunSettings.from_config(gauntlet_config)
    """

    seed: int = 0
    max_examples: int = 10
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
    disabled_checks: tuple[str, ...] = ()
    exclude_operations: tuple[str, ...] = ()
    login: LoginSettings | None = None
    known_failures: Path | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    opaque_parameters: tuple[str, ...] = ("cursor",)
    #: Labels ('GET /path') of the operations taking an opaque parameter (found in the schema).
    opaque_operations: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: GauntletConfig, headers: Mapping[str, str] | None = None) -> RunSettings:
        contract = config.contract
        known = contract.known_failures
        if known is not None and not known.is_absolute():
            known = config.root / known
        return cls(
            seed=config.seed,
            max_examples=config.active_profile.contract_max_examples,
            phases=tuple(contract.phases),
            disabled_checks=tuple(contract.disabled_checks),
            exclude_operations=tuple(contract.exclude_operations),
            login=contract.login,
            known_failures=known,
            headers=dict(headers or {}),
            opaque_parameters=tuple(contract.opaque_parameters),
        )

    @property
    def checks(self) -> tuple[str, ...]:
        """Names of the checks this run applies, built-ins first."""
        return tuple(name for name in (*BUILTIN_CHECKS, *GAUNTLET_CHECKS) if name not in self.disabled_checks)


def schemathesis_config(settings: RunSettings, *, base_url: str | None = None) -> schemathesis.Config:
    """The Schemathesis configuration of one run: seeded, budgeted, checks armed."""
    enabled = set(settings.checks)
    checks: dict[str, Any] = {name: {"enabled": name in enabled} for name in (*BUILTIN_CHECKS, *OTHER_BUILTIN_CHECKS)}
    for name in GAUNTLET_CHECKS:
        checks[name] = {"enabled": name in enabled, ARMING_KEY: True}
    phases: dict[str, dict[str, Any]] = {
        name: {"enabled": name in settings.phases} for name in ("examples", "coverage", "fuzzing", "stateful")
    }
    phases["stateful"]["max-steps"] = STATEFUL_MAX_STEPS
    target = {"base-url": base_url} if base_url else {}
    # A generated cursor is never one the server issued: refusing it (400/422) is right.
    opaque = [
        {"include-name": label, "checks": {"positive_data_acceptance": {"expected-statuses": OPAQUE_ACCEPTED}}}
        for label in settings.opaque_operations
    ]
    return schemathesis.Config.from_dict(
        {
            **target,
            **({"operations": opaque} if opaque else {}),
            "seed": settings.seed,
            "workers": 1,  # one request at a time: reproducible, and credential loss has one culprit
            "continue-on-failure": True,
            "request-timeout": REQUEST_TIMEOUT_S,
            "output": {"sanitization": {"enabled": False}},  # reproducers must carry working credentials
            "dictionaries": {
                "gauntlet-strings": {"values": list(HOSTILE_STRINGS)},
                "gauntlet-integers": {"values": list(HOSTILE_INTEGERS)},
            },
            "generation": {
                "mode": "all",
                "max-examples": settings.max_examples,
                "database": "none",
                "dictionaries": {
                    "string": {"dictionary": "gauntlet-strings", "probability": HOSTILE_VALUE_PROBABILITY},
                    "integer": {"dictionary": "gauntlet-integers", "probability": HOSTILE_VALUE_PROBABILITY},
                },
            },
            "checks": checks,
            "phases": phases,
        }
    )


def is_excluded(label: str, operation_id: str | None, excluded: tuple[str, ...]) -> bool:
    """``exclude_operations`` names an operation as 'METHOD /path' or by operationId."""
    normalized = " ".join(label.split()).upper()
    return any(
        " ".join(entry.split()).upper() == normalized or (operation_id is not None and entry == operation_id)
        for entry in excluded
    )
