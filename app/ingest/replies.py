"""The national portal's reply to a push, as every sender we know reads it.

``{"error_code": 0, "message": "... thành công ..."}`` when every record was stored or already
known; otherwise a non-zero numeric error_code and a message naming each refused MaHoSo and
field (the delivery's good records are stored all the same). What the senders check, from their
public code: OpenCPS reads error_code as a number (a non-numeric one reads as 0!) or its text
("0"); TD.DichVuCong compares the text of error_code with "0" and looks for "thành công" in the
lower-cased message, and for progress in the raw reply text. So a refusal never contains that
phrase anywhere, not even inside an echoed value, and never says "đã tồn tại" (TD.DichVuCong
would then resend to its update URL).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from app.ingest.service import IngestCounts, Refusal

#: error_code of a delivery with refused records (HTTP status stays 200: part was stored).
SOME_REFUSED: Final = 422
MAX_NAMED: Final = 100
_SUCCESS_WORDS: Final = re.compile(r"(thành)(\s+)(công)", re.IGNORECASE)


def _no_success_phrase(text: str) -> str:
    return _SUCCESS_WORDS.sub(r"\1-\3", unicodedata.normalize("NFC", text))


def _named(refusal: Refusal) -> str:
    who = refusal.dossier_code or f"bản ghi thứ {refusal.position}"
    return f"{who} ({refusal.field}: {refusal.reason})"


def delivery_reply(counts: IngestCounts, run_id: int) -> dict[str, Any]:
    """The reply body of a processed delivery."""
    body: dict[str, Any] = {"run_id": run_id, **counts.as_dict()}
    kept = counts.stored + counts.updated + counts.unchanged
    if not counts.refused:
        return {"error_code": 0, "message": (
            f"Đồng bộ thành công {counts.total} bản ghi: lưu mới {counts.stored}, cập nhật "
            f"{counts.updated}, không đổi {counts.unchanged}."), **body}
    named = "; ".join(_named(r) for r in counts.refused[:MAX_NAMED])
    more = len(counts.refused) - MAX_NAMED
    if more > 0:
        named += f"; và {more} bản ghi khác"
    rest = f"{kept} bản ghi còn lại đã được lưu." if kept else "Không bản ghi nào được lưu."
    message = f"Từ chối {len(counts.refused)}/{counts.total} bản ghi: {named}. {rest}"
    refused = [{"position": r.position, "MaHoSo": r.dossier_code, "field": r.field,
                "reason": _no_success_phrase(r.reason)} for r in counts.refused]
    return {"error_code": SOME_REFUSED, "message": _no_success_phrase(message),
            "refused": refused, **body}


def queued_reply(records: int, run_id: int) -> dict[str, Any]:
    """The reply body of a delivery accepted and queued (app/ingest/push_queue.py): durable, its
    records processed moments later. The counts are what this request processed: none yet;
    ``queued`` says how many records wait. Its row of the minute (``run_id``) gets their
    counts once processed."""
    return {"error_code": 0, "message": (
        f"Tiếp nhận thành công {records} bản ghi; dữ liệu được xử lý ngay sau khi tiếp nhận "
        f"(mã lần nhận {run_id})."), "run_id": run_id, "stored": 0, "updated": 0,
        "unchanged": 0, "quarantined": 0, "queued": records}
