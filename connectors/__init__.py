"""Connectors: read dossiers and their progress from portals and exports (never imports ``app``).

Public names are re-exported here; see :mod:`connectors.base` for the plug-in contract and
:mod:`connectors.errors` for the error tree.
"""

from connectors.base import Connector, ConnectorState, Page, RecordKind, SourceRecord
from connectors.errors import (
    ConnectorError,
    DataError,
    EnvelopeInvalid,
    PortalAuthError,
    PortalProtocolError,
    PortalUnavailable,
    RecordInvalid,
    RetryBudgetExhausted,
    SignatureInvalid,
    SourceError,
    SpreadsheetError,
    UnknownConnector,
)
from connectors.portal.envelope import Envelope, build_envelope, parse_envelope
from connectors.portal.fields import format_portal_date, parse_portal_date
from connectors.portal.parse import guess_kind, parse_dossier, parse_progress, parse_record
from connectors.portal.vocabulary import NO_STATUS, STATUS_NAMES, DossierStatus, progression_rank
from connectors.records import (
    DataFlag,
    DossierRecord,
    IdNumber,
    ProgressRecord,
    SupplementRecord,
)
from connectors.registry import available, get_connector

__all__ = [
    "NO_STATUS",
    "STATUS_NAMES",
    "Connector",
    "ConnectorError",
    "ConnectorState",
    "DataError",
    "DataFlag",
    "DossierRecord",
    "DossierStatus",
    "Envelope",
    "EnvelopeInvalid",
    "IdNumber",
    "Page",
    "PortalAuthError",
    "PortalProtocolError",
    "PortalUnavailable",
    "ProgressRecord",
    "RecordInvalid",
    "RecordKind",
    "RetryBudgetExhausted",
    "SignatureInvalid",
    "SourceError",
    "SourceRecord",
    "SpreadsheetError",
    "SupplementRecord",
    "UnknownConnector",
    "available",
    "build_envelope",
    "format_portal_date",
    "get_connector",
    "guess_kind",
    "parse_dossier",
    "parse_envelope",
    "parse_portal_date",
    "parse_progress",
    "parse_record",
    "progression_rank",
]
