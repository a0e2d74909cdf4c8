"""The connectors the app knows, by name. Adding a connector = one line here + contract fixtures."""

from __future__ import annotations

from typing import Any, Final

from connectors.base import Connector
from connectors.dvc_portal.connector import DvcPortalConnector
from connectors.errors import UnknownConnector
from connectors.spreadsheet.connector import SpreadsheetConnector

REGISTRY: Final[dict[str, type[Connector]]] = {
    DvcPortalConnector.name: DvcPortalConnector,
    SpreadsheetConnector.name: SpreadsheetConnector,
}


def available() -> list[str]:
    """Registered connector names, sorted."""
    return sorted(REGISTRY)


def connector_class(name: str) -> type[Connector]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownConnector(
            f"unknown connector {name!r}; available: {', '.join(available())}"
        ) from None


def get_connector(name: str, **config: Any) -> Connector:
    """A configured connector; ``config`` are the connector's ``from_config`` options."""
    return connector_class(name).from_config(**config)
