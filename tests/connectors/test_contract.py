"""The contract every registered connector keeps (connectors/base.py), on recorded data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from connectors import (
    Connector,
    ConnectorState,
    Page,
    RecordInvalid,
    SourceRecord,
    available,
    parse_record,
)
from tests.connectors.connector_cases import CONTRACT_CASES, ContractCase

CASES = [
    pytest.param(case, id=f"{name}-{variant}")
    for name, variants in CONTRACT_CASES.items()
    for variant, case in variants.items()
]


def _key(record: SourceRecord) -> str:
    return json.dumps([record.kind, record.payload], sort_keys=True, ensure_ascii=False)


def _run(connector: Connector, state: ConnectorState) -> list[Page]:
    return list(connector.pages(state))


def test_every_registered_connector_has_recorded_cases() -> None:
    assert set(available()) == set(CONTRACT_CASES)


@pytest.mark.parametrize("case", CASES)
def test_pages_are_well_formed_and_numbered(
    case: ContractCase, make_connector: Callable[[ContractCase], Connector]
) -> None:
    connector = make_connector(case)
    pages = _run(connector, ConnectorState())
    assert len(pages) >= case.min_pages
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    for page in pages:
        assert isinstance(page, Page)
        assert isinstance(page.state_after, ConnectorState)
        # the state survives the app's storage round trip
        assert ConnectorState.from_json(page.state_after.to_json()) == page.state_after
        for record in page.records:
            assert isinstance(record, SourceRecord)
            assert record.kind in ("dossier", "progress")
            assert isinstance(record.payload, dict)
            assert record.origin.strip()
    assert sum(len(p.records) for p in pages) == case.total


@pytest.mark.parametrize("case", CASES)
def test_payloads_parse_and_bad_records_come_through(
    case: ContractCase, make_connector: Callable[[ContractCase], Connector]
) -> None:
    connector = make_connector(case)
    invalid: list[RecordInvalid] = []
    valid = 0
    for page in connector.pages(ConnectorState()):
        for record in page.records:
            try:
                parse_record(record.kind, record.payload)
                valid += 1
            except RecordInvalid as exc:
                assert exc.field and exc.reason
                invalid.append(exc)
    assert len(invalid) == case.invalid
    assert valid == case.total - case.invalid


@pytest.mark.parametrize("case", CASES)
def test_state_advances_and_a_second_run_yields_nothing_new(
    case: ContractCase, make_connector: Callable[[ContractCase], Connector]
) -> None:
    connector = make_connector(case)
    initial = ConnectorState()
    pages = _run(connector, initial)
    seen = {_key(r) for p in pages for r in p.records}
    assert all(p.state_after != initial for p in pages)
    final = pages[-1].state_after
    assert final.cursor is None or final.extra, "a final state must say where the run ended"
    again = _run(make_connector(case), final)
    assert {_key(r) for p in again for r in p.records} <= seen


@pytest.mark.parametrize("case", CASES)
def test_resuming_after_the_first_committed_page_loses_nothing(
    case: ContractCase, make_connector: Callable[[ContractCase], Connector]
) -> None:
    pages = _run(make_connector(case), ConnectorState())
    first, rest = pages[0], pages[1:]
    resumed = _run(make_connector(case), first.state_after)
    expected: list[Any] = [_key(r) for p in rest for r in p.records]
    got = [_key(r) for p in resumed for r in p.records]
    assert sorted(got) == sorted(expected)
