"""Fixtures of the connector tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors import Connector
from tests.connectors.connector_cases import ContractCase


@pytest.fixture
def make_connector(tmp_path: Path) -> Iterator[Callable[[ContractCase], Connector]]:
    built: list[Connector] = []

    def make(case: ContractCase) -> Connector:
        connector = case.build(tmp_path)
        built.append(connector)
        return connector

    yield make
    for connector in built:
        connector.close()
