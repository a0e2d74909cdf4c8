"""Fifteen dossiers as a one-door system holds them, sender-neutral, and what must be stored of
each whichever sender delivers it. The builders (opencps.py, td_dichvucong.py, enrolment.py)
turn them into what each public sender sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connectors.portal.fields import parse_portal_date

IN_CATALOGUE = "1.000894"  # 5 working days
NOT_IN_CATALOGUE = "9.000001"
AGENCY, AGENCY_NAME = "H21.65", "UBND huyện Đông Hưng"


def at(day: int, hour: int, minute: int = 0) -> str:
    return f"202509{day:02d}{hour:02d}{minute:02d}00"


@dataclass(frozen=True)
class Step:
    at: str
    status: int
    text: str


@dataclass(frozen=True)
class Local:
    code: str
    steps: tuple[Step, ...]
    due: str | None = at(19, 17)
    procedure: str = IN_CATALOGUE
    channel: str | None = "1"
    by_post: bool = False
    summary: str | None = "Đăng ký kết hôn"
    names_known: bool = True
    id_number: str | None = "079012345612"
    #: (index of the step after which, new appointment): a re-appointment
    reappointed: tuple[tuple[int, str], ...] = ()

    @property
    def received(self) -> str:
        return self.steps[0].at

    @property
    def status(self) -> int:
        return self.steps[-1].status

    def due_after(self, index: int) -> str | None:
        """The appointment as the system held it after step `index`."""
        due = self.due
        for after, new in self.reappointed:
            if index >= after:
                due = new
        return due

    def first(self, status: int, upto: int | None = None) -> str | None:
        steps = self.steps if upto is None else self.steps[: upto + 1]
        return next((s.at for s in steps if s.status == status), None)

    def instant(self, status: int) -> datetime | None:
        found = self.first(status)
        return parse_portal_date(found, "x") if found else None


RECEIVE = "Tiếp nhận hồ sơ"
WORK = "Chuyển phòng chuyên môn thụ lý"
ASK = "Yêu cầu bổ sung giấy tờ"
DONE = "Hoàn thành xử lý"
GIVE = "Trả kết quả"

SCENARIOS: tuple[Local, ...] = (
    Local("H21.65-250901-0001", (Step(at(1, 8), 2, RECEIVE), Step(at(1, 9), 4, WORK),
                                 Step(at(3, 10), 9, DONE), Step(at(4, 9), 10, GIVE)),
          channel="2", by_post=True),
    Local("H21.65-250901-0002", (Step(at(1, 8, 30), 2, RECEIVE), Step(at(2, 9), 4, WORK)),
          due=None),
    Local("H21.65-250901-0003", (Step(at(1, 14), 2, RECEIVE), Step(at(2, 9), 4, WORK)),
          channel=None),
    Local("H21.65-250902-0001", (Step(at(2, 8), 2, RECEIVE), Step(at(2, 10), 4, WORK),
                                 Step(at(3, 15), 5, ASK)), channel="3"),
    Local("H21.65-250902-0002", (Step(at(2, 8), 2, RECEIVE), Step(at(2, 10), 4, WORK),
                                 Step(at(3, 9), 5, ASK),
                                 Step(at(5, 9), 4, "Tiếp nhận hồ sơ bổ sung"),
                                 Step(at(10, 10), 9, DONE), Step(at(10, 15), 10, GIVE)),
          reappointed=((3, at(23, 17)),)),
    Local("H21.65-250903-0001", (Step(at(3, 8), 2, RECEIVE), Step(at(3, 9), 4, WORK)),
          names_known=False),
    Local("H21.65-250903-0002", (Step(at(3, 8, 15), 2, RECEIVE), Step(at(3, 9), 4, WORK),
                                 Step(at(4, 16), 9, DONE), Step(at(5, 8), 10, GIVE)),
          summary=None),
    Local("H21.65-250903-0003", (Step(at(3, 10), 2, RECEIVE),
                                 Step(at(3, 11), 3, "Không tiếp nhận: thiếu thành phần"))),
    Local("H21.65-250904-0001", (Step(at(4, 8), 2, RECEIVE), Step(at(4, 9), 4, WORK),
                                 Step(at(15, 10), 9, DONE), Step(at(15, 11), 10, GIVE))),
    Local("H21.65-250904-0002", (Step(at(4, 8), 2, RECEIVE), Step(at(4, 9), 4, WORK),
                                 Step(at(8, 16), 9, DONE), Step(at(8, 16), 10, GIVE))),
    Local("H21.65-250904-0003", (Step(at(4, 10), 2, RECEIVE), Step(at(4, 11), 4, WORK)),
          procedure=NOT_IN_CATALOGUE, due=None, names_known=False),
    Local("H21.65-250905-0001", (Step(at(5, 8), 2, RECEIVE), Step(at(5, 9), 4, WORK),
                                 Step(at(8, 10), 6, "Thông báo nghĩa vụ tài chính"))),
    Local("H21.65-250905-0002", (Step(at(5, 8), 2, RECEIVE), Step(at(5, 9), 4, WORK),
                                 Step(at(6, 9), 7, "Công dân yêu cầu rút hồ sơ"))),
    Local("H21.65-250905-0003", (Step(at(5, 10), 2, RECEIVE), Step(at(5, 11), 4, WORK)),
          id_number="B1234567"),
    Local("H21.65-250908-0001", (Step(at(8, 8), 2, RECEIVE), Step(at(8, 9), 4, WORK),
                                 Step(at(9, 9), 9, DONE), Step(at(9, 10), 10, GIVE)),
          procedure=NOT_IN_CATALOGUE),
)
