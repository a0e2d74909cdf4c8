"""The catalogue's `steps` (DEADLINES.md §8, PORTAL.md): JSON key, CSV/XLSX one row per step,
stored per catalogue and per province, the nearest agency's process wins, and an import warns
when the allotments exceed the legal time."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.errors import BadRequest, NotFound
from app.deadlines.store.processes import finder
from app.models import Agency, Procedure
from app.procedures import process_service
from app.procedures.catalogue_file import CatalogueFile
from app.procedures.process import over_legal_time, read_steps_value
from app.procedures.service import import_catalogue

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
STEPS = [
    {"name": "Tiếp nhận", "units": ["Bộ phận một cửa"], "working_hours": 4},
    {"name": "Thẩm định", "units": ["Phòng Tư pháp", "Công chức tư pháp"], "working_hours": 16,
     "online_working_hours": 12},
    {"name": "Phê duyệt", "units": ["Lãnh đạo UBND"], "working_hours": 8},
    {"name": "Trả kết quả", "units": ["Bộ phận một cửa"], "working_hours": 4},
]


def entry(code: str, text: str = "04 ngày làm việc", **extra: Any) -> dict[str, Any]:
    return {"MaTTHC": code, "TenTTHC": f"Thủ tục {code}", "TenLinhVuc": "Tư pháp",
            "ThoiHanGiaiQuyet": text, **extra}


def process_of(session: Session, code: str, agency_id: int | None = None) -> list[str]:
    proc = session.query(Procedure).filter_by(code=code).one()
    found = finder(session, [proc.id])
    if agency_id is None:
        return [s.name for s in found.rows.get((proc.id, None), ())]
    return [s.name for s in found.for_dossier(proc.id, agency_id)]


def test_json_steps_are_stored_in_order_with_online_allotments(db_session: Session) -> None:
    report = import_catalogue(db_session, [(1, entry("1.000001", steps=STEPS))], NOW)
    assert report.created == 1 and report.warnings == [] and report.refused == []
    views = process_service.get_processes(db_session, "1.000001")
    assert len(views) == 1 and views[0].agency_code is None
    justice = views[0].steps[1]
    assert justice.units == ("Phòng Tư pháp", "Công chức tư pháp")
    assert (justice.working_hours, justice.online_working_hours) == (Decimal(16), Decimal(12))


def test_allotments_over_the_legal_time_are_imported_with_a_warning(
    db_session: Session,
) -> None:
    # 4 + 16 + 8 + 4 = 32 h = 4 working days: fits; in 3 working days (24 h) it does not.
    report = import_catalogue(db_session, [(1, entry("1.000002", "03 ngày làm việc",
                                                      steps=STEPS))], NOW)
    assert [w.code for w in report.warnings] == ["1.000002"]
    assert "32 giờ" in report.warnings[0].reason and "24 giờ" in report.warnings[0].reason
    assert process_of(db_session, "1.000002") == [s["name"] for s in STEPS]


def test_the_boundary_of_the_legal_time() -> None:
    from app.deadlines import ProcessingTime

    steps = read_steps_value(STEPS)
    assert over_legal_time(steps, ProcessingTime(Decimal(4), "working_days")) is None
    assert over_legal_time(steps, ProcessingTime(Decimal(31), "working_hours")) is not None
    # online 4 + 12 + 8 + 4 = 28 h would fit 28 working hours; in person (32 h) does not
    assert over_legal_time(steps, ProcessingTime(Decimal(28), "working_hours")) is not None


def test_csv_one_row_per_step(db_session: Session, tmp_path: Path) -> None:
    path = tmp_path / "quy_trinh.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết", "Tên bước",
                    "Đơn vị thực hiện bước", "Thời gian thực hiện (giờ)", "Cơ quan liên thông"])
        w.writerow(["1.000003", "Đăng ký đất đai", "Đất đai", "05 ngày làm việc", "Tiếp nhận",
                    "Bộ phận một cửa", "4", ""])
        w.writerow(["1.000003", "", "", "", "Xác định nghĩa vụ tài chính",
                    "Chi cục Thuế khu vực XV; Đội Thuế", "8", "Thuế cơ sở 5"])
        w.writerow(["1.000003", "", "", "", "Trả kết quả", "Bộ phận một cửa", "4,5", ""])
    report = import_catalogue(db_session, CatalogueFile(path).rows(), NOW)
    assert report.created == 1 and report.refused == []
    steps = process_service.get_processes(db_session, "1.000003")[0].steps
    assert [s.name for s in steps] == ["Tiếp nhận", "Xác định nghĩa vụ tài chính", "Trả kết quả"]
    assert steps[1].units == ("Chi cục Thuế khu vực XV", "Đội Thuế")
    assert steps[1].agency == "Thuế cơ sở 5" and steps[2].working_hours == Decimal("4.5")


def test_xlsx_steps_with_working_days(db_session: Session, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết", "Tên bước",
                  "Đơn vị thực hiện bước", "Thời gian thực hiện (ngày)"])
    sheet.append(["1.000004", "Cấp phép", "Xây dựng", "10 ngày làm việc", "Thẩm định",
                  "Phòng Kinh tế", 1.5])
    book.save(tmp_path / "qt.xlsx")
    import_catalogue(db_session, CatalogueFile(tmp_path / "qt.xlsx").rows(), NOW)
    steps = process_service.get_processes(db_session, "1.000004")[0].steps
    assert steps[0].working_hours == Decimal(12)  # 1.5 working days × 8


def test_bad_steps_are_refused_with_their_row(db_session: Session) -> None:
    bad = [{"name": "Thẩm định", "units": [], "working_hours": 8}]
    report = import_catalogue(db_session, [(7, entry("1.000005", steps=bad))], NOW)
    assert [(p.row, p.column) for p in report.refused] == [(7, "steps")]
    assert "no units" in report.refused[0].reason
    negative = [{"name": "A", "units": ["X"], "working_hours": -1}]
    again = import_catalogue(db_session, [(8, entry("1.000006", steps=negative))], NOW)
    assert "more than 0" in again.refused[0].reason


def test_a_province_process_wins_for_its_communes(db_session: Session) -> None:
    province = Agency(code="T56", name="Tỉnh Khánh Hòa", created_at=NOW, updated_at=NOW)
    db_session.add(province)
    db_session.flush()
    commune = Agency(code="X01", name="UBND xã Cam Hải", parent_id=province.id, created_at=NOW,
                     updated_at=NOW)
    other = Agency(code="X99", name="UBND xã khác", created_at=NOW, updated_at=NOW)
    db_session.add_all([commune, other])
    import_catalogue(db_session, [(1, entry("1.000007", steps=STEPS))], NOW)
    mine = [{"name": "Một bước", "units": ["Bộ phận một cửa"], "working_hours": 24}]
    view = process_service.set_process(db_session, "1.000007", "T56", mine, NOW, "admin")
    assert view.warning is None
    assert process_of(db_session, "1.000007", commune.id) == ["Một bước"]
    assert process_of(db_session, "1.000007", other.id) == [s["name"] for s in STEPS]
    process_service.set_process(db_session, "1.000007", "T56", [], NOW, "admin")
    assert process_of(db_session, "1.000007", commune.id) == [s["name"] for s in STEPS]
    with pytest.raises(NotFound):
        process_service.set_process(db_session, "1.000007", "NOPE", mine, NOW, "admin")
    with pytest.raises(BadRequest):
        process_service.set_process(db_session, "1.000007", None, {"x": 1}, NOW, "admin")


def test_cli_sets_and_shows_a_province_process(cli_database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    catalogue = tmp_path / "c.json"
    catalogue.write_text(json.dumps([entry("1.000008", "03 ngày làm việc", steps=STEPS)],
                                    ensure_ascii=False), encoding="utf-8")
    imported = runner.invoke(cli, ["procedures", "import", str(catalogue)])
    assert imported.exit_code == 0 and "Cảnh báo" in imported.output
    shown = runner.invoke(cli, ["procedures", "steps", "1.000008", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)[0]["steps"][0]["name"] == "Tiếp nhận"
    missing = runner.invoke(cli, ["procedures", "steps", "9.9", "--json"])
    assert missing.exit_code == 1 and "9.9" in missing.output


def test_api_shows_and_sets_a_province_process(
    client: Any, db_session: Session, auth_headers: Any
) -> None:
    import_catalogue(db_session, [(1, entry("1.000009", steps=STEPS))], NOW)
    db_session.add(Agency(code="T99", name="Tỉnh Thử", created_at=NOW, updated_at=NOW))
    db_session.commit()
    url = "/api/v1/procedures/1.000009/steps"
    assert [v["agency_code"] for v in client.get(url, headers=auth_headers("admin")).json()] \
        == [None]
    mine = [{"name": "Một bước", "units": ["Bộ phận một cửa"], "working_hours": 40}]
    viewer = client.put(url, params={"agency": "T99"}, json=mine,
                        headers=auth_headers("viewer", agency="T99"))
    assert viewer.status_code == 403
    put = client.put(url, params={"agency": "T99"}, json=mine, headers=auth_headers("admin"))
    assert put.status_code == 200, put.text
    assert "vượt thời hạn luật định" in put.json()["warning"]  # 40 h > 4 working days
    bad = client.put(url, json=[{"name": "X", "units": ["Y"], "working_hours": "1e9"}],
                     headers=auth_headers("admin"))
    assert bad.status_code == 400 and "working hours" in bad.json()["reason"]
