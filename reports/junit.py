"""``junit.xml``: the run for a CI's test tab.

One ``<testsuite>`` per suite, in run order. Its test cases are:

- one per pytest test record: ``classname`` = suite + module path (+ test class),
  ``name`` = the test's name, the property id and level in ``<properties>``;
- one per contract cause (and per contract failure not folded into a cause);
- one per load SLO the gate judged (verdict reasons whose rule starts with ``slo``);
- one per chaos scenario, and one per security finding class (rule id);
- one ``<error>`` case for a suite that could not run, carrying its one-line reason.

Failures are ``<failure message=...>detail</failure>``, errors ``<error>``, skips
``<skipped>``. Built with ElementTree (never by pasting strings), with the counts and
``time`` attributes of the common JUnit schema (Surefire/Jenkins ``junit-10.xsd``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime

from gauntlet.rundoc.model import Outcome, RunDocument, SuiteResult
from reports import wording
from reports.junit_cases import Case, slo_cases, suite_cases
from reports.registry import writer

#: Longest ``message`` attribute: CI tabs show it on one line; the detail holds the rest.
MAX_MESSAGE_CHARS = 500
#: The element each non-passing outcome becomes inside its ``<testcase>``.
OUTCOME_TAGS = {Outcome.FAILED: "failure", Outcome.ERROR: "error", Outcome.SKIPPED: "skipped"}

# XML 1.0 allows only these characters (section 2.2); pytest output may carry others
# (ANSI colour codes, NUL bytes from injection payloads).
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@writer("junit.xml")
def junit_report(document: RunDocument) -> str:
    """Render ``document`` as JUnit XML; the same document always gives the same bytes."""
    cases = {name: suite_cases(suite) for name, suite in document.suites.items()}
    # SLOs belong with the load results they judge; in a fresh "load" suite otherwise.
    slo_suite = next((s.name for s in document.suites.values() if s.load), "load")
    slos = slo_cases(document, slo_suite)
    if slos:
        cases.setdefault(slo_suite, []).extend(slos)
    root = ET.Element("testsuites", name="gauntlet")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    total_time = 0.0
    for name, suite_case_list in cases.items():
        element, counts, time_s = _testsuite(document, name, suite_case_list)
        root.append(element)
        for key in totals:
            totals[key] += counts[key]
        total_time += time_s
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _time(total_time))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _testsuite(document: RunDocument, name: str, cases: list[Case]) -> tuple[ET.Element, dict[str, int], float]:
    counts = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.outcome == Outcome.FAILED),
        "errors": sum(1 for c in cases if c.outcome == Outcome.ERROR),
        "skipped": sum(1 for c in cases if c.outcome == Outcome.SKIPPED),
    }
    suite = document.suites.get(name)
    elapsed = wording.elapsed(suite.started_at, suite.finished_at) if suite else None
    time_s = elapsed if elapsed is not None else sum(c.time_s for c in cases)
    started = suite.started_at if suite else document.meta.started_at
    element = ET.Element("testsuite", name=_clean(name))
    for key, value in counts.items():
        element.set(key, str(value))
    element.set("time", _time(time_s))
    element.set("timestamp", _timestamp(started))
    element.set("hostname", _clean(document.meta.host.hostname))
    _properties(element, _suite_properties(document, suite))
    for case in cases:
        element.append(_testcase(case))
    return element, counts, time_s


def _suite_properties(document: RunDocument, suite: SuiteResult | None) -> list[tuple[str, str]]:
    meta = document.meta
    # A suite made only of SLO verdicts has no SuiteResult, hence no status.
    properties = [("status", suite.status.value)] if suite else []
    properties += [
        ("run_id", meta.run_id),
        ("target", meta.target.url),
        ("profile", meta.profile),
        ("seed", str(meta.seed)),
        ("git_sha", meta.git_sha or "unknown"),
    ]
    if suite and suite.error:
        properties.append(("error", suite.error))
    return properties


def _testcase(case: Case) -> ET.Element:
    element = ET.Element(
        "testcase",
        classname=_clean(case.classname),
        name=_clean(case.name),
        time=_time(case.time_s),
    )
    _properties(element, case.properties)
    tag = OUTCOME_TAGS.get(case.outcome)
    if tag is not None:
        child = ET.SubElement(element, tag, message=_message(case.message or case.outcome.value))
        if case.detail and tag != "skipped":
            child.text = _clean(case.detail)
    if case.output:
        ET.SubElement(element, "system-out").text = _clean(case.output)
    return element


def _properties(parent: ET.Element, pairs: Iterable[tuple[str, str]]) -> None:
    pairs = list(pairs)
    if not pairs:
        return
    holder = ET.SubElement(parent, "properties")
    for key, value in pairs:
        ET.SubElement(holder, "property", name=_clean(key), value=_clean(value))


def _clean(text: str) -> str:
    """Text ElementTree can write as well-formed XML: illegal characters become ``\\xNN``."""
    text = _ANSI_ESCAPES.sub("", text)
    return _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _message(text: str) -> str:
    first = " ".join(text.split())
    if len(first) > MAX_MESSAGE_CHARS:
        first = first[: MAX_MESSAGE_CHARS - 1] + "…"
    return _clean(first)


def _time(seconds: float) -> str:
    # Surefire's schema allows at most three decimals.
    return f"{max(seconds, 0.0):.3f}"


def _timestamp(moment: datetime) -> str:
    # ISO 8601 in UTC without an offset: the form the JUnit schemas accept.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
