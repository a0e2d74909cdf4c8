from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.agencies import repository, service
from app.cli import app
from app.core.errors import NotFound, ValidationFailed
from tests.factories import T0

runner = CliRunner()


def test_import_builds_the_tree_in_any_order(db_session: Session) -> None:
    rows = [
        {"code": "H21.65.01", "name": "UBND xã Đông Hòa", "parent_code": "H21.65"},
        {"code": "H21.65", "name": "UBND huyện Đông Hưng", "parent_code": "H21"},
        {"code": "H21", "name": "UBND tỉnh"},
        {"code": "BAD", "name": "", "parent_code": None},
        {"code": "ORPHAN", "name": "Mồ côi", "parent_code": "NOWHERE"},
    ]
    report = service.import_agencies(db_session, rows, T0)
    assert (report.created, report.updated) == (3, 0)
    assert len(report.problems) == 2
    root = repository.by_code(db_session, "H21")
    assert root is not None
    assert len(repository.subtree_ids(db_session, root.id)) == 3
    again = service.import_agencies(db_session, rows[:3], T0)
    assert (again.created, again.unchanged) == (0, 3)


def test_loops_and_missing_parents_are_refused(db_session: Session) -> None:
    service.upsert_agency(db_session, code="A", name="Tỉnh", parent_code=None, now=T0)
    service.upsert_agency(db_session, code="B", name="Huyện", parent_code="A", now=T0)
    with pytest.raises(ValidationFailed, match="loop"):
        service.upsert_agency(db_session, code="A", name="Tỉnh", parent_code="B", now=T0)
    with pytest.raises(NotFound, match="does not exist"):
        service.upsert_agency(db_session, code="C", name="Xã", parent_code="Z", now=T0)


def test_cli_import_and_list(cli_database: str, tmp_path: Path) -> None:
    path = tmp_path / "donvi.json"
    path.write_text(
        json.dumps(
            [
                {"code": "H21", "name": "UBND tỉnh"},
                {"code": "H21.10", "name": "Sở Tư pháp", "parent_code": "H21"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["agencies", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    listed = json.loads(runner.invoke(app, ["agencies", "list", "--json"]).output)
    assert {
        "code": "H21.10",
        "name": "Sở Tư pháp",
        "parent_code": "H21",
        "auto_created": False,
    } in listed
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    bad = runner.invoke(app, ["agencies", "import", str(broken)])
    assert bad.exit_code == 1 and "cannot read" in bad.output
