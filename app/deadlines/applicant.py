"""Deadlines the applicant must meet, which are no processing time of the agency.

Catalogues copy sentences from decrees where the time is the applicant's: counted from the
applicant's own act ("Trong thời hạn 15 ngày, kể từ ngày hoàn tất giao dịch, công ty … thông
báo"), with the applicant as the one who must act ("Chủ hộ kinh doanh có trách nhiệm đăng ký …
trong thời hạn 10 ngày"), or a minimum / an advance notice ("ít nhất 03 ngày làm việc trước khi
tạm ngừng"). An agency acting next ("…, kể từ ngày có quyết định, Sở Tư pháp phải cấp …") keeps
the time the agency's. Patterns match the folded, masked text of `app.deadlines.vi_text`.
"""

from __future__ import annotations

import re
from typing import Final

# "…, kể từ ngày nhận được hồ sơ, …": what a time is counted from, up to its comma
_ANCHOR: Final = re.compile(r"\W*ke tu [^,]*,?")
_RECEIPT_ANCHOR: Final = re.compile(
    r"\W*ke tu (?:ngay|khi|thoi diem)\s+(?:\S+\s+){0,5}?(?:ho so|don|yeu cau|de nghi|van ban"
    r"|to khai|thu ly|bao cao)"
)
_APPLICANT_ANCHOR: Final = re.compile(
    r"\W*ke tu (?:ngay|khi|thoi diem)\s+(?:\S+\s+){0,3}?(?:hoan tat|co giay|sinh|chet|thay doi"
    r"|ket thuc|ky hop dong|duoc cap|co quyet dinh|het han|phat sinh|xay ra|bat dau|co nguoi)"
)
_AGENCY: Final = (
    r"co quan|so (?:tu phap|tai nguyen|xay dung|noi vu|lao dong|giao thong|cong thuong|y te"
    r"|giao duc|ke hoach|tai chinh|van hoa|nong nghiep|ngoai vu|khoa hoc|thong tin)|uy ban"
    r"|ubnd|phong\b|bo phan|van phong|chi nhanh|cuc\b|chu tich|cong chuc"
    r"|can bo|thu truong|truong phong|giam doc|bo truong|tong cuc|trung tam|cong an|toa an"
    r"|thanh tra|ngan hang nha nuoc|kho bac|hoi dong|nguoi tiep nhan|nguoi co tham quyen"
)
_APPLICANT: Final = (
    r"cong ty|doanh nghiep|nguoi nop|nguoi de nghi|nguoi yeu cau|to chuc|ca nhan|chu dau tu"
    r"|nha dau tu|thuong nhan|ho kinh doanh|cha hoac me|cha, me|nguoi khieu nai|nguoi to cao"
    r"|cong dan|chu ho|nguoi su dung dat|nguoi su dung lao dong|nguoi lao dong|hop tac xa"
    r"|chu so huu|ho gia dinh|nguoi dan|nguoi dang ky|nguoi di dang ky|chu phuong tien"
)
# a minimum ("ít nhất 15 ngày") or an advance notice ("03 ngày làm việc trước khi tạm ngừng") is
# what the applicant must respect; an agency's time is a maximum
_AT_LEAST: Final = re.compile(r"\b(?:it nhat|toi thieu)\s*$")
_IN_ADVANCE: Final = re.compile(r"^\W*truoc\s+(?:khi|ngay|thoi diem)\b")
_ACTOR: Final = re.compile(rf"(?<!cho )(?<!den )(?<!voi )(?<!cua )\b(?:(?P<agency>{_AGENCY})"
                           rf"|(?P<applicant>{_APPLICANT}))")
# the actor's own verb, a few words after it: "hộ kinh doanh phải thông báo", "công ty … thông báo"
_PASSIVE: Final = re.compile(r"\W*(?:\S+\s+){0,3}?duoc\b")
_OBLIGATION: Final = re.compile(
    r"\W*(?:\S+\s+){0,3}?(?:phai|co trach nhiem|thong bao|gui|nop|dang ky|bao cao)\b"
)


def is_applicant(masked: str, start: int, quantity: tuple[int, int], end: int) -> bool:
    """Whether the time at ``quantity`` (its span in ``masked``, a clause from ``start`` to ``end``)
    is one the applicant must meet: counted from the applicant's own act
    ("kể từ ngày hoàn tất giao dịch"), or with the applicant as the one who must act ("doanh
    nghiệp phải đăng ký ... trong thời hạn 10 ngày", "..., công ty ... thông báo")."""
    q_start, q_end = quantity
    tail = masked[q_end:end]
    if _AT_LEAST.search(masked, start, q_start) or _IN_ADVANCE.match(tail):
        return True
    subject = _ACTOR.search(masked, start, q_start)
    if subject is not None and subject.group("applicant") and _OBLIGATION.match(
            masked, subject.end(), end):
        return True
    anchor = _ANCHOR.match(tail)
    after_anchor = tail[anchor.end():] if anchor else tail
    actor = _ACTOR.search(after_anchor)
    if actor is not None:
        if actor.group("agency"):
            return False
        if _OBLIGATION.match(after_anchor, actor.end()):
            return True
        if _PASSIVE.match(after_anchor, actor.end()):
            return False  # the applicant receives: "doanh nghiệp (và chi nhánh) được cấp"
    # counted from the applicant's own event: "kể từ ngày có người chết thì vợ, chồng hoặc con,
    # cha, mẹ hoặc người thân thích khác của người chết có trách nhiệm đi đăng ký khai tử"
    return bool(_APPLICANT_ANCHOR.match(tail)) and not _RECEIPT_ANCHOR.match(tail)
