"""The registry and the public surface of the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import connectors
from connectors import Connector, UnknownConnector, available, get_connector


def test_available_lists_the_registered_connectors() -> None:
    assert available() == ["dvc_portal", "spreadsheet"]


def test_an_unknown_name_says_what_exists() -> None:
    with pytest.raises(UnknownConnector, match="available: dvc_portal, spreadsheet"):
        get_connector("ftp")


def test_an_unknown_option_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        get_connector("dvc_portal", base_url="http://p", token="t", colour="blue")


def test_built_connectors_satisfy_the_protocol(tmp_path: Path) -> None:
    built = get_connector("spreadsheet", path=tmp_path / "a.csv")
    assert isinstance(built, Connector)


def test_the_package_never_imports_app() -> None:
    root = Path(connectors.__file__).parent
    for source in root.rglob("*.py"):
        tree = ast.parse(source.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "app" or n.startswith("app.") for n in names), source
