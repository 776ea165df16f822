"""33 and 34 fail on a set-up that pretty-prints, or drops or skews fields."""

from __future__ import annotations

import json

import pytest

from gauntlet.components.structlog_logging import StructlogConfigurator
from properties.component.logging import check_json_lines, check_required_fields
from reference_app.http.log_config import configure_logging


class RewritingStream:
    """The stream the app writes to, changing each line as a broken renderer would."""

    def __init__(self, stream, change) -> None:
        self.stream = stream
        self.change = change

    def write(self, text: str) -> int:
        return self.stream.write("".join(self.change(line) + "\n" for line in text.splitlines()))

    def flush(self) -> None:
        self.stream.flush()


def _configurator(change) -> StructlogConfigurator:
    return StructlogConfigurator(
        lambda service, level, stream: configure_logging(service, level, RewritingStream(stream, change))
    )


def _pretty(line: str) -> str:
    return json.dumps(json.loads(line), indent=2)


def _without(*names):
    def change(line: str) -> str:
        record = json.loads(line)
        for name in names:
            record.pop(name, None)
        return json.dumps(record)

    return change


def _local_naive_timestamp(line: str) -> str:
    record = json.loads(line)
    record["timestamp"] = record["timestamp"].removesuffix("Z")
    return json.dumps(record)


def test_both_hold_on_the_reference_set_up():
    configurator = StructlogConfigurator(configure_logging)
    check_json_lines(configurator)
    check_required_fields(configurator)


@pytest.mark.mutant(33)
def test_json_lines_fail_on_pretty_printed_records():
    with pytest.raises(AssertionError, match=r"not JSON|lines"):
        check_json_lines(_configurator(_pretty))


@pytest.mark.mutant(34)
@pytest.mark.parametrize("change", [_without("service"), _without("correlation_id"), _local_naive_timestamp])
def test_required_fields_fail_on_a_mutant(change):
    with pytest.raises(AssertionError):
        check_required_fields(_configurator(change))
