"""`tthc dossier show --json` lists the steps and the responsible agency; `explain` prints each
step's arithmetic — from records ingested as senders send them (PhongBanXuLy, NgayBatDau,
NgayKetThucTheoQuyDinh) and the catalogue's internal process."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from typer.testing import CliRunner

from app.cli import app
from app.db.session import make_engine, make_session_factory, session_scope
from app.ingest.service import ingest_records
from app.procedures.service import import_catalogue
from tests.ingest.payloads import as_records, dossier

runner = CliRunner()
CODE = "H21.65-260302-0001"
NOW = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
STEPS = [
    {"name": "Tiếp nhận", "units": ["Bộ phận một cửa"], "working_hours": 4},
    {"name": "Thẩm định", "units": ["Phòng Tư pháp"], "working_hours": 16},
    {"name": "Phê duyệt", "units": ["Lãnh đạo UBND"], "working_hours": 8},
    {"name": "Trả kết quả", "units": ["Bộ phận một cửa"], "working_hours": 4},
]


def t(day: int, hour: int, minute: int = 0) -> str:
    return f"202603{day:02d}{hour:02d}{minute:02d}00"


def record(at: str, status: int, unit: str, **extra: str) -> dict[str, Any]:
    return {"MaHoSo": CODE, "NguoiXuLy": "Trần Thị Bình", "ChucDanh": "Chuyên viên",
            "ThoiDiemXuLy": at, "PhongBanXuLy": unit, "NoiDungXuLy": f"Bước {status} {at}",
            "TrangThai": str(status), **extra}


def _seed(url: str) -> None:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        import_catalogue(session, [(1, {
            "MaTTHC": "1.001234", "TenTTHC": "Chứng thực", "TenLinhVuc": "Tư pháp",
            "ThoiHanGiaiQuyet": "04 ngày làm việc", "steps": STEPS})], NOW)
        steps = [
            record(t(2, 9), 2, "Bộ phận một cửa"),
            record(t(5, 10), 4, "Phòng Tư pháp"),
            # the leader's own deadline, as the sender computed it
            record(t(6, 9), 4, "Lãnh đạo UBND", NgayBatDau=t(5, 10),
                   NgayKetThucTheoQuyDinh=t(5, 17)),
            record(t(6, 15), 9, "Bộ phận một cửa"),
        ]
        payload = dossier(CODE, status=9, received=t(2, 8), steps=steps,
                          NgayHenTra=t(6, 8), NgayKetThucXuLy=t(6, 15))
        ingest_records(session, "test", as_records([payload]), NOW)
    engine.dispose()


def test_show_json_has_steps_and_the_responsible_agency(cli_database: str) -> None:
    _seed(cli_database)
    result = runner.invoke(app, ["dossier", "show", CODE, "--json", "--as-of", "2026-03-09T10:00"])
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)
    assert item["classification"] == "late"
    steps = item["steps"]
    assert [s["unit"] for s in steps] == ["Bộ phận một cửa", "Phòng Tư pháp", "Lãnh đạo UBND",
                                          "Bộ phận một cửa"]
    for key in ("unit", "agency", "started_at", "due_at", "finished_at", "classification",
                "overrun_working_hours"):
        assert key in steps[0]
    # Justice: Mon 09:00 + 16 h → Wed 09:00 local = 02:00 UTC; done Thu 10:00: 9 h over.
    assert steps[1]["due_at"] == "2026-03-04T02:00:00+00:00"
    assert steps[1]["overrun_working_hours"] == 9
    # Leader: the sender's own due, Thu 17:00; done Fri 09:00: 17:00–17:30 + 07:30–09:00 = 2 h.
    assert steps[2]["due_basis"] == "sender"
    assert steps[2]["started_at"] == "2026-03-05T03:00:00+00:00"
    assert steps[2]["due_at"] == "2026-03-05T10:00:00+00:00"
    assert steps[2]["classification"] == "late" and steps[2]["overrun_working_hours"] == 2
    assert item["responsible_agency"] == "Phòng Tư pháp"


def test_explain_prints_each_steps_arithmetic(cli_database: str) -> None:
    _seed(cli_database)
    result = runner.invoke(app, ["dossier", "explain", CODE, "--as-of", "2026-03-09T10:00"])
    assert result.exit_code == 0, result.output
    assert "Các bước xử lý" in result.output
    assert "hạn = bắt đầu + 16 giờ làm việc" in result.output
    assert "NgayKetThucTheoQuyDinh do hệ thống gửi" in result.output
    assert "Trách nhiệm chậm muộn: Phòng Tư pháp" in result.output
    as_json = runner.invoke(app, ["dossier", "explain", CODE, "--json", "--as-of",
                                  "2026-03-09T10:00"])
    assert json.loads(as_json.output)["responsible_agency"] == "Phòng Tư pháp"
