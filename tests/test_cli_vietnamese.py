"""What the CLI prints for people is Vietnamese, in Vietnamese time; `--json` keeps the API's
English keys, codes and UTC instants."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from app.cli import app
from app.db.session import make_engine, make_session_factory, session_scope
from app.delivery.service import enqueue
from app.ingest.reasons_vi import reason_vi
from app.ingest.service import ingest_records
from tests.ingest.payloads import NOW, as_records, dossier
from tests.scan.scenario import add_dossier, make_case

runner = CliRunner()
CODE = "000.00.12.H36-260302-0077"
ENGLISH_WORDS = re.compile(r"\b(late|overdue|in_time|due_soon|draft|approved|status|seen)\b")


def _seed(url: str) -> None:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        add_dossier(session, make_case(session), CODE)
    engine.dispose()


def _out(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_scan_dossier_and_notices_speak_vietnamese(cli_database: str) -> None:
    _seed(cli_database)
    scan = _out("scan", "--now", "2026-03-06T10:00:00+07:00")
    assert scan.startswith("Quét lúc 06/03/2026 10:00 (giờ Việt Nam): 1 hồ sơ đang giải quyết")
    assert re.search(r"sắp đến hạn\s+1", scan) and re.search(r"phiếu xin lỗi mới dự thảo\s+1", scan)
    assert not ENGLISH_WORDS.search(scan)

    # Received Mon 02/03 09:00, five working days: due Mon 09/03 09:00 local (02:00 UTC).
    shown = _out("dossier", "show", CODE, "--as-of", "2026-03-10T09:00")
    assert shown.strip() == (
        f"{CODE} · Đang xử lý (mã 4) · hạn 09/03/2026 09:00 · Quá hạn (đang xử lý)"
    )
    [as_json] = json.loads(_out("dossier", "show", CODE, "--json", "--as-of", "2026-03-10T09:00"))
    assert (as_json["due_at"], as_json["classification"]) == (
        "2026-03-09T02:00:00+00:00", "overdue"
    )

    listed = _out("notices", "list")
    assert re.fullmatch(
        rf"\s+\d+  01/PXL-STP  Dự thảo, chờ duyệt\s+{CODE}  hẹn lại 16/03/2026 09:00\n", listed
    ), listed
    [item] = json.loads(_out("notices", "list", "--json"))
    assert item["status"] == "draft" and item["new_due_at"] == "2026-03-16T02:00:00Z"
    assert _out("notices", "list", "--status", "published") == (
        "Chưa có phiếu xin lỗi nào khớp điều kiện lọc.\n"
    )


def test_quarantine_reasons_are_translated_for_people_only(cli_database: str) -> None:
    engine = make_engine(cli_database)
    with session_scope(make_session_factory(engine)) as session:
        records = as_records([dossier("H21.65-250908-0043", NgayHenTra="mai")], kind="dossier")
        ingest_records(session, "test", records, NOW)  # type: ignore[arg-type]
    engine.dispose()
    line = _out("quarantine", "list")
    assert "NgayHenTra: ngày 'mai' không hợp lệ: cần dạng yyyyMMddHHmmss" in line
    assert "[chưa xử lý]" in line and "gặp 1 lần, lần cuối" in line
    [entry] = json.loads(_out("quarantine", "list", "--json"))
    assert entry["reason"].startswith("invalid date 'mai': expected yyyyMMddHHmmss")
    assert _out("quarantine", "list", "--status", "resolved") == (
        "Không có bản ghi cách ly nào đã xử lý.\n"
    )


def test_every_reason_the_parser_words_has_a_translation() -> None:
    samples = {
        "required field is missing": "thiếu trường bắt buộc",
        "required date is empty": "ngày bắt buộc để trống",
        "unknown status code 11: expected 1..10": (
            "mã trạng thái 11 không tồn tại: chỉ có mã 1 đến 10"
        ),
        "unknown status 'finished'": "trạng thái 'finished' không xác định",
        "status must be a code, got list": "trạng thái phải là mã số, nhận được danh sách",
        "expected a list, got object": "cần một danh sách, nhận được đối tượng",
        "text is 5000 characters long, the limit is 4000": (
            "văn bản dài 5000 ký tự, vượt giới hạn 4000"
        ),
        "ID of kind 1 must be 12 digits, got 9 characters": (
            "giấy tờ định danh loại 1 phải có 12 chữ số, nhận được 9 ký tự"
        ),
        "progress belongs to 'A', not to dossier 'B'": (
            "bản ghi tiến độ thuộc hồ sơ 'A', không phải hồ sơ 'B'"
        ),
        "invalid date: expected a yyyyMMddHHmmss string, got number": (
            "ngày không hợp lệ: cần chuỗi dạng yyyyMMddHHmmss, nhận được số"
        ),
    }
    for english, vietnamese in samples.items():
        assert reason_vi(english) == vietnamese
    assert reason_vi("a reason nobody translated yet") == "a reason nobody translated yet"


def test_the_outbox_table_speaks_vietnamese(cli_database: str) -> None:
    engine = make_engine(cli_database)
    with session_scope(make_session_factory(engine)) as session:
        enqueue(session, key="notice_issued:1", kind="notice_issued", channel="webhook",
                payload={"event": "notice_issued"}, now=NOW)
    engine.dispose()
    table = _out("outbox", "list")
    for words in ("Loại", "Tình trạng", "Phát hành", "phiếu xin lỗi", "Chờ gửi", "Webhook"):
        assert words in table, table
    assert not re.search(r"\b(kind|channel|pending|notice_issued|attempts)\b", table), table
    [message] = json.loads(_out("outbox", "list", "--json"))
    assert (message["kind"], message["status"]) == ("notice_issued", "pending")
