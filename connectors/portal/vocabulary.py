"""The portal's coded vocabularies: dossier status codes (PORTAL.md "Status codes") and channels.

This is the one place where status codes are numbers.

Everything else names a status by its member (`DossierStatus.FINISHED`) or by a set built from
members (`app.deadlines.status`). Stored rows and records keep plain ints: an `IntEnum` member
compares and hashes equal to its code, so `row.status in FINISHED` works either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Final


class DossierStatus(IntEnum):
    SUBMITTED = 1  # Mới đăng ký: submitted online, not accepted yet
    ACCEPTED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT = 5  # Yêu cầu bổ sung giấy tờ (pauses the clock)
    FINANCIAL = 6  # Yêu cầu thực hiện nghĩa vụ tài chính (pauses the clock)
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    FINISHED = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả


#: The status of a progress step whose TrangThai was ``""``: a sender with no mapping for its
#: local status (PORTAL.md). The step is kept; it changes neither the status nor the clock.
NO_STATUS: Final = 0

#: PORTAL.md status codes and their meaning (Vietnamese, as the portal names them).
STATUS_NAMES: Final[Mapping[int, str]] = {
    DossierStatus.SUBMITTED: "Mới đăng ký",
    DossierStatus.ACCEPTED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.FINANCIAL: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.FINISHED: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}

#: Text statuses some systems send instead of numbers (PORTAL.md).
STATUS_ALIASES: Final[Mapping[str, DossierStatus]] = {
    "receiving": DossierStatus.SUBMITTED,
    "new": DossierStatus.ACCEPTED,
    "denied": DossierStatus.REFUSED,
    "processing": DossierStatus.PROCESSING,
    "waiting": DossierStatus.SUPPLEMENT,
    "paying": DossierStatus.FINANCIAL,
    "cancelled": DossierStatus.WITHDRAWN,
    "unresolved": DossierStatus.STOPPED,
    "releasing": DossierStatus.FINISHED,
    "done": DossierStatus.RETURNED,
}

# Where each status stands in a dossier's life: steps stamped with the same instant apply in this
# order whatever order they arrive in (received, processing, paused, finished, returned; refused,
# withdrawn and stopped end a dossier). A step without status comes first: it changes nothing.
_PROGRESSION: Final[Mapping[int, int]] = {
    NO_STATUS: -1,
    DossierStatus.SUBMITTED: 0,
    DossierStatus.ACCEPTED: 1,
    DossierStatus.PROCESSING: 2,
    DossierStatus.SUPPLEMENT: 3,
    DossierStatus.FINANCIAL: 3,
    DossierStatus.FINISHED: 4,
    DossierStatus.RETURNED: 5,
    DossierStatus.REFUSED: 6,
    DossierStatus.WITHDRAWN: 6,
    DossierStatus.STOPPED: 6,
}


def progression_rank(status: int) -> int:
    """The rank of ``status`` in a dossier's progression (ties of instant sort by it)."""
    return _PROGRESSION.get(status, -1)


class Channel(IntEnum):
    """KenhThucHien: how the dossier was submitted."""

    DIRECT = 1  # at the one-stop desk
    ONLINE = 2
    POST = 3  # public postal service


#: As the record parser names them (lower case, inside sentences).
CHANNEL_NAMES: Final[Mapping[int, str]] = {
    Channel.DIRECT: "trực tiếp",
    Channel.ONLINE: "trực tuyến",
    Channel.POST: "bưu chính công ích",
}
#: As pages and reports title them.
CHANNEL_TITLES: Final[Mapping[int, str]] = {
    Channel.DIRECT: "Trực tiếp",
    Channel.ONLINE: "Trực tuyến",
    Channel.POST: "Dịch vụ bưu chính công ích",
}
