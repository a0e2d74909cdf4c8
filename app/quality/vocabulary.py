"""The anomaly codes and their Vietnamese wording, for supervisors and the senders' vendors.

Parser flags (`connectors.portal.lenient`) name a field and an offending value that is never
personal data; step flags (`app.deadlines.store.steps`) name a step by its instant and text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from app.core.clock import to_local
from app.deadlines.store import steps
from connectors.portal import lenient

TITLES: Final[dict[str, str]] = {
    lenient.NAMES_MISSING: "Thiếu tên thủ tục/lĩnh vực",
    lenient.SUMMARY_MISSING: "Thiếu trích yếu",
    lenient.SUMMARY_PLACEHOLDER: "Trích yếu giữ chỗ",
    lenient.ID_PLACEHOLDER: "Số giấy tờ giữ chỗ",
    lenient.ID_INVALID: "Số giấy tờ không hợp lệ",
    lenient.CODE_INVALID: "Mã không hợp lệ",
    lenient.SUPPLEMENT_UNREADABLE: "Không đọc được lần bổ sung",
    lenient.AGENCY_FROM_DELIVERY: "Thiếu đơn vị xử lý",
    lenient.STATUS_UNMAPPED: "Bước không có mã trạng thái",
    lenient.RECEIVED_UNKNOWN: "Chưa có ngày tiếp nhận",
    steps.SUPPLEMENT_DONE_AS_PAUSE: "Hoàn thành bổ sung gửi mã tạm dừng",
    steps.SYNTHETIC_FINISH: "Bước kết thúc tự thêm",
    steps.FINISH_BEFORE_LATER_STEPS: "Kết thúc trước các bước sau",
    steps.FINISHED_STATUS_CONTRADICTED: "Báo đã xử lý xong nhưng chưa xong",
}


def title(code: str) -> str:
    return TITLES.get(code, code)


def field_message(code: str, field: str, value: str | None) -> str:
    """The message of a parser flag."""
    shown = f"“{value}”" if value else "(trống)"
    if code == lenient.NAMES_MISSING:
        return f"Hệ thống gửi để trống {field}: tên thủ tục và lĩnh vực lấy theo danh mục."
    if code == lenient.SUMMARY_MISSING:
        return "Hệ thống gửi không có trích yếu hồ sơ (TrichYeuHoSo)."
    if code == lenient.SUMMARY_PLACEHOLDER:
        return f"Trích yếu hồ sơ là giá trị giữ chỗ {shown}, không phải nội dung yêu cầu."
    if code == lenient.ID_PLACEHOLDER:
        return f"Số giấy tờ của chủ hồ sơ là giá trị giữ chỗ {shown} ({field}): đã bỏ qua."
    if code == lenient.ID_INVALID:
        return f"Số giấy tờ của chủ hồ sơ không hợp lệ ({field}: {value}): đã bỏ qua."
    if code == lenient.CODE_INVALID:
        return f"Trường {field} có mã không hợp lệ {shown}: coi như không rõ."
    if code == lenient.SUPPLEMENT_UNREADABLE:
        return f"Không đọc được một lần bổ sung hồ sơ ({field}: {shown}): đã bỏ qua."
    if code == lenient.AGENCY_FROM_DELIVERY:
        return (f"Bản ghi không có đơn vị xử lý (DonViXuLy): lấy theo đơn vị của lần gửi "
                f"{shown}.")
    if code == lenient.STATUS_UNMAPPED:
        return (f"Bước xử lý ({field}) không có mã trạng thái (TrangThai rỗng): giữ bước, "
                "không đổi trạng thái hồ sơ.")
    if code == lenient.RECEIVED_UNKNOWN:
        return ("Hồ sơ chưa có ngày tiếp nhận (NgayTiepNhan): tạm lấy ngày nộp, hoặc ngày "
                "nhận dữ liệu, đến khi hệ thống gửi có ngày tiếp nhận.")
    if code == steps.FINISHED_STATUS_CONTRADICTED:
        when, _, status = (value or "").partition(" ")
        return (f"Hệ thống gửi báo {field} (đã xử lý xong) nhưng có bước xử lý sau đó "
                f"(lúc {when}, trạng thái {status}): không tính là đã kết thúc.")
    return f"{title(code)}: {field} {shown}."


def _when(at: datetime | None) -> str:
    return "—" if at is None else to_local(at).strftime("%H:%M:%S %d/%m/%Y")


def step_message(code: str, at: datetime | None, detail: str) -> str:
    """The message of a step-reading flag."""
    if code == steps.SUPPLEMENT_DONE_AS_PAUSE:
        return (f"Bước “{detail}” lúc {_when(at)} báo đã hoàn thành bổ sung nhưng gửi mã trạng "
                "thái tạm dừng: tính là tiếp tục xử lý, thời gian tạm dừng kết thúc tại đây.")
    if code == steps.SYNTHETIC_FINISH:
        return (f"Bước “{detail}” lúc {_when(at)} là bước kết thúc hệ thống gửi tự thêm khi hồ "
                "sơ chưa xử lý xong: không tính là kết thúc.")
    if code == steps.FINISH_BEFORE_LATER_STEPS:
        return (f"Thời điểm kết thúc ({detail}) lúc {_when(at)} có trước các bước xử lý hoặc "
                "tạm dừng sau đó: không tính là kết thúc.")
    if code == steps.FINISHED_STATUS_CONTRADICTED:
        return (f"Hồ sơ được báo đã xử lý xong nhưng không có thời điểm kết thúc hợp lệ "
                f"({detail}, lúc {_when(at)}): trạng thái lấy theo bước cuối.")
    return f"{title(code)}: {detail} ({_when(at)})."
