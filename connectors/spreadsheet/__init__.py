"""Excel/CSV/JSON exports of one-door systems (PORTAL.md "Spreadsheet exports")."""

from connectors.spreadsheet.aliases import AliasTable, title_key
from connectors.spreadsheet.connector import HeaderReport, SpreadsheetConfig, SpreadsheetConnector

__all__ = ["AliasTable", "HeaderReport", "SpreadsheetConfig", "SpreadsheetConnector", "title_key"]
